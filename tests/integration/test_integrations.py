"""Integrations: per-provider validation, sealed and masked secrets, the active config per category, OAuth."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.arky_types import assert_client_shape
from tests.integration.conftest import login
from tests.integration.test_webhooks import table_text
from tests.support import Api, counting_calls

STRIPE = {"type": "stripe", "secret_key": "sk_test_51SecretValue9999", "publishable_key": "pk_test_51Public",
          "webhook_secret": "whsec_stripe_signing_8888", "currency": "usd", "activeForCardPayments": True}
GOOGLE = {"type": "google", "client_id": "client-123.apps.example.com", "client_secret": "google-client-secret-7777",
          "scopes": ["openid", "email"]}


def base(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/integrations"


def create(api: Api, owner: dict[str, Any], store: dict[str, Any], key: str, provider: dict[str, Any],
           **extra: Any) -> dict[str, Any]:
    reply = api.call("POST", base(store), {"key": key, "provider": provider, **extra}, token=owner["access_token"])
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_stripe_integration_secrets_are_sealed_and_masked(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                          provisioned: Any, capsys: pytest.CaptureFixture[str]) -> None:
    created = create(api, owner, store, "stripe-payments", STRIPE)
    assert created["provider"] == {"type": "stripe", "secret_key": "****9999", "publishable_key": "pk_test_51Public",
                                   "webhook_secret": "****8888", "currency": "USD", "activeForCardPayments": True}
    assert created["category"] == "payment" and created["active"] is True
    listing = api.call("GET", base(store), token=owner["access_token"]).body
    assert isinstance(listing, list) and listing == [created]
    config = api.call("GET", f"{base(store)}/config/payment", token=owner["access_token"])
    assert config.status == 200 and config.body == created
    everything = table_text(provisioned) + capsys.readouterr().out
    for secret in (STRIPE["secret_key"], STRIPE["webhook_secret"]):
        assert secret not in everything  # neither at rest, in answers, nor in the logs


def test_the_platform_can_open_the_secrets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from storecrm.services import integration_service

    create(api, owner, store, "stripe-payments", STRIPE)
    found = integration_service().active_with_secrets(store["id"], "payment")
    assert found is not None and found[1] == {"secret_key": STRIPE["secret_key"],
                                              "webhook_secret": STRIPE["webhook_secret"]}


def test_partial_updates_keep_the_stored_secrets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from storecrm.services import integration_service

    created = create(api, owner, store, "stripe-payments", STRIPE)
    reply = api.call("PUT", f"{base(store)}/{created['id']}", {"provider": {
        "type": "stripe", "publishable_key": "pk_live_New", "currency": "EUR"}}, token=owner["access_token"])
    assert reply.status == 200, reply.body
    assert reply.body["provider"]["publishable_key"] == "pk_live_New" and reply.body["provider"]["currency"] == "EUR"
    assert reply.body["provider"]["secret_key"] == "****9999"
    found = integration_service().active_with_secrets(store["id"], "payment")
    assert found is not None and found[1]["secret_key"] == STRIPE["secret_key"]
    rotated = api.call("PUT", f"{base(store)}/{created['id']}", {"provider": {"secret_key": "sk_live_Rotated0000"}},
                       token=owner["access_token"])
    assert rotated.body["provider"]["secret_key"] == "****0000"


def test_one_active_integration_per_category(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = create(api, owner, store, "stripe-a", STRIPE)
    second = create(api, owner, store, "stripe-b", STRIPE)
    assert first["active"] and not second["active"]  # the first of a category is the one used
    switched = api.call("PUT", f"{base(store)}/{second['id']}", {"active": True}, token=token)
    assert switched.status == 200 and switched.body["active"] is True
    assert api.call("GET", f"{base(store)}/config/payment", token=token).body["id"] == second["id"]
    actives = {i["key"]: i["active"] for i in api.call("GET", base(store), token=token).body}
    assert actives == {"stripe-a": False, "stripe-b": True}
    third = create(api, owner, store, "stripe-c", STRIPE, active=True)
    assert api.call("GET", f"{base(store)}/config/payment", token=token).body["id"] == third["id"]
    assert api.call("DELETE", f"{base(store)}/{third['id']}", token=token).body == {"deleted": True}
    missing = api.call("GET", f"{base(store)}/config/payment", token=token)
    assert missing.status == 404 and missing.error == "INTEGRATION.NOT_CONFIGURED"
    assert api.call("GET", f"{base(store)}/config/shipping", token=token).status == 404
    assert api.call("GET", f"{base(store)}/config/ai", token=token).status == 400
    shippo = create(api, owner, store, "shippo", {"type": "shippo", "api_token": "shippo_live_token_1234"})
    assert api.call("GET", f"{base(store)}/config/shipping", token=token).body["id"] == shippo["id"]


@pytest.mark.parametrize(("body", "field"), [
    ({"key": "x", "provider": {"type": "paypal", "api_key": "k"}}, "provider"),
    ({"key": "x", "provider": {"api_key": "k"}}, "provider"),
    ({"key": "x", "provider": {**STRIPE, "secret_key": None}}, "provider.secret_key"),
    ({"key": "x", "provider": {k: v for k, v in STRIPE.items() if k != "publishable_key"}}, "provider.publishable_key"),
    ({"key": "x", "provider": {**STRIPE, "secret_key": "pk_test_wrong_kind"}}, "provider.secret_key"),
    ({"key": "x", "provider": {**STRIPE, "currency": "dollars"}}, "provider.currency"),
    ({"key": "x", "provider": {"type": "shippo"}}, "provider.api_token"),
    ({"key": "x", "provider": {"type": "google", "client_id": "c"}}, "provider.client_secret"),
    ({"key": "x", "provider": {"type": "vercel_deploy_hook", "url": "http://insecure.example.com"}}, "provider.url"),
    ({"key": "x", "provider": {"type": "slack", "api_key": "xoxb-1234567890"}, "active": True}, "active"),
    ({"provider": STRIPE}, "key"),
    ({"key": "has space", "provider": STRIPE}, "key"),
])
def test_bad_integrations_are_refused_and_nothing_is_stored(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                            body: dict[str, Any], field: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    reply = api.call("POST", base(store), body, token=owner["access_token"])
    assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", reply.body
    assert field in [e["field"] for e in reply.body["validationErrors"]], reply.body
    assert api.call("GET", base(store), token=owner["access_token"]).body == []
    assert STRIPE["secret_key"] not in json.dumps(reply.body) + capsys.readouterr().out


def test_integration_keys_are_unique_and_types_fixed(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    created = create(api, owner, store, "stripe-payments", STRIPE)
    again = api.call("POST", base(store), {"key": "stripe-payments", "provider": STRIPE}, token=token)
    assert again.status == 409 and again.error == "INTEGRATION.KEY_TAKEN"
    retyped = api.call("PUT", f"{base(store)}/{created['id']}", {"provider": {"type": "shippo", "api_token": "t"}},
                       token=token)
    assert retyped.status == 400 and retyped.body["validationErrors"][0]["field"] == "provider.type"
    bad = api.call("PUT", f"{base(store)}/{created['id']}", {"provider": {"publishable_key": "nope"}}, token=token)
    assert bad.status == 400
    assert api.call("GET", base(store), token=token).body == [created]


def test_other_stores_cannot_see_or_change_integrations(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    created = create(api, owner, store, "stripe-payments", STRIPE)
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    item = f"{base(store)}/{created['id']}"
    for method, path, body in [("GET", base(store), None), ("POST", base(store), {"key": "x", "provider": STRIPE}),
                               ("PUT", item, {"active": False}), ("DELETE", item, None),
                               ("GET", f"{base(store)}/config/payment", None),
                               ("POST", f"/v1/stores/{store['id']}/oauth/connect",
                                {"provider": "google", "code": "c", "redirect_uri": "https://a.example.com/cb"}),
                               ("POST", f"/v1/stores/{store['id']}/oauth/disconnect", {"provider": "google"})]:
        reply = api.call(method, path, body, token=rival)
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", (method, path, reply.body)
    theirs = f"/v1/stores/{own['id']}/integrations/{created['id']}"
    assert api.call("PUT", theirs, {"active": False}, token=rival).error == "INTEGRATION.NOT_FOUND"
    assert api.call("DELETE", theirs, token=rival).error == "INTEGRATION.NOT_FOUND"
    assert api.call("GET", f"/v1/stores/{own['id']}/integrations/config/payment", token=rival).status == 404
    assert api.call("GET", base(store), token=owner["access_token"]).body == [created]


def test_integration_calls_stay_in_budget(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    with counting_calls() as calls:
        create(api, owner, store, "stripe-payments", STRIPE)
    assert calls.calls == ["dynamodb.BatchGetItem", "kms.Encrypt", "dynamodb.TransactWriteItems"]
    with counting_calls() as calls:
        api.call("GET", f"{base(store)}/config/payment", token=owner["access_token"])
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.GetItem"]


# ---------------------------------------------------------------- OAuth
class TokenServer:
    """A stand-in for Google's token endpoint: accepts the code "good-code" only."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(urllib.parse.parse_qsl(raw))
                server.forms.append(form)
                if form.get("code") == "good-code":
                    status, body = 200, {"access_token": "ya29.access-token-5555", "expires_in": 3599,
                                         "refresh_token": "1//refresh-token-6666", "scope": "openid email",
                                         "token_type": "Bearer"}
                else:
                    status, body = 400, {"error": "invalid_grant", "error_description": "Bad Request"}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/token"
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def google_tokens(provisioned: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TokenServer]:
    from storecrm import services

    server = TokenServer()
    monkeypatch.setenv("GOOGLE_TOKEN_URL", server.url)
    services.reset()
    yield server
    server.close()


def test_oauth_connect_and_disconnect(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                      google_tokens: TokenServer, provisioned: Any) -> None:
    from storecrm.services import integration_service

    token = owner["access_token"]
    create(api, owner, store, "google", GOOGLE)
    request = {"provider": "google", "code": "good-code", "redirect_uri": "https://admin.example.com/oauth/cb"}
    connected = api.call("POST", f"/v1/stores/{store['id']}/oauth/connect", request, token=token)
    assert connected.status == 200, connected.body
    provider = connected.body["provider"]
    assert provider["access_token"] == "****5555" and provider["refresh_token"] == "****6666"
    assert provider["scopes"] == ["openid", "email"] and provider["connected_at"] > 0
    assert google_tokens.forms == [{"grant_type": "authorization_code", "code": "good-code",
                                    "redirect_uri": request["redirect_uri"], "client_id": GOOGLE["client_id"],
                                    "client_secret": GOOGLE["client_secret"]}]
    assert "ya29.access-token-5555" not in table_text(provisioned)
    [google] = integration_service().integrations.all_in_store(store["id"])
    assert integration_service().secrets_of(google)["refresh_token"] == "1//refresh-token-6666"

    gone = api.call("POST", f"/v1/stores/{store['id']}/oauth/disconnect", {"provider": "google"}, token=token)
    assert gone.status == 200 and "access_token" not in gone.body["provider"]
    assert_client_shape(gone.body, "{ disconnected: boolean }")
    assert gone.body["disconnected"] is True
    assert gone.body["provider"]["client_secret"] == "****7777"


def test_oauth_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any], google_tokens: TokenServer) -> None:
    token, path = owner["access_token"], f"/v1/stores/{store['id']}/oauth/connect"
    good = {"provider": "google", "code": "good-code", "redirect_uri": "https://admin.example.com/oauth/cb"}
    no_integration = api.call("POST", path, good, token=token)
    assert no_integration.status == 400 and no_integration.body["validationErrors"][0]["field"] == "provider"
    create(api, owner, store, "google", GOOGLE)
    refused = api.call("POST", path, {**good, "code": "stale"}, token=token)
    assert refused.status == 400 and "the provider refused the code: Bad Request" in refused.body["message"]
    for body in [{**good, "provider": "github"}, {**good, "code": ""}, {**good, "redirect_uri": "javascript:x"},
                 {"provider": "google"}]:
        assert api.call("POST", path, body, token=token).status == 400, body
    listed = api.call("GET", base(store), token=token).body
    assert "access_token" not in listed[0]["provider"]


# ---------------------------------------------------------------- secrets sent back on an edit
def stored_secrets(store: dict[str, Any], integration_id: str) -> dict[str, str]:
    from storecrm.services import integration_service

    found = integration_service().integrations.get(store["id"], integration_id)
    assert found is not None
    return integration_service().secrets_of(found)


def test_an_edit_that_sends_back_the_masked_secrets_keeps_them(api: Api, owner: dict[str, Any],
                                                               store: dict[str, Any]) -> None:
    token = owner["access_token"]
    created = create(api, owner, store, "stripe-payments", STRIPE)
    [listed] = api.call("GET", base(store), token=token).body
    # What an admin form built on arky-sdk 0.9.1 sends: the listed provider, one setting changed.
    form = {"key": listed["key"], "provider": {**listed["provider"], "currency": "EUR"}}
    assert form["provider"]["secret_key"] == "****9999"
    reply = api.call("PUT", f"{base(store)}/{created['id']}", form, token=token)
    assert reply.status == 200, reply.body  # the Stripe key's prefix check used to refuse "****9999"
    assert reply.body["provider"]["currency"] == "EUR" and reply.body["provider"]["secret_key"] == "****9999"
    original = {"secret_key": STRIPE["secret_key"], "webhook_secret": STRIPE["webhook_secret"]}
    assert stored_secrets(store, created["id"]) == original

    nulls = {"provider": {**listed["provider"], "secret_key": None, "webhook_secret": None}}
    assert api.call("PUT", f"{base(store)}/{created['id']}", nulls, token=token).status == 200
    assert stored_secrets(store, created["id"]) == original

    rotated = {"provider": {**listed["provider"], "secret_key": "sk_live_Rotated0000"}}
    reply = api.call("PUT", f"{base(store)}/{created['id']}", rotated, token=token)
    assert reply.status == 200 and reply.body["provider"]["secret_key"] == "****0000"
    assert stored_secrets(store, created["id"]) == {**original, "secret_key": "sk_live_Rotated0000"}


@pytest.mark.parametrize("provider", [
    {"type": "shippo", "api_token": "shippo_live_token_1234"},
    {"type": "open_ai", "api_key": "sk-proj-openai-key-4321", "model": "gpt-4o"},
    {"type": "vercel_deploy_hook", "url": "https://api.vercel.com/v1/integrations/deploy/prj_1/abcd"},
])
def test_every_provider_keeps_masked_secrets(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                             provider: dict[str, Any]) -> None:
    token = owner["access_token"]
    created = create(api, owner, store, "one", provider)
    reply = api.call("PUT", f"{base(store)}/{created['id']}", {"provider": created["provider"]}, token=token)
    assert reply.status == 200 and reply.body["provider"] == created["provider"], reply.body
    secrets = {k: v for k, v in provider.items() if k not in ("type", "model")}
    assert stored_secrets(store, created["id"]) == secrets


def test_a_masked_value_of_another_secret_is_refused(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    created = create(api, owner, store, "stripe-payments", STRIPE)
    for stale in ["****1111", "****"]:
        reply = api.call("PUT", f"{base(store)}/{created['id']}",
                         {"provider": {**created["provider"], "secret_key": stale}}, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "provider.secret_key", reply.body
    refused = api.call("POST", base(store), {"key": "copy", "provider": {**STRIPE, "secret_key": "****9999"}},
                       token=token)
    assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == "provider.secret_key"
    assert stored_secrets(store, created["id"])["secret_key"] == STRIPE["secret_key"]


def test_oauth_tokens_survive_an_edit_of_the_listed_integration(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any],
                                                                google_tokens: TokenServer) -> None:
    token = owner["access_token"]
    created = create(api, owner, store, "google", GOOGLE)
    connected = api.call("POST", f"/v1/stores/{store['id']}/oauth/connect",
                         {"provider": "google", "code": "good-code",
                          "redirect_uri": "https://admin.example.com/oauth/cb"}, token=token).body
    edited = {**connected["provider"], "scopes": ["openid", "email", "profile"]}
    reply = api.call("PUT", f"{base(store)}/{created['id']}", {"provider": edited}, token=token)
    assert reply.status == 200 and reply.body["provider"]["scopes"] == ["openid", "email", "profile"], reply.body
    assert stored_secrets(store, created["id"]) == {"client_secret": GOOGLE["client_secret"],
                                                    "access_token": "ya29.access-token-5555",
                                                    "refresh_token": "1//refresh-token-6666"}


# ---------------------------------------------------------------- the client's providers
def test_every_provider_of_the_clients_union_can_be_created_and_edited(
        api: Api, owner: dict[str, Any], store: dict[str, Any], provisioned: Any) -> None:
    from tests.unit.integrations.test_providers import CLIENT_PROVIDERS

    token = owner["access_token"]
    for type_, (body, secret_fields) in CLIENT_PROVIDERS.items():
        # arky-sdk 0.9.1 store.createIntegration: `const { store_id, ...payload } = params`
        params = {"store_id": store["id"], "key": f"the-{type_}", "provider": {"type": type_, **body}}
        payload = {k: v for k, v in params.items() if k != "store_id"}
        created = api.call("POST", base(store), payload, token=token)
        assert created.status == 200, (type_, created.body)
        provider = created.body["provider"]
        assert provider["type"] == type_
        for name in secret_fields:
            assert provider[name].startswith("****") and provider[name] != body[name], (type_, name)
        assert stored_secrets(store, created.body["id"]) == {name: body[name] for name in secret_fields}
        # arky-sdk 0.9.1 store.updateIntegration: `const { store_id, id, ...payload } = params`, the listed provider
        edit = {"store_id": store["id"], "id": created.body["id"], "key": f"the-{type_}-2", "provider": provider}
        updated = api.call("PUT", f"{base(store)}/{edit['id']}", {k: v for k, v in edit.items()
                                                                 if k not in ("store_id", "id")}, token=token)
        assert updated.status == 200 and updated.body["provider"] == provider, (type_, updated.body)
        assert stored_secrets(store, created.body["id"]) == {name: body[name] for name in secret_fields}
    assert len(api.call("GET", base(store), token=token).body) == len(CLIENT_PROVIDERS)
    text = table_text(provisioned)
    for _, (body, secret_fields) in CLIENT_PROVIDERS.items():
        assert not [name for name in secret_fields if body[name] in text]


def test_the_former_spellings_of_the_client_types_still_work(api: Api, owner: dict[str, Any],
                                                             store: dict[str, Any]) -> None:
    created = create(api, owner, store, "code", {"type": "github", "api_key": "ghp_former_spelling_1234"})
    assert created["provider"] == {"type": "git_hub", "api_key": "****1234"}
    reply = api.call("PUT", f"{base(store)}/{created['id']}", {"provider": {"type": "github", "api_key": "****1234"}},
                     token=owner["access_token"])
    assert reply.status == 200 and reply.body["provider"]["type"] == "git_hub", reply.body
