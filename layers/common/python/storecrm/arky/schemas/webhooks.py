"""Webhooks and their deliveries as the arky-style API answers them."""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.integrations.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookEventSubscription


class WebhookOut(Out):
    id: str
    store_id: str
    key: str
    url: str
    events: list[WebhookEventSubscription]
    headers: dict[str, str]
    secret: str = Field(description="Masked, except in the answer to the create call")
    enabled: bool
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, webhook: Webhook, secret: str | None = None) -> WebhookOut:
        return cls.model_validate({**webhook.model_dump(exclude={"sealed_secret", "secret_hint"}),
                                   "secret": secret or webhook.secret_hint})


class DeliveryOut(Out):
    id: str = Field(description="The event id; receivers de-duplicate on it")
    webhook_id: str
    event_type: str
    event_created_at: int
    status: DeliveryStatus
    attempts: int
    response_code: int | None
    last_error: str | None
    last_attempt_at: int | None
    delivered_at: int | None
    erased_at: int | None = Field(default=None, description="When the event's profile was erased: its data is "
                                  "gone, and it cannot be redelivered")
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        return cls.model_validate(delivery.model_dump(exclude={"event", "store_id"}))
