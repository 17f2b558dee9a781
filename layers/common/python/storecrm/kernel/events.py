"""The events stores can subscribe to, and how one is put on the wire to a webhook.

A delivery is a POST of `{id, type, created_at, store_id, data}`. The signature is HMAC-SHA256
over `"{timestamp}.{body}"` with the webhook's secret, hex-encoded, sent as `v1=<hex>`; the
receiver recomputes it and rejects old timestamps, which stops replays. The event id is stable
across retries, so receivers de-duplicate on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from storecrm.kernel.models.events import OutboxEvent

# arky-sdk 0.9.1's WebhookEventSubscription union (src/types/index.ts), in its order: what an
# admin built on the client can subscribe to.
CLIENT_EVENTS = (
    "node.created", "node.updated", "node.deleted",
    "order.created", "order.updated", "order.confirmed", "order.payment_received", "order.payment_failed",
    "order.refunded", "order.cancelled", "order.reminder",
    "order.shipment_created", "order.shipment_in_transit", "order.shipment_out_for_delivery",
    "order.shipment_delivered", "order.shipment_failed", "order.shipment_returned",
    "order.shipment_status_changed",
    "cart.created", "cart.updated", "cart.abandoned", "cart.converted",
    "product.created", "product.updated", "product.deleted",
    "provider.created", "provider.updated", "provider.deleted",
    "service.created", "service.updated", "service.deleted",
    "media.created", "media.deleted",
    "store.created", "store.updated", "store.deleted",
    "audience.created", "audience.updated", "audience.deleted",
    "account.updated",
)
# Seed 002's names the client leaves out, and the CRM events this platform adds.
PLATFORM_EVENTS = (
    "form_submission.created", "form.submitted", "audience.subscriber_added", "order.shipped",
    "profile.created", "profile.updated", "profile.merged", "profile.deleted",
    "promo_code.created", "promo_code.updated", "promo_code.deleted",
)
EVENT_NAMES = frozenset(CLIENT_EVENTS + PLATFORM_EVENTS)
# What this platform emits today; the other names are accepted for the subscriptions to come.
EMITTED = frozenset({
    "account.updated", "store.updated", "audience.subscriber_added", "media.created", "media.deleted",
    "product.created", "product.updated", "product.deleted",
    "service.created", "service.updated", "service.deleted",
    "provider.created", "provider.updated", "provider.deleted",
    "order.created", "order.updated", "order.reminder",
    "profile.created", "profile.updated", "profile.merged", "profile.deleted", "form.submitted",
    "promo_code.created", "promo_code.updated", "promo_code.deleted",
})
# Subscriptions the client lets narrow: the event data field a filter compares with.
FILTERS = {"node.created": "parent_id", "node.updated": "key", "node.deleted": "key"}
TEST_EVENT = "webhook.test"

SIGNATURE_HEADER = "X-Storecrm-Signature"
TIMESTAMP_HEADER = "X-Storecrm-Timestamp"
EVENT_ID_HEADER = "X-Storecrm-Event-Id"
EVENT_TYPE_HEADER = "X-Storecrm-Event-Type"
# Headers a webhook's own configuration may not set: ours, and those HTTP itself manages.
RESERVED_HEADERS = frozenset(h.lower() for h in (
    SIGNATURE_HEADER, TIMESTAMP_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER,
    "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "User-Agent",
))


def names() -> list[str]:
    """Every name a webhook may subscribe to, in a stable order (the client's first)."""
    return [*CLIENT_EVENTS, *PLATFORM_EVENTS]


def check_event_name(name: str) -> str:
    if name not in EVENT_NAMES:
        raise ValueError(f"'{name}' is not a known event (GET /v1/platform/events lists them)")
    return name


def wire_body(event: OutboxEvent) -> bytes:
    return json.dumps({"id": event.id, "type": event.type, "created_at": event.created_at,
                       "store_id": event.store_id, "data": event.data}, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signed_headers(event: OutboxEvent, body: bytes, secret: str, timestamp: int,
                   custom: dict[str, str]) -> dict[str, str]:
    return {
        **custom,
        "Content-Type": "application/json",
        "User-Agent": "storecrm-webhooks/1",
        EVENT_ID_HEADER: event.id,
        EVENT_TYPE_HEADER: event.type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def retry_delay(attempt: int, base: int, cap: int) -> int:
    """Seconds to wait after failed attempt `attempt` (1-based): doubling from base, capped."""
    return min(cap, base * 2 ** max(0, attempt - 1))
