"""API clients: owners create, list and revoke them; POST /v0/token (client_credentials); the token on the
arky admin profile routes, limited by its scopes and its own store."""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest

from tests.integration.api_client_support import ALL_SCOPES, basic, client_token, new_client, request_token
from tests.integration.conftest import login
from tests.support import Api, counting_calls


def _other_store(api: Api, email: str = "rival@example.com", key: str = "rival-shop") -> tuple[str, dict[str, Any]]:
    token = login(api, email)["access_token"]
    store = api.call("POST", "/v1/stores", {"key": key, "timezone": "UTC", "billing_email": email}, token=token).body
    return token, store


def test_owner_creates_lists_and_revokes_a_client(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/api-clients"
    created = new_client(api, token, store["id"], ["profiles:write", "profiles:read"], name="POS")
    assert created["client_id"] == created["id"] and created["store_id"] == store["id"]
    assert created["scopes"] == ["profiles:read", "profiles:write"] and created["revoked_at"] is None
    assert len(created["client_secret"]) >= 40
    listed = api.call("GET", base, token=token)
    assert listed.status == 200 and listed.body["cursor"] is None
    [shown] = listed.body["items"]
    assert "client_secret" not in shown and "secret_hash" not in shown
    assert shown == {k: v for k, v in created.items() if k != "client_secret"}

    with counting_calls() as calls:
        issued = request_token(api, created)
    assert issued.status == 200, issued.body
    # The request counted before the secret is checked, the client, then its count given back in a transaction
    # that checks the store.
    assert calls.calls == ["dynamodb.UpdateItem", "dynamodb.GetItem", "dynamodb.TransactWriteItems"]
    assert issued.body["token_type"] == "bearer" and issued.body["expires_in"] == 900
    assert issued.body["scope"] == "profiles:read profiles:write"

    assert api.call("DELETE", f"{base}/{created['id']}", token=token).body == {"revoked": True}
    assert api.call("DELETE", f"{base}/{created['id']}", token=token).body == {"revoked": True}  # again: no change
    assert api.call("GET", base, token=token).body["items"][0]["revoked_at"] is not None
    refused = request_token(api, created)
    assert refused.status == 401 and refused.body["error_code"] == "OAUTH.INVALID_CLIENT", refused.body
    # DECISION: a token issued before the revocation runs out on its own (15 minutes).
    assert api.call("GET", f"/v1/stores/{store['id']}/profiles", token=issued.body["access_token"]).status == 200


def test_client_list_pages_with_a_cursor(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/api-clients"
    made = [new_client(api, token, store["id"], name=f"client {i}")["id"] for i in range(3)]
    first = api.call("GET", base, token=token, query={"limit": 2}).body
    second = api.call("GET", base, token=token, query={"limit": 2, "cursor": first["cursor"]}).body
    assert [c["id"] for c in first["items"] + second["items"]] == made and second["cursor"] is None
    for query in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 101}):
        reply = api.call("GET", base, token=token, query=query)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (query, reply.body)


def test_token_request_forms(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    client = new_client(api, owner["access_token"], store["id"])
    as_json = api.call("POST", "/v0/token", {"grant_type": "client_credentials", "client_id": client["client_id"],
                                             "client_secret": client["client_secret"], "scope": "profiles:read"})
    assert as_json.status == 200 and as_json.body["scope"] == "profiles:read", as_json.body
    as_form = api.call("POST", "/v0/token", raw_body=(f"grant_type=client_credentials&client_id={client['id']}"
                                                      f"&client_secret={client['client_secret']}"),
                       headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert as_form.status == 200 and as_form.body["scope"] == " ".join(sorted(ALL_SCOPES)), as_form.body
    json_basic = api.call("POST", "/v0/token", {"grant_type": "client_credentials"},
                          headers={"Content-Type": "application/json",
                                   "Authorization": basic(client["id"], client["client_secret"])})
    assert json_basic.status == 200, json_basic.body


def test_token_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    client = new_client(api, owner["access_token"], store["id"], ["profiles:read"])
    cases = [
        (request_token(api, client, grant_type="password"), 400, "OAUTH.UNSUPPORTED_GRANT_TYPE"),
        (request_token(api, client, scope="profiles:read profiles:write"), 400, "OAUTH.INVALID_SCOPE"),
        (api.call("POST", "/v0/token", {"client_id": client["id"], "client_secret": client["client_secret"]}), 400,
         "OAUTH.INVALID_REQUEST"),
        (api.call("POST", "/v0/token", {"grant_type": "client_credentials", "client_id": client["id"],
                                        "client_secret": client["client_secret"]},
                  headers={"Content-Type": "application/json",
                           "Authorization": basic(client["id"], client["client_secret"])}), 400,
         "OAUTH.INVALID_REQUEST"),
        (api.call("POST", "/v0/token", {"grant_type": "client_credentials", "client_id": 7, "client_secret": "x"}),
         400, "OAUTH.INVALID_REQUEST"),
        (api.call("POST", "/v0/token", {"grant_type": "client_credentials"}), 401, "OAUTH.INVALID_CLIENT"),
        (api.call("POST", "/v0/token", raw_body="grant_type=client_credentials",
                  headers={"Content-Type": "text/plain"}), 415, "GENERAL.UNSUPPORTED_MEDIA_TYPE"),
        # Forms are taken by the token route only.
        (api.call("PUT", f"/v0/clienteling/stores/{store['id']}/consumers/x", raw_body="state=accepted",
                  headers={"Content-Type": "application/x-www-form-urlencoded"}), 415,
         "GENERAL.UNSUPPORTED_MEDIA_TYPE"),
        (request_token(api, client, "wrong-secret"), 401, "OAUTH.INVALID_CLIENT"),
        (request_token(api, {"client_id": "no-such-client"}, "secret"), 401, "OAUTH.INVALID_CLIENT"),
    ]
    for reply, status, code in cases:
        assert (reply.status, reply.body["error_code"]) == (status, code), reply.body
        assert set(reply.body) == {"error_code", "message", "request_id"}
        assert reply.body["request_id"] == reply.headers["x-request-id"]
    bad_create = [{"name": "x", "scopes": []}, {"name": "x", "scopes": ["orders:read"]}, {"scopes": ["profiles:read"]},
                  {"name": "", "scopes": ["profiles:read"]}]
    for body in bad_create:
        reply = api.call("POST", f"/v1/stores/{store['id']}/api-clients", body, token=owner["access_token"])
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
    unknown = api.call("DELETE", f"/v1/stores/{store['id']}/api-clients/no-such-client", token=owner["access_token"])
    assert unknown.status == 404 and unknown.error == "API_CLIENT.NOT_FOUND"


def test_failed_token_requests_are_rate_limited_per_client(api: Api, owner: dict[str, Any],
                                                           store: dict[str, Any]) -> None:
    client = new_client(api, owner["access_token"], store["id"])
    other = new_client(api, owner["access_token"], store["id"], name="Other")
    for _ in range(10):
        assert request_token(api, client, "wrong").status == 401
    limited = request_token(api, client)  # the right secret too, until the window ends
    assert limited.status == 429 and limited.body["error_code"] == "GENERAL.RATE_LIMITED", limited.body
    assert request_token(api, other).status == 200  # counted per client id


def test_only_owners_manage_clients_and_other_stores_see_none(api: Api, owner: dict[str, Any],
                                                              store: dict[str, Any]) -> None:
    base = f"/v1/stores/{store['id']}/api-clients"
    client = new_client(api, owner["access_token"], store["id"])
    api.call("POST", f"/v1/stores/{store['id']}/members", {"email": "admin@example.com"}, token=owner["access_token"])
    admin = login(api, "admin@example.com")["access_token"]
    for method, path, body in [("POST", base, {"name": "x", "scopes": ["profiles:read"]}), ("GET", base, None),
                               ("DELETE", f"{base}/{client['id']}", None)]:
        assert api.call(method, path, body, token=admin).status == 403
    rival, rival_store = _other_store(api)
    for method, path, body in [("POST", base, {"name": "x", "scopes": ["profiles:read"]}), ("GET", base, None),
                               ("DELETE", f"{base}/{client['id']}", None)]:
        assert api.call(method, path, body, token=rival).status == 404
    # Another store's client id through the rival's own store is not found either, and stays usable.
    assert api.call("DELETE", f"/v1/stores/{rival_store['id']}/api-clients/{client['id']}", token=rival).status == 404
    assert request_token(api, client).status == 200
    # A client token cannot manage clients.
    token = client_token(api, client)
    assert api.call("GET", base, token=token).status == 403


def test_client_token_on_the_admin_profile_routes(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    profiles = f"/v1/stores/{store['id']}/profiles"
    reader = client_token(api, new_client(api, owner["access_token"], store["id"], ["profiles:read"]))
    writer = client_token(api, new_client(api, owner["access_token"], store["id"], ["profiles:read", "profiles:write"]))
    full = client_token(api, new_client(api, owner["access_token"], store["id"]))

    created = api.call("POST", profiles, {"email": "ada@example.com"}, token=writer)
    assert created.status == 200, created.body
    profile_id = created.body["id"]
    assert api.call("GET", f"{profiles}/{profile_id}", token=reader).status == 200
    assert api.call("GET", profiles, token=reader).body["items"][0]["id"] == profile_id
    denied = api.call("POST", profiles, {"email": "bob@example.com"}, token=reader)
    assert denied.status == 403 and denied.error == "GENERAL.INSUFFICIENT_SCOPE", denied.body
    assert api.call("PUT", f"{profiles}/{profile_id}", {"status": "archived"}, token=reader).status == 403
    assert api.call("PUT", f"{profiles}/{profile_id}", {"status": "archived"}, token=writer).status == 200
    # A merge erases its source: it needs profiles:delete as well.
    source = api.call("POST", profiles, {"email": "dup@example.com"}, token=writer).body["id"]
    assert api.call("POST", f"{profiles}/{profile_id}/merge", {"source_id": source}, token=writer).status == 403
    merged = api.call("POST", f"{profiles}/{profile_id}/merge", {"source_id": source}, token=full)
    assert merged.status == 200, merged.body
    assert api.call("DELETE", f"{profiles}/{profile_id}/sessions", token=reader).status == 403
    assert api.call("DELETE", f"{profiles}/{profile_id}/sessions", token=writer).body == {"deleted": True}
    # Nothing but profiles: the store, its markets, its team.
    for method, path in [("GET", f"/v1/stores/{store['id']}"), ("GET", f"/v1/stores/{store['id']}/markets"),
                         ("PUT", f"/v1/stores/{store['id']}")]:
        reply = api.call(method, path, {"timezone": "UTC"} if method == "PUT" else None, token=full)
        assert reply.status == 403, (path, reply.body)
    # Another store is the 404 of a store the token cannot see.
    _, rival_store = _other_store(api)
    assert api.call("GET", f"/v1/stores/{rival_store['id']}/profiles", token=full).status == 404
    assert api.call("POST", f"/v1/stores/{rival_store['id']}/profiles", {"email": "x@example.com"},
                    token=full).status == 404
    assert api.call("DELETE", f"/v1/stores/{rival_store['id']}/profiles/{profile_id}/sessions",
                    token=full).status == 404


def test_a_lapsed_store_stops_client_writes_and_a_deleted_one_its_tokens(
        api: Api, owner: dict[str, Any], store: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    profiles = f"/v1/stores/{store['id']}/profiles"
    client = new_client(api, owner["access_token"], store["id"])
    token = client_token(api, client)
    profile_id = api.call("POST", profiles, {"email": "old@example.com"}, token=token).body["id"]
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=os.environ["TABLE_NAME"], Key={"PK": {"S": f"STORE#{store['id']}"}, "SK": {"S": "STORE"}},
        UpdateExpression="SET subscription = :s",
        ExpressionAttributeValues={":s": {"M": {"plan_id": {"S": "plan_pro"}, "status": {"S": "expired"}}}})
    lapsed = api.call("POST", profiles, {"email": "new@example.com"}, token=token)
    assert lapsed.status == 402 and lapsed.error == "BILLING.SUBSCRIPTION_LAPSED", lapsed.body
    assert api.call("GET", profiles, token=token).status == 200  # reads go on
    # Revoking every session checks access inside its transaction: the same refusal.
    revoked = api.call("DELETE", f"{profiles}/{profile_id}/sessions", token=token)
    assert revoked.status == 402 and revoked.error == "BILLING.SUBSCRIPTION_LAPSED", revoked.body

    # The store is gone at once; its clients go with the purge (interrupted here, as by a timeout).
    from storecrm.kernel.repositories.base import default_table
    from storecrm.profiles.repositories.profiles import index_keys
    from storecrm.stores.repositories.stores import StoreRepository

    purge = StoreRepository.purge
    with monkeypatch.context() as patch:
        patch.setattr(StoreRepository, "purge", lambda self, store_id, profile_index_keys: 1 / 0)
        assert api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"]).status == 500
    gone = request_token(api, client)
    assert gone.status == 401 and gone.body["error_code"] == "OAUTH.INVALID_CLIENT"
    assert api.call("GET", profiles, token=token).status == 404
    purge(StoreRepository(), store["id"], index_keys)
    assert list(default_table().query_all(f"APICLIENT#{client['id']}")) == []
