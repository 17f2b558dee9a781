"""Webhooks as store staff manage them: CRUD, a signed test call, the delivery log, redelivery."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from storecrm.clock import new_id, now
from storecrm.config import Settings
from storecrm.identity.auth import Principal
from storecrm.integrations.delivery import DeliveryJob
from storecrm.integrations.models.webhooks import Webhook, WebhookDelivery, WebhookEventSubscription
from storecrm.kernel import cursors, events
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, NotFound, TransactionConflict, ValidationFailed
from storecrm.kernel.fields import Command
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.rules import looks_masked, mask, refuse_control_characters, refuse_masked, secret_edit
from storecrm.stores.access import StoreAccess, StoreGuard
from storecrm.stores.permissions import Action
from storecrm.stores.plan_limits import COUNTED_CREATE_TRIES, CountedAdd, counted_add, limit_reached, recount

if TYPE_CHECKING:
    from storecrm.integrations.delivery import WebhookQueue
    from storecrm.integrations.gateways.secret_box import SecretBox
    from storecrm.integrations.repositories.webhooks import WebhookRepository
    from storecrm.kernel.gateways.outbound import Outbound
    from storecrm.kernel.repositories.keys import Key

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
MAX_HEADERS = 20
MAX_HEADER_VALUE = 1024
MAX_HEADER_BYTES = 4096
WEBHOOK_NOT_FOUND = "Webhook not found"


def _subscription(value: Any) -> Any:
    """The seed's test call sends plain names; CRUD sends {event: name}. Both mean the same."""
    return {"event": value} if isinstance(value, str) else value


Filter = Annotated[str, Field(min_length=1, max_length=200)]


class EventSubscriptionIn(Model):
    event: Annotated[str, Field(max_length=64), AfterValidator(events.check_event_name)]
    parent_id: Filter | None = Field(default=None, description="node.created only: nodes under this parent")
    key: Filter | None = Field(default=None, description="node.updated / node.deleted only: the node with this key")

    @model_validator(mode="after")
    def _filters_fit_the_event(self) -> EventSubscriptionIn:
        for name in ("parent_id", "key"):
            if getattr(self, name) is not None and events.FILTERS.get(self.event) != name:
                raise ValueError(f"{self.event} cannot be narrowed by {name}")
        return self


EventList = Annotated[list[Annotated[EventSubscriptionIn, BeforeValidator(_subscription)]],
                      Field(min_length=1, max_length=100)]


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    if len(headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if not HEADER_NAME.match(name):
            raise ValueError(f"'{name[:64]}' is not a valid header name")
        if name.lower() in events.RESERVED_HEADERS:
            raise ValueError(f"'{name}' is set by the platform and cannot be configured")
        if len(value) > MAX_HEADER_VALUE:
            raise ValueError(f"the value of '{name}' must be at most {MAX_HEADER_VALUE} characters")
    if sum(len(n) + len(v) for n, v in headers.items()) > MAX_HEADER_BYTES:
        raise ValueError(f"headers may total at most {MAX_HEADER_BYTES} characters")
    return headers


HeaderValue = Annotated[str, BeforeValidator(refuse_control_characters)]
Headers = Annotated[dict[str, HeaderValue], AfterValidator(check_headers)]
SECRET_MIN_LENGTH = 8
Secret = Annotated[str, Field(min_length=SECRET_MIN_LENGTH, max_length=256), AfterValidator(refuse_masked)]


def _new_or_listed(value: str) -> str:
    """An edit may send back the listed (masked) value or a blank, which keep the secret; else a full new one."""
    if value and not looks_masked(value) and len(value) < SECRET_MIN_LENGTH:
        raise ValueError(f"must be at least {SECRET_MIN_LENGTH} characters")
    return value


SecretEdit = Annotated[str, Field(max_length=256), AfterValidator(_new_or_listed)]
Url = Annotated[str, Field(min_length=1, max_length=2048), BeforeValidator(refuse_control_characters)]


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


def _event_name(value: Any) -> Any:
    """The client sends its Webhook's subscriptions ({event}); the seed sends plain names."""
    return value.get("event") if isinstance(value, dict) else value


class TestTarget(Command):
    """A configuration to try: arky-sdk 0.9.1 sends its whole Webhook object; fields not used here are ignored."""

    id: str | None = Field(default=None, max_length=64,
                           description="A saved webhook of this store: its secret signs unless a new one is sent")
    url: Url
    events: list[Annotated[str, BeforeValidator(_event_name), Field(max_length=64)]] = Field(
        default_factory=list, max_length=100)
    headers: Headers = Field(default_factory=dict)
    secret: SecretEdit | None = None


class TestRequest(Command):
    webhook: TestTarget


class TestResult(Model):
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


class _DeliveryPosition(Model):
    model_config = {"extra": "forbid"}
    webhook_id: str
    key: dict[str, str]


def _subscriptions(sent: list[EventSubscriptionIn]) -> list[WebhookEventSubscription]:
    return [WebhookEventSubscription.model_validate(s.model_dump()) for s in sent]


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
        counter = self.webhooks.counter_key(store_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_WEBHOOKS, extra=[counter])
        change = self._counted_add(access, counter)  # a store at its cap is refused before anything is sealed
        self.outbound.vet(data.url)
        secret = data.secret or f"whsec_{secrets.token_urlsafe(24)}"
        at = now()
        webhook = Webhook(id=new_id(), store_id=store_id, key=data.key, url=data.url,
                          events=_subscriptions(data.events),
                          headers=data.headers, sealed_secret="", secret_hint=mask(secret), enabled=data.enabled,
                          created_at=at, updated_at=at)
        webhook.sealed_secret = self.box.seal({"secret": secret}, webhook.secret_context())
        for attempt in range(COUNTED_CREATE_TRIES):
            # Counted in the create's own transaction: creates at the same moment cannot pass the plan's cap.
            try:
                self.webhooks.create(webhook, change, limit_reached(access.store, "webhooks") if change else None)
            except (TransactionConflict, Conflict) as error:
                if not recount(error) or attempt == COUNTED_CREATE_TRIES - 1:
                    raise
                access = self.guard.enter(principal, store_id, Action.MANAGE_WEBHOOKS, extra=[counter])
                change = self._counted_add(access, counter)
                continue
            return webhook, secret
        raise AssertionError("unreachable")

    def _counted_add(self, access: StoreAccess, counter: Key) -> CountedAdd | None:
        return counted_add(access.store, "webhooks", self.webhooks.counted(access.view.extras.get(counter)),
                           lambda: len(self.webhooks.all_in_store(access.store.id)))

    def update(self, principal: Principal, store_id: str, webhook_id: str, changes: WebhookChanges) -> Webhook:
        webhook = self._load(principal, store_id, webhook_id)
        if changes.id is not None and changes.id != webhook_id:
            raise ValidationFailed.on("id", "does not match the webhook id in the path")
        values = changes.model_dump(exclude_unset=True, exclude_none=True, exclude={"id", "secret"})
        if "url" in values and values["url"] != webhook.url:
            self.outbound.vet(values["url"])
        updated = webhook.model_copy(update={**values, "updated_at": now()})
        if changes.events is not None:
            updated.events = _subscriptions(changes.events)
        new_secret = _edited_secret("secret", changes.secret, webhook.secret_hint)
        if new_secret is not None:
            updated.sealed_secret = self.box.seal({"secret": new_secret}, webhook.secret_context())
            updated.secret_hint = mask(new_secret)
        self.webhooks.update(updated, previous_key=webhook.key)
        return updated

    def delete(self, principal: Principal, store_id: str, webhook_id: str) -> None:
        """Gives the place back to the store's count, when it keeps one (read with the webhook)."""
        counter = self.webhooks.counter_key(store_id)
        webhook, access = self._load_with(principal, store_id, webhook_id, [counter])
        self.webhooks.delete(webhook, counted=self.webhooks.counted(access.view.extras.get(counter)) is not None)

    def test(self, principal: Principal, store_id: str, target: TestTarget) -> TestResult:
        """A signed `webhook.test` event to a configuration that need not be saved yet.

        The client sends back the webhook it listed, secret masked. When `id` names a webhook of
        this store, its stored secret signs (unless a new one is sent, which is then tried before
        it is saved). Without a saved webhook a masked secret is refused: nothing could verify the
        signature it makes. With no secret at all the event is signed with an empty key, as before.
        """
        saved_key = self.webhooks.item_key(store_id, target.id) if target.id else None
        access = self.guard.enter(principal, store_id, Action.MANAGE_WEBHOOKS, extra=[saved_key] if saved_key else [])
        self.outbound.vet(target.url, field="webhook.url")
        saved = self.webhooks.from_item(access.view.extras.get(saved_key)) if saved_key else None
        event = OutboxEvent.new(events.TEST_EVENT, store_id, {"events": target.events})
        body = events.wire_body(event)
        headers = events.signed_headers(event, body, self._test_secret(target, saved), now(), target.headers)
        result = self.outbound.post(target.url, body, headers, self.config.webhook_test_timeout)
        return TestResult(tested=result.ok, status_code=result.status, error=result.error)

    def _test_secret(self, target: TestTarget, saved: Webhook | None) -> str:
        if saved is None:
            if target.secret and looks_masked(target.secret):
                raise ValidationFailed.on("webhook.secret", "is masked, and webhook.id names no saved webhook of "
                                          "this store whose secret could sign; send the secret in full")
            return target.secret or ""
        new_secret = _edited_secret("webhook.secret", target.secret, saved.secret_hint)
        if new_secret is not None:
            return new_secret
        return self.box.open(saved.sealed_secret, saved.secret_context())["secret"]

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
        if delivery.erased_at is not None:
            raise Conflict("This event's profile was erased; its data is gone and it is not sent again",
                           "WEBHOOK.EVENT_ERASED")
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
