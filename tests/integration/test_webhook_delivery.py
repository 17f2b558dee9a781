"""The delivery pipeline: outbox -> stream -> events function -> queue -> dispatcher -> receiver.

Receivers run on loopback and fail on purpose; retry delays are 0 here so attempts follow at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any

import pytest
from localrunner.events import sqs_record

from tests.support import Api, Pipeline, Receiver

SECRET = "whsec_delivery_secret"


@pytest.fixture
def hook(api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver, local_webhooks: None,
         pipeline: Pipeline) -> dict[str, Any]:
    """Created after the pipeline passed the store's own creation events."""
    reply = api.call("POST", f"/v1/stores/{store['id']}/webhooks", {
        "key": "team", "url": receiver.url, "events": [{"event": "account.updated"}, {"event": "profile.created"}],
        "headers": {"X-Shop": "acme"}, "secret": SECRET}, token=owner["access_token"])
    assert reply.status == 200, reply.body
    return reply.body


def add_member(api: Api, owner: dict[str, Any], store: dict[str, Any], email: str = "clerk@example.com") -> None:
    reply = api.call("POST", f"/v1/stores/{store['id']}/members", {"email": email}, token=owner["access_token"])
    assert reply.status == 200, reply.body


def deliveries(api: Api, owner: dict[str, Any], store: dict[str, Any], hook: dict[str, Any]) -> list[dict[str, Any]]:
    reply = api.call("GET", f"/v1/stores/{store['id']}/webhooks/{hook['id']}/deliveries", token=owner["access_token"])
    assert reply.status == 200, reply.body
    return list(reply.body["items"])


def test_a_team_change_is_delivered_signed(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                           hook: dict[str, Any], receiver: Receiver, pipeline: Pipeline) -> None:
    add_member(api, owner, store)
    pipeline.run()
    [request] = receiver.received
    body = request.json()
    assert set(body) == {"id", "type", "created_at", "store_id", "data"}
    assert body["type"] == "account.updated" and body["store_id"] == store["id"]
    timestamp = request.headers["x-storecrm-timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-storecrm-signature"] == f"v1={expected}"
    assert request.headers["x-storecrm-event-id"] == body["id"] and request.headers["x-shop"] == "acme"
    [logged] = deliveries(api, owner, store, hook)
    assert logged["id"] == body["id"] and logged["status"] == "delivered" and logged["attempts"] == 1
    assert logged["response_code"] == 200


def test_only_subscribed_events_of_enabled_webhooks_go_out(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                           hook: dict[str, Any], receiver: Receiver,
                                                           pipeline: Pipeline) -> None:
    token = owner["access_token"]
    api.call("POST", f"/v1/stores/{store['id']}/markets", {"key": "uk", "currency": "GBP"}, token=token)
    api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "pat@example.com"}, token=token)
    pipeline.run()
    assert [r.json()["type"] for r in receiver.received] == ["profile.created"]
    api.call("PUT", f"/v1/stores/{store['id']}/webhooks/{hook['id']}", {"enabled": False}, token=token)
    add_member(api, owner, store)
    pipeline.run()
    assert len(receiver.received) == 1


def test_a_receiver_that_fails_then_recovers_gets_the_event_exactly_once(
        api: Api, owner: dict[str, Any], store: dict[str, Any], hook: dict[str, Any], receiver: Receiver,
        pipeline: Pipeline) -> None:
    receiver.failures = 3
    add_member(api, owner, store)
    pipeline.run()
    assert receiver.answered == [500, 500, 500, 200]
    assert len({r.json()["id"] for r in receiver.received}) == 1  # one stable event id across attempts
    [logged] = deliveries(api, owner, store, hook)
    assert logged["status"] == "delivered" and logged["attempts"] == 4
    # The same message again (at-least-once queues repeat themselves): nothing more reaches the receiver.
    pipeline.send({"webhook_id": hook["id"], "event": receiver.delivered[0].json(), "redelivery": None})
    pipeline.run()
    assert len(receiver.delivered) == 1 and pipeline.dead_letters() == []


def test_a_receiver_that_never_recovers_leaves_the_event_in_the_dlq_and_the_log(
        api: Api, owner: dict[str, Any], store: dict[str, Any], hook: dict[str, Any], receiver: Receiver,
        pipeline: Pipeline) -> None:
    receiver.failures = 1000
    add_member(api, owner, store)
    pipeline.run()
    assert len(receiver.received) == 8  # WebhookMaxAttempts
    [dead] = pipeline.dead_letters()
    assert dead["webhook_id"] == hook["id"] and dead["event"]["type"] == "account.updated"
    [logged] = deliveries(api, owner, store, hook)
    assert logged["status"] == "failed" and logged["attempts"] == 8 and logged["response_code"] == 500
    assert logged["last_error"] == "HTTP 500"

    # Staff fix their endpoint and redeliver from the log: one more delivery, same event id.
    receiver.failures = 0
    receiver.received.clear()
    receiver.answered.clear()
    reply = api.call("POST", f"/v1/stores/{store['id']}/webhooks/{hook['id']}/deliveries/{logged['id']}/redeliver",
                     token=owner["access_token"])
    assert reply.status == 200 and reply.body["status"] == "pending"
    pipeline.run()
    assert [r.json()["id"] for r in receiver.delivered] == [logged["id"]]
    [logged] = deliveries(api, owner, store, hook)
    assert logged["status"] == "delivered" and logged["attempts"] == 9


def test_a_failed_fan_out_is_retried_from_the_outbox(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                     hook: dict[str, Any], receiver: Receiver, pipeline: Pipeline,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services
    from storecrm.kernel.errors import Unavailable

    queue = services.webhook_queue()
    real_send = queue.send
    calls: list[int] = []

    def flaky_send(jobs: Any) -> None:
        calls.append(len(jobs))
        if len(calls) == 1:
            raise Unavailable("SQS is down")  # the crash between the write and the delivery
        real_send(jobs)

    monkeypatch.setattr(queue, "send", flaky_send)
    add_member(api, owner, store)
    pipeline.run()
    assert receiver.received == []  # the batch failed; the stream keeps it
    pipeline.run()
    assert [r.json()["type"] for r in receiver.delivered] == ["account.updated"] and calls == [1, 1]


def test_deliveries_page_with_a_cursor(api: Api, owner: dict[str, Any], store: dict[str, Any], hook: dict[str, Any],
                                       receiver: Receiver, pipeline: Pipeline) -> None:
    for n in range(3):
        add_member(api, owner, store, f"clerk{n}@example.com")
    pipeline.run()
    path = f"/v1/stores/{store['id']}/webhooks/{hook['id']}/deliveries"
    first = api.call("GET", path, query={"limit": 2}, token=owner["access_token"]).body
    assert len(first["items"]) == 2 and first["cursor"]
    second = api.call("GET", path, query={"limit": 2, "cursor": first["cursor"]}, token=owner["access_token"]).body
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert len(second["items"]) == 1 and len(set(ids)) == 3
    for bad in [{"cursor": "garbage"}, {"limit": 0}, {"limit": 101}]:
        assert api.call("GET", path, query=bad, token=owner["access_token"]).status == 400
    missing = f"/v1/stores/{store['id']}/webhooks/{hook['id']}/deliveries/no-such-event/redeliver"
    assert api.call("POST", missing, token=owner["access_token"]).error == "WEBHOOK.DELIVERY_NOT_FOUND"


def test_a_deleted_webhook_gets_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any], hook: dict[str, Any],
                                        receiver: Receiver, pipeline: Pipeline) -> None:
    add_member(api, owner, store)
    pipeline.fan_out()  # queued while the webhook existed
    api.call("DELETE", f"/v1/stores/{store['id']}/webhooks/{hook['id']}", token=owner["access_token"])
    pipeline.run()
    assert receiver.received == [] and pipeline.dead_letters() == []


def signed_with(secret: str, request: Any) -> bool:
    signed = f"{request.headers['x-storecrm-timestamp']}.".encode() + request.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return bool(request.headers["x-storecrm-signature"] == f"v1={expected}")


def test_edits_that_send_back_the_masked_secret_keep_signing_with_the_original(
        api: Api, owner: dict[str, Any], store: dict[str, Any], hook: dict[str, Any], receiver: Receiver,
        pipeline: Pipeline) -> None:
    token, path = owner["access_token"], f"/v1/stores/{store['id']}/webhooks/{hook['id']}"
    [listed] = api.call("GET", f"/v1/stores/{store['id']}/webhooks", token=token).body
    assert listed["secret"] == "****cret"
    # arky-sdk 0.9.1's UpdateWebhookParams requires `secret`: an admin form sends back what it listed.
    form = {**{k: listed[k] for k in ("url", "events", "headers", "secret", "enabled")}, "key": "team-renamed"}
    variants: list[dict[str, Any]] = [
        form,                                                                 # the masked value
        {**form, "secret": None},                                             # null
        {k: v for k, v in form.items() if k != "secret"},                     # omitted
        {**form, "secret": ""},                                               # a blank form field
    ]
    for n, body in enumerate(variants):
        reply = api.call("PUT", path, body, token=token)
        assert reply.status == 200 and reply.body["secret"] == "****cret", (body, reply.body)
        add_member(api, owner, store, f"kept{n}@example.com")
        pipeline.run()
        assert signed_with(SECRET, receiver.received[-1]), body
    assert api.call("GET", f"/v1/stores/{store['id']}/webhooks", token=token).body[0]["key"] == "team-renamed"

    rotated = api.call("PUT", path, {**form, "secret": "whsec_rotated_secret_2468"}, token=token)
    assert rotated.status == 200 and rotated.body["secret"] == "****2468"
    add_member(api, owner, store, "rotated@example.com")
    pipeline.run()
    assert signed_with("whsec_rotated_secret_2468", receiver.received[-1])


def test_a_masked_value_of_another_secret_is_refused_and_changes_nothing(
        api: Api, owner: dict[str, Any], store: dict[str, Any], hook: dict[str, Any], receiver: Receiver,
        pipeline: Pipeline) -> None:
    token, path = owner["access_token"], f"/v1/stores/{store['id']}/webhooks/{hook['id']}"
    for stale in ["****1111", "****"]:
        reply = api.call("PUT", path, {"secret": stale, "enabled": False}, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "secret", reply.body
    add_member(api, owner, store)
    pipeline.run()
    [request] = receiver.received
    assert signed_with(SECRET, request)  # still enabled, still the original secret


class HeldReceiver:
    """A receiver that holds its request while it waits (at most `wait` seconds) for `other` to be
    delivered, then answers only after `answer_after` more seconds."""

    def __init__(self, other: threading.Event, wait: float, answer_after: float) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.other_came_meanwhile: list[bool] = []
        held = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                held.other_came_meanwhile.append(other.wait(wait))
                time.sleep(answer_after)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the dispatcher gave up waiting

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_slow_receiver_does_not_hold_up_another_stores_delivery_and_fails_alone(
        api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver, local_webhooks: None,
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch's deliveries go out at once: the other store's is made while the slow receiver still holds
    its request (the slow one first in the batch), and only the slow one, past its timeout, is reported to be
    retried."""
    from dataclasses import replace

    from storecrm import services
    from storecrm.config import settings
    from tests.support import HOSTS

    monkeypatch.setattr(services.dispatcher(), "config", replace(settings(), webhook_timeout=2.0))
    token = owner["access_token"]
    other_store = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC",
                                                  "billing_email": "b@example.com"}, token=token).body
    delivered = threading.Event()
    fast_answer = receiver.server.RequestHandlerClass.do_POST  # type: ignore[attr-defined]

    def answer_and_tell(handler: Any) -> None:
        fast_answer(handler)
        delivered.set()

    monkeypatch.setattr(receiver.server.RequestHandlerClass, "do_POST", answer_and_tell)
    slow = HeldReceiver(delivered, wait=1.0, answer_after=2.5)  # answers after the 2 s timeout, in any case
    try:
        pipeline.fan_out()  # the other store's creation: before its webhook, nothing to deliver
        for shop, url in ((store, slow.url), (other_store, receiver.url)):
            made = api.call("POST", f"/v1/stores/{shop['id']}/webhooks", {
                "key": "team", "url": url, "events": [{"event": "account.updated"}], "secret": SECRET},
                token=token)
            assert made.status == 200, made.body
        add_member(api, owner, store, "slow@example.com")
        add_member(api, owner, other_store, "fast@example.com")
        pipeline.fan_out()
        messages = pipeline.sqs.receive_message(QueueUrl=pipeline.queue_url, MaxNumberOfMessages=10,
                                                MessageSystemAttributeNames=["All"])["Messages"]
        records = sorted((sqs_record(m, pipeline.queue_arn, "us-east-1") for m in messages),
                         key=lambda r: json.loads(r["body"])["event"]["store_id"] != store["id"])  # slow first
        result = HOSTS["WebhookDispatcherFunction"].invoke({"Records": records})
    finally:
        slow.close()
    assert len(records) == 2 and slow.other_came_meanwhile == [True]
    assert [r.json()["store_id"] for r in receiver.delivered] == [other_store["id"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
