"""Webhooks as store staff manage them: CRUD, a signed test call, the delivery log, redelivery."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator

from storecrm.clock import new_id, now
from storecrm.config import Settings
from storecrm.domain import cursors, events
from storecrm.domain.access import StoreAccess, StoreGuard
from storecrm.domain.auth import Principal
from storecrm.domain.delivery import DeliveryJob
from storecrm.domain.errors import NotFound, ValidationFailed
from storecrm.domain.fields import Command
from storecrm.domain.models import OutboxEvent, Webhook, WebhookDelivery, WebhookEventSubscription
from storecrm.domain.permissions import Action
from storecrm.domain.rules import looks_masked, mask, refuse_masked, secret_edit

if TYPE_CHECKING:
    from storecrm.gateways.outbound import Outbound
    from storecrm.gateways.secret_box import SecretBox
    from storecrm.gateways.webhook_queue import WebhookQueue
    from storecrm.repositories.keys import Key
    from storecrm.repositories.webhooks import WebhookRepository

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
MAX_HEADERS = 20
MAX_HEADER_VALUE = 1024
MAX_HEADER_BYTES = 4096
WEBHOOK_NOT_FOUND = "Webhook not found"


def _subscription(value: Any) -> Any:
    """The seed's test call sends plain names; CRUD sends {event: name}. Both mean the same."""
    return {"event": value} if isinstance(value, str) else value


class EventSubscriptionIn(BaseModel):
    event: Annotated[str, Field(max_length=64), AfterValidator(events.check_event_name)]


EventList = Annotated[list[Annotated[EventSubscriptionIn, BeforeValidator(_subscription)]],
                      Field(min_length=1, max_length=len(events.EVENT_NAMES))]


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    if len(headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if not HEADER_NAME.match(name):
            raise ValueError(f"'{name[:64]}' is not a valid header name")
        if name.lower() in events.RESERVED_HEADERS:
            raise ValueError(f"'{name}' is set by the platform and cannot be configured")
        if len(value) > MAX_HEADER_VALUE or "\r" in value or "\n" in value:
            raise ValueError(f"the value of '{name}' must be one line of at most {MAX_HEADER_VALUE} characters")
    if sum(len(n) + len(v) for n, v in headers.items()) > MAX_HEADER_BYTES:
        raise ValueError(f"headers may total at most {MAX_HEADER_BYTES} characters")
    return headers


Headers = Annotated[dict[str, str], AfterValidator(check_headers)]
SECRET_MIN_LENGTH = 8
Secret = Annotated[str, Field(min_length=SECRET_MIN_LENGTH, max_length=256), AfterValidator(refuse_masked)]


def _new_or_listed(value: str) -> str:
    """An edit may send back the listed (masked) value or a blank, which keep the secret; else a full new one."""
    if value and not looks_masked(value) and len(value) < SECRET_MIN_LENGTH:
        raise ValueError(f"must be at least {SECRET_MIN_LENGTH} characters")
    return value


SecretEdit = Annotated[str, Field(max_length=256), AfterValidator(_new_or_listed)]
Url = Annotated[str, Field(min_length=1, max_length=2048)]


class NewWebhook(Command):
    key: str = Field(min_length=1, max_length=64, pattern=KEY_PATTERN)
    url: Url
    events: EventList
    headers: Headers = Field(default_factory=dict)
    secret: Secret | None = Field(default=None, description="Generated (and returned once) when left out")
    enabled: bool = True


class WebhookChanges(Command):
    id: str | None = None
    key: str | None = Field(default=None, min_length=1, max_length=64, pattern=KEY_PATTERN)
    url: Url | None = None
    events: EventList | None = None
    headers: Headers | None = None
    secret: SecretEdit | None = Field(default=None, description="Omitted, null, blank or the masked value "
                                      "keep the stored secret")
    enabled: bool | None = None


class TestTarget(Command):
    url: Url
    events: list[str] = Field(default_factory=list, max_length=50)
    headers: Headers = Field(default_factory=dict)
    secret: Secret | None = None


class TestRequest(Command):
    webhook: TestTarget


class TestResult(BaseModel):
    tested: bool
    status_code: int | None = None
    error: str | None = None


class DeliveryQuery(Command):
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = None

    @field_validator("cursor")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class _DeliveryPosition(BaseModel):
    model_config = {"extra": "forbid"}
    webhook_id: str
    key: dict[str, str]


def _edited_secret(field: str, sent: str | None, shown: str | None) -> str | None:
    try:
        return secret_edit(sent, shown)
    except ValueError as exc:
        raise ValidationFailed.on(field, str(exc)) from None


class WebhookService:
    def __init__(self, webhooks: WebhookRepository, guard: StoreGuard, box: SecretBox, outbound: Outbound,
                 queue: WebhookQueue, config: Settings) -> None:
        self.webhooks = webhooks
        self.guard = guard
        self.box = box
        self.outbound = outbound
        self.queue = queue
        self.config = config

    def all_in_store(self, principal: Principal, store_id: str) -> list[Webhook]:
        self.guard.enter(principal, store_id, Action.MANAGE_WEBHOOKS)
        return self.webhooks.all_in_store(store_id)

    def create(self, principal: Principal, store_id: str, data: NewWebhook) -> tuple[Webhook, str]:
        """The new webhook and its secret in clear: the only time the secret is shown.

        Three calls, one over the create budget: sealing the secret with KMS is its own round trip.
        """
        self.guard.enter(principal, store_id, Action.MANAGE_WEBHOOKS)
        self.outbound.vet(data.url)
        secret = data.secret or f"whsec_{secrets.token_urlsafe(24)}"
        at = now()
        webhook = Webhook(id=new_id(), store_id=store_id, key=data.key, url=data.url,
                          events=[WebhookEventSubscription(event=e.event) for e in data.events],
                          headers=data.headers, sealed_secret="", secret_hint=mask(secret), enabled=data.enabled,
                          created_at=at, updated_at=at)
        webhook.sealed_secret = self.box.seal({"secret": secret}, webhook.secret_context())
        self.webhooks.create(webhook)
        return webhook, secret

    def update(self, principal: Principal, store_id: str, webhook_id: str, changes: WebhookChanges) -> Webhook:
        webhook = self._load(principal, store_id, webhook_id)
        if changes.id is not None and changes.id != webhook_id:
            raise ValidationFailed.on("id", "does not match the webhook id in the path")
        values = changes.model_dump(exclude_unset=True, exclude_none=True, exclude={"id", "secret"})
        if "url" in values and values["url"] != webhook.url:
            self.outbound.vet(values["url"])
        updated = webhook.model_copy(update={**values, "updated_at": now()})
        if changes.events is not None:
            updated.events = [WebhookEventSubscription(event=e.event) for e in changes.events]
        new_secret = _edited_secret("secret", changes.secret, webhook.secret_hint)
        if new_secret is not None:
            updated.sealed_secret = self.box.seal({"secret": new_secret}, webhook.secret_context())
            updated.secret_hint = mask(new_secret)
        self.webhooks.update(updated, previous_key=webhook.key)
        return updated

    def delete(self, principal: Principal, store_id: str, webhook_id: str) -> None:
        self.webhooks.delete(self._load(principal, store_id, webhook_id))

    def test(self, principal: Principal, store_id: str, target: TestTarget) -> TestResult:
        """A signed `webhook.test` event to a configuration that need not be saved yet."""
        self.guard.enter(principal, store_id, Action.MANAGE_WEBHOOKS)
        self.outbound.vet(target.url, field="webhook.url")
        event = OutboxEvent.new(events.TEST_EVENT, store_id, {"events": target.events})
        body = events.wire_body(event)
        headers = events.signed_headers(event, body, target.secret or "", now(), target.headers)
        result = self.outbound.post(target.url, body, headers, self.config.webhook_test_timeout)
        return TestResult(tested=result.ok, status_code=result.status, error=result.error)

    def deliveries(self, principal: Principal, store_id: str, webhook_id: str,
                   query: DeliveryQuery) -> tuple[list[WebhookDelivery], str | None]:
        """Newest first; one BatchGetItem for access and the webhook, one Query for the page."""
        self._load(principal, store_id, webhook_id)
        start = cursors.decode(query.cursor, _DeliveryPosition)
        if start is not None and start.webhook_id != webhook_id:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        items, last = self.webhooks.deliveries_page(store_id, webhook_id, limit=query.limit,
                                                    after=start.key if start else None)
        cursor = cursors.encode(_DeliveryPosition(webhook_id=webhook_id, key=last)) if last else None
        return items, cursor

    def redeliver(self, principal: Principal, store_id: str, webhook_id: str, delivery_id: str) -> WebhookDelivery:
        """Queues the logged event again. A new redelivery id makes it a new attempt, not a duplicate."""
        delivery_key = self.webhooks.delivery_key(store_id, webhook_id, delivery_id)
        webhook, access = self._load_with(principal, store_id, webhook_id, [delivery_key])
        delivery = self.webhooks.delivery_from_item(access.view.extras.get(delivery_key))
        if delivery is None or delivery.event is None:
            raise NotFound("This webhook has no such delivery", "WEBHOOK.DELIVERY_NOT_FOUND")
        self.queue.send([DeliveryJob(webhook_id=webhook.id, event=delivery.event, redelivery=new_id())])
        return delivery.model_copy(update={"status": "pending"})

    def _load(self, principal: Principal, store_id: str, webhook_id: str) -> Webhook:
        return self._load_with(principal, store_id, webhook_id, [])[0]

    def _load_with(self, principal: Principal, store_id: str, webhook_id: str,
                   extra: list[Key]) -> tuple[Webhook, StoreAccess]:
        """Store, membership, webhook (and `extra`) in one BatchGetItem."""
        key = self.webhooks.item_key(store_id, webhook_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_WEBHOOKS, extra=[key, *extra])
        webhook = self.webhooks.from_item(access.view.extras.get(key))
        if webhook is None:
            raise NotFound(WEBHOOK_NOT_FOUND, "WEBHOOK.NOT_FOUND")
        return webhook, access
