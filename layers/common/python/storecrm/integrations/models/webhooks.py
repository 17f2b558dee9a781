"""Webhooks and the log of their deliveries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.models.base import Entity
from storecrm.kernel.models.events import OutboxEvent


class WebhookEventSubscription(Model):
    """One subscribed event; node events may narrow to a parent (node.created) or a key (node.updated/deleted)."""

    event: str
    # Unset filters stay out of what is stored and answered: the client's union has no nulls there.
    parent_id: str | None = Field(default=None, exclude_if=lambda value: value is None)
    key: str | None = Field(default=None, exclude_if=lambda value: value is None)

    def matches(self, event: OutboxEvent) -> bool:
        return (self.event == event.type
                and (self.parent_id is None or event.data.get("parent_id") == self.parent_id)
                and (self.key is None or event.data.get("key") == self.key))


class Webhook(Entity):
    """An endpoint a store wants events POSTed to. The secret is only ever stored sealed (KMS)."""

    id: str
    store_id: str
    key: str
    url: str
    events: list[WebhookEventSubscription]
    headers: dict[str, str] = Field(default_factory=dict)
    sealed_secret: str
    secret_hint: str
    enabled: bool = True
    created_at: int
    updated_at: int

    def secret_context(self) -> dict[str, str]:
        """What the sealed secret is bound to: it opens only for this store's webhook."""
        return {"store_id": self.store_id, "webhook_id": self.id}

    def wants(self, event: OutboxEvent) -> bool:
        """Enabled, subscribed to the type, and not older than the webhook (the stream may lag behind)."""
        return (self.enabled and event.created_at >= self.created_at
                and any(s.matches(event) for s in self.events))


DeliveryStatus = Literal["pending", "retrying", "delivered", "failed", "skipped"]


class WebhookDelivery(Entity):
    """The log of one event's delivery to one webhook (kept as long as events are)."""

    id: str  # the event id: a receiver de-duplicates on it
    store_id: str
    webhook_id: str
    event_type: str
    event_created_at: int
    status: DeliveryStatus
    attempts: int = 0
    response_code: int | None = None
    last_error: str | None = None
    last_attempt_at: int | None = None
    delivered_at: int | None = None
    event: OutboxEvent | None = None  # what was sent, for redelivery
    # When the event's profile was erased: the event's data was emptied then, and it is not sent again.
    erased_at: int | None = None
    created_at: int
    updated_at: int
