"""Webhook CRUD, the test call, URL and header rules, and cross-store isolation."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import boto3
import pytest

from tests.integration.conftest import login
from tests.support import Api, Receiver, counting_calls

HOOK = {"key": "orders", "url": "https://hooks.example.com/in", "events": [{"event": "order.created"}],
        "headers": {"X-Custom": "yes"}, "secret": "whsec_my_secret_1234", "enabled": True}


def base(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/webhooks"


def table_text(provisioned: Any) -> str:
    """Every item of the table, as text (tests may Scan; request paths never do)."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    return json.dumps(client.scan(TableName=provisioned.refs["Table"])["Items"])


def test_webhook_crud_shows_the_secret_once(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                            provisioned: Any) -> None:
    token = owner["access_token"]
    created = api.call("POST", base(store), HOOK, token=token)
    assert created.status == 200, created.body
    hook = created.body
    assert hook["secret"] == HOOK["secret"] and hook["store_id"] == store["id"]
    assert hook["events"] == [{"event": "order.created"}] and hook["headers"] == {"X-Custom": "yes"}
    assert HOOK["secret"] not in table_text(provisioned)  # sealed with KMS at rest

    listing = api.call("GET", base(store), token=token).body
    assert isinstance(listing, list) and [w["id"] for w in listing] == [hook["id"]]
    assert listing[0]["secret"] == "****1234"

    changes = {"url": "https://hooks.example.com/v2", "events": [{"event": "order.created"},
                                                                 {"event": "order.updated"}],
               "secret": "whsec_rotated_secret_9876", "enabled": False, "key": "orders-v2"}
    updated = api.call("PUT", f"{base(store)}/{hook['id']}", changes, token=token)
    assert updated.status == 200, updated.body
    assert updated.body["secret"] == "****9876" and updated.body["enabled"] is False
    assert updated.body["url"] == changes["url"] and len(updated.body["events"]) == 2
    assert api.call("POST", base(store), {**HOOK, "secret": None}, token=token).status == 200  # old key free again

    assert api.call("DELETE", f"{base(store)}/{hook['id']}", token=token).body == {"deleted": True}
    assert api.call("DELETE", f"{base(store)}/{hook['id']}", token=token).status == 404
    assert [w["key"] for w in api.call("GET", base(store), token=token).body] == ["orders"]


def test_a_missing_secret_is_generated_and_shown_once(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    body = {k: v for k, v in HOOK.items() if k != "secret"}
    created = api.call("POST", base(store), body, token=owner["access_token"]).body
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 20
    listed = api.call("GET", base(store), token=owner["access_token"]).body[0]
    assert listed["secret"] == f"****{created['secret'][-4:]}"


@pytest.mark.parametrize(("change", "field"), [
    ({"events": [{"event": "order.paid"}]}, "events.0.event"),
    ({"events": []}, "events"),
    ({"events": "order.created"}, "events"),
    ({"url": "http://hooks.example.com/in"}, "url"),
    ({"url": "https://internal.example.com/in"}, "url"),
    ({"url": "https://metadata.example.com/latest"}, "url"),
    ({"url": "https://mixed.example.com/in"}, "url"),
    ({"url": "https://127.0.0.1/in"}, "url"),
    ({"url": "https://[::1]/in"}, "url"),
    ({"url": "https://nowhere.example.com/in"}, "url"),
    ({"url": "https://user:pw@hooks.example.com/in"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"headers": {"X-Big": "x" * 1025}}, "headers"),
    ({"headers": {f"X-H{i}": "v" for i in range(21)}}, "headers"),
    ({"headers": {"X-Storecrm-Signature": "forged"}}, "headers"),
    ({"headers": {"Bad Name": "v"}}, "headers"),
    ({"headers": {"X-Split": "a\r\nInjected: yes"}}, "headers.X-Split"),
    ({"headers": {"X-Nul": "a\x00b"}}, "headers.X-Nul"),
    ({"headers": {"X-Trailing": "value\r\n"}}, "headers.X-Trailing"),  # stripped silently before
    ({"headers": {"X-Ctl": "\x01value"}}, "headers.X-Ctl"),
    ({"headers": {"X-Del": "val\x7fue"}}, "headers.X-Del"),
    ({"url": "https://hooks.example.com/in\r\n"}, "url"),  # stripped silently before
    ({"url": "https://hooks.example.com/in\nX-Injected: 1"}, "url"),
    ({"secret": "short"}, "secret"),
    ({"secret": "****1234"}, "secret"),  # a masked value is never a secret
    ({"key": ""}, "key"),
])
def test_bad_webhooks_are_refused_and_nothing_is_stored(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                        change: dict[str, Any], field: str) -> None:
    reply = api.call("POST", base(store), {**HOOK, **change}, token=owner["access_token"])
    assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", reply.body
    assert field in [e["field"] for e in reply.body["validationErrors"]], reply.body
    assert api.call("GET", base(store), token=owner["access_token"]).body == []


def test_updates_are_checked_like_creates(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    hook = api.call("POST", base(store), HOOK, token=token).body
    for change in [{"url": "https://internal.example.com/x"}, {"events": [{"event": "nope"}]},
                   {"id": "another-id"}, {"headers": {"Host": "evil.example.com"}}]:
        reply = api.call("PUT", f"{base(store)}/{hook['id']}", change, token=token)
        assert reply.status == 400, (change, reply.body)
    unchanged = api.call("GET", base(store), token=token).body[0]
    assert unchanged["url"] == HOOK["url"] and unchanged["events"] == HOOK["events"]


def test_webhook_keys_are_unique_per_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = api.call("POST", base(store), HOOK, token=token).body
    assert api.call("POST", base(store), HOOK, token=token).error == "WEBHOOK.KEY_TAKEN"
    second = api.call("POST", base(store), {**HOOK, "key": "other"}, token=token).body
    reply = api.call("PUT", f"{base(store)}/{second['id']}", {"key": first["key"]}, token=token)
    assert reply.status == 409 and reply.error == "WEBHOOK.KEY_TAKEN"


def test_loopback_is_refused_unless_the_local_flag_is_on(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                         receiver: Receiver, local_webhooks: None) -> None:
    # local_webhooks switched the flag on: http to 127.0.0.1 is fine, private networks still are not.
    token = owner["access_token"]
    assert api.call("POST", base(store), {**HOOK, "url": receiver.url}, token=token).status == 200
    reply = api.call("POST", base(store), {**HOOK, "key": "lan", "url": "http://internal.example.com/in"},
                     token=token)
    assert reply.status == 400


def test_the_test_call_sends_a_signed_event(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                            receiver: Receiver, local_webhooks: None) -> None:
    reply = api.call("POST", f"{base(store)}/test", {"webhook": {
        "url": receiver.url, "events": ["order.created", "order.paid"], "secret": "whsec_test_secret",
        "headers": {"X-Env": "staging"}}}, token=owner["access_token"])
    assert reply.status == 200 and reply.body == {"tested": True, "status_code": 200, "error": None}
    [request] = receiver.received
    body = request.json()
    assert body["type"] == "webhook.test" and body["store_id"] == store["id"]
    assert body["data"] == {"events": ["order.created", "order.paid"]}
    expected = hmac.new(b"whsec_test_secret", f"{request.headers['x-storecrm-timestamp']}.".encode() + request.body,
                        hashlib.sha256).hexdigest()
    assert request.headers["x-storecrm-signature"] == f"v1={expected}"
    assert request.headers["x-env"] == "staging" and request.headers["x-storecrm-event-id"] == body["id"]


def test_the_test_call_reports_failures(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                        local_webhooks: None) -> None:
    failing = Receiver(failures=1, status=503)
    try:
        reply = api.call("POST", f"{base(store)}/test", {"webhook": {"url": failing.url, "events": []}},
                         token=owner["access_token"])
    finally:
        failing.close()
    assert reply.body == {"tested": False, "status_code": 503, "error": "HTTP 503"}
    closed = Receiver()
    closed.close()
    reply = api.call("POST", f"{base(store)}/test", {"webhook": {"url": closed.url}}, token=owner["access_token"])
    assert reply.body["tested"] is False and reply.body["status_code"] is None and reply.body["error"]


def test_the_test_call_refuses_private_targets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    for url in ["https://internal.example.com/x", "https://169.254.169.254/latest", "ftp://hooks.example.com/"]:
        reply = api.call("POST", f"{base(store)}/test", {"webhook": {"url": url}}, token=owner["access_token"])
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "webhook.url", reply.body
    assert api.call("POST", f"{base(store)}/test", {"hook": {}}, token=owner["access_token"]).status == 400


def test_other_stores_cannot_see_or_change_webhooks(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    hook = api.call("POST", base(store), HOOK, token=owner["access_token"]).body
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    for method, path, body in [("GET", base(store), None), ("POST", base(store), {**HOOK, "key": "x"}),
                               ("PUT", f"{base(store)}/{hook['id']}", {"enabled": False}),
                               ("DELETE", f"{base(store)}/{hook['id']}", None),
                               ("POST", f"{base(store)}/test", {"webhook": {"url": HOOK["url"]}}),
                               ("GET", f"{base(store)}/{hook['id']}/deliveries", None),
                               ("POST", f"{base(store)}/{hook['id']}/deliveries/some-event/redeliver", None)]:
        reply = api.call(method, path, body, token=rival)
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", (method, path, reply.body)
    # Through the rival's own store, the webhook id leads nowhere either.
    theirs = f"/v1/stores/{own['id']}/webhooks/{hook['id']}"
    assert api.call("PUT", theirs, {"enabled": False}, token=rival).error == "WEBHOOK.NOT_FOUND"
    assert api.call("DELETE", theirs, token=rival).error == "WEBHOOK.NOT_FOUND"
    assert api.call("GET", f"{theirs}/deliveries", token=rival).error == "WEBHOOK.NOT_FOUND"
    assert api.call("GET", f"/v1/stores/{own['id']}/webhooks", token=rival).body == []
    assert api.call("GET", base(store), token=owner["access_token"]).body[0]["enabled"] is True
    assert api.call("GET", base(store)).status == 401


def test_webhook_calls_stay_in_budget(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    with counting_calls() as calls:
        hook = api.call("POST", base(store), HOOK, token=token).body
    assert calls.calls == ["dynamodb.BatchGetItem", "kms.Encrypt", "dynamodb.TransactWriteItems"]
    with counting_calls() as calls:
        api.call("GET", base(store), token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    with counting_calls() as calls:
        api.call("PUT", f"{base(store)}/{hook['id']}", {"enabled": False}, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.PutItem"]


def signed_with(secret: str, request: Any) -> bool:
    expected = hmac.new(secret.encode(), f"{request.headers['x-storecrm-timestamp']}.".encode() + request.body,
                        hashlib.sha256).hexdigest()
    return bool(request.headers["x-storecrm-signature"] == f"v1={expected}")


def test_the_client_can_subscribe_to_every_event_of_its_union(api: Api, owner: dict[str, Any],
                                                              store: dict[str, Any]) -> None:
    from tests.unit.integrations.test_webhook_rules import CLIENT_EVENT_NAMES

    subscriptions = [{"event": name} for name in CLIENT_EVENT_NAMES]
    subscriptions[0] = {"event": "node.created", "parent_id": "blog"}
    created = api.call("POST", base(store), {**HOOK, "events": subscriptions}, token=owner["access_token"])
    assert created.status == 200, created.body
    assert created.body["events"] == subscriptions
    assert api.call("GET", base(store), token=owner["access_token"]).body[0]["events"] == subscriptions


def test_the_test_call_takes_the_clients_whole_webhook_and_signs_with_the_stored_secret(
        api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver, local_webhooks: None) -> None:
    token = owner["access_token"]
    saved = api.call("POST", base(store), {**HOOK, "url": receiver.url}, token=token).body
    [listed] = api.call("GET", base(store), token=token).body
    assert listed["secret"] == "****1234"
    # arky-sdk 0.9.1 store.testWebhook posts TestWebhookParams {webhook: Webhook} as it is.
    with counting_calls() as calls:
        reply = api.call("POST", f"{base(store)}/test", {"webhook": listed}, token=token)
    assert reply.status == 200 and reply.body["tested"] is True, reply.body
    assert calls.calls == ["dynamodb.BatchGetItem", "kms.Decrypt"]  # access and the webhook, then its secret
    [request] = receiver.received
    assert signed_with(HOOK["secret"], request)
    assert request.json()["data"] == {"events": ["order.created"]} and request.headers["x-custom"] == "yes"

    # A new secret typed into the form is tested before it is saved; the saved one does not change.
    reply = api.call("POST", f"{base(store)}/test", {"webhook": {**listed, "secret": "whsec_not_saved_yet"}},
                     token=token)
    assert reply.body["tested"] is True and signed_with("whsec_not_saved_yet", receiver.received[-1])
    assert api.call("GET", base(store), token=token).body[0]["secret"] == "****1234"
    assert saved["id"] == listed["id"]


def test_a_masked_secret_without_a_saved_webhook_of_the_store_is_refused(
        api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver, local_webhooks: None) -> None:
    token = owner["access_token"]
    listed = {**HOOK, "url": receiver.url, "secret": "****1234", "id": "no-such-webhook", "store_id": store["id"],
              "created_at": 1, "updated_at": 1}
    for webhook in [listed, {k: v for k, v in listed.items() if k != "id"}]:
        reply = api.call("POST", f"{base(store)}/test", {"webhook": webhook}, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "webhook.secret", reply.body
    saved = api.call("POST", base(store), HOOK, token=token).body
    stale = api.call("POST", f"{base(store)}/test", {"webhook": {**listed, "id": saved["id"], "secret": "****9999"}},
                     token=token)
    assert stale.status == 400 and stale.body["validationErrors"][0]["field"] == "webhook.secret"
    assert receiver.received == []


def test_another_stores_webhook_id_does_not_lend_its_secret_to_a_test_call(
        api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver, local_webhooks: None) -> None:
    theirs = api.call("POST", base(store), HOOK, token=owner["access_token"]).body
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    reply = api.call("POST", f"/v1/stores/{own['id']}/webhooks/test",
                     {"webhook": {**theirs, "url": receiver.url, "secret": "****1234"}}, token=rival)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "webhook.secret", reply.body
    assert receiver.received == []
