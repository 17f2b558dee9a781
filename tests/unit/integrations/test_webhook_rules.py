"""Webhook rules without AWS: where we may POST, how events are signed, how retries back off."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest

from storecrm.kernel import events
from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.targets import check_addresses, check_url, refusal


@pytest.mark.parametrize(("address", "allowed_without_flag", "allowed_with_flag"), [
    ("93.184.216.34", True, True),
    ("2606:2800:220:1:248:1893:25c8:1946", True, True),
    ("127.0.0.1", False, True),
    ("::1", False, True),
    ("::ffff:127.0.0.1", False, True),
    ("10.1.2.3", False, False),
    ("172.16.0.1", False, False),
    ("192.168.0.1", False, False),
    ("169.254.169.254", False, False),
    ("fe80::1", False, False),
    ("fd00::1", False, False),
    ("::ffff:10.0.0.1", False, False),
    ("0.0.0.0", False, False),
    ("100.64.0.1", False, False),
    ("224.0.0.1", False, False),
])
def test_which_addresses_may_be_called(address: str, allowed_without_flag: bool, allowed_with_flag: bool) -> None:
    ip = ipaddress.ip_address(address)
    assert (refusal(ip, allow_loopback=False) is None) is allowed_without_flag
    assert (refusal(ip, allow_loopback=True) is None) is allowed_with_flag


def test_one_bad_address_among_good_ones_is_refused() -> None:
    mixed = [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.1")]
    with pytest.raises(ValidationFailed):
        check_addresses(mixed, allow_loopback=True)
    with pytest.raises(ValidationFailed):
        check_addresses([], allow_loopback=True)


def test_urls_need_https_unless_local() -> None:
    assert check_url("https://hooks.example.com/x", allow_loopback=False) == ("https", "hooks.example.com", 443)
    assert check_url("http://127.0.0.1:8080/x", allow_loopback=True) == ("http", "127.0.0.1", 8080)
    for url in ["http://hooks.example.com/", "ftp://hooks.example.com/", "https:///path", "https://a:b@h.example.com/",
                "https://h.example.com:99999/"]:
        with pytest.raises(ValidationFailed):
            check_url(url, allow_loopback=False)


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    event = OutboxEvent(id="evt-1", type="order.created", store_id="s-1", created_at=1_700_000_000, data={"a": 1})
    body = events.wire_body(event)
    assert body == b'{"id":"evt-1","type":"order.created","created_at":1700000000,"store_id":"s-1","data":{"a":1}}'
    expected = hmac.new(b"secret", b"1700000005." + body, hashlib.sha256).hexdigest()
    assert events.signature("secret", 1_700_000_005, body) == f"v1={expected}"
    headers = events.signed_headers(event, body, "secret", 1_700_000_005, {"X-Custom": "1"})
    assert headers["X-Storecrm-Signature"] == f"v1={expected}" and headers["X-Custom"] == "1"
    assert headers["X-Storecrm-Event-Id"] == "evt-1" and headers["X-Storecrm-Timestamp"] == "1700000005"


def test_retry_delays_double_up_to_a_cap() -> None:
    assert [events.retry_delay(n, 30, 3600) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert events.retry_delay(1, 0, 3600) == 0


def test_a_webhook_wants_subscribed_events_from_its_creation_on() -> None:
    from storecrm.integrations.models.webhooks import Webhook, WebhookEventSubscription

    hook = Webhook(id="w", store_id="s", key="k", url="https://hooks.example.com", sealed_secret="x",
                   secret_hint="****", events=[WebhookEventSubscription(event="order.created")], created_at=100,
                   updated_at=100)

    def event(type_: str, at: int) -> OutboxEvent:
        return OutboxEvent(id="e", type=type_, store_id="s", created_at=at, data={})

    assert hook.wants(event("order.created", 100)) and hook.wants(event("order.created", 101))
    assert not hook.wants(event("order.created", 99))  # happened before the webhook existed
    assert not hook.wants(event("order.updated", 101))
    assert not hook.model_copy(update={"enabled": False}).wants(event("order.created", 101))


@pytest.mark.parametrize(("status", "cancel_at_period_end", "deleted", "expected"), [
    ("active", False, False, "active"), ("trialing", False, False, "active"), ("past_due", False, False, "active"),
    ("active", True, False, "cancellation_scheduled"), ("canceled", False, False, "cancelled"),
    ("active", False, True, "cancelled"), ("incomplete", False, False, "pending"),
    ("unpaid", False, False, "expired"), ("incomplete_expired", False, False, "expired"),
])
def test_stripe_states_in_membership_terms(status: str, cancel_at_period_end: bool, deleted: bool,
                                           expected: str) -> None:
    from storecrm.kernel.stripe_subscriptions import membership_status, period_end

    assert membership_status(status, cancel_at_period_end, deleted) == expected
    assert period_end({"items": {"data": [{"current_period_end": 5}, {"current_period_end": 9}]}}) == 9
    assert period_end({"current_period_end": 7}) == 7 and period_end({}) is None


# arky-sdk 0.9.1 (fe001ba) src/types/index.ts, WebhookEventSubscription: every name of the union.
CLIENT_EVENT_NAMES = [
    "node.created", "node.updated", "node.deleted", "order.created", "order.updated", "order.confirmed",
    "order.payment_received", "order.payment_failed", "order.refunded", "order.cancelled", "order.reminder",
    "order.shipment_created", "order.shipment_in_transit", "order.shipment_out_for_delivery",
    "order.shipment_delivered", "order.shipment_failed", "order.shipment_returned", "order.shipment_status_changed",
    "cart.created", "cart.updated", "cart.abandoned", "cart.converted", "product.created", "product.updated",
    "product.deleted", "provider.created", "provider.updated", "provider.deleted", "service.created",
    "service.updated", "service.deleted", "media.created", "media.deleted", "store.created", "store.updated",
    "store.deleted", "audience.created", "audience.updated", "audience.deleted", "account.updated",
]


def test_every_event_the_client_can_subscribe_to_is_accepted() -> None:
    from storecrm.integrations.webhooks import EventSubscriptionIn

    for name in CLIENT_EVENT_NAMES:
        assert EventSubscriptionIn(event=name).event == name
    # Seed 002's and the CRM's own stay accepted, and everything emitted can be subscribed to.
    assert {"form_submission.created", "audience.subscriber_added", "profile.merged"} <= events.EVENT_NAMES
    assert {"account.updated", "store.updated", "audience.subscriber_added", "media.created", "media.deleted",
            "product.created", "product.updated", "product.deleted", "service.created", "service.updated",
            "service.deleted", "provider.created", "provider.updated", "provider.deleted", "order.created",
            "order.updated", "order.reminder", "profile.created", "profile.updated", "profile.merged",
            "profile.deleted", "promo_code.created", "promo_code.updated", "promo_code.deleted",
            "form.submitted"} == events.EMITTED
    assert events.EMITTED <= events.EVENT_NAMES and events.TEST_EVENT not in events.EVENT_NAMES


def test_node_subscriptions_may_narrow_by_parent_or_key() -> None:
    from pydantic import ValidationError

    from storecrm.integrations.models.webhooks import Webhook, WebhookEventSubscription
    from storecrm.integrations.webhooks import EventSubscriptionIn

    assert EventSubscriptionIn(event="node.created", parent_id="blog").parent_id == "blog"
    assert EventSubscriptionIn(event="node.updated", key="home").key == "home"
    for wrong in [{"event": "order.created", "key": "x"}, {"event": "node.updated", "parent_id": "x"}]:
        with pytest.raises(ValidationError):
            EventSubscriptionIn.model_validate(wrong)
    hook = Webhook(id="w", store_id="s", key="k", url="https://hooks.example.com", sealed_secret="x",
                   secret_hint="****", created_at=1, updated_at=1,
                   events=[WebhookEventSubscription(event="node.created", parent_id="blog"),
                           WebhookEventSubscription(event="node.updated")])

    def node(type_: str, **data: str) -> OutboxEvent:
        return OutboxEvent(id="e", type=type_, store_id="s", created_at=2, data=data)

    assert hook.wants(node("node.created", parent_id="blog")) and not hook.wants(node("node.created", parent_id="x"))
    assert hook.wants(node("node.updated", key="anything"))
    # Unset filters are not part of the stored or answered subscription.
    assert [s.model_dump() for s in hook.events] == [{"event": "node.created", "parent_id": "blog"},
                                                     {"event": "node.updated"}]
