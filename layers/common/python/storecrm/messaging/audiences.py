"""Audiences as store staff manage them, and what an audience's type may be. The subscription rules every
audience call shares (who has access, which of two subscriptions wins a merge, when subscribers are
announced) are in storecrm.messaging.subscriptions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, FieldError, NotFound, TransactionConflict, ValidationFailed
from storecrm.kernel.fields import Command, Currency, WholeNumber
from storecrm.kernel.references import referenced
from storecrm.kernel.rules import key_in_ref
from storecrm.messaging.models.audiences import (
    Audience,
    AudienceKind,
    AudiencePrice,
    AudienceStatus,
    AudienceType,
    ConfirmationAudience,
    PaidAudience,
    PriceInterval,
    StandardAudience,
    Subscription,
)
from storecrm.messaging.subscriptions import SUBSCRIBED, new_subscription, subscriber_added
from storecrm.messaging.template_rendering import has_confirm_link
from storecrm.stores.permissions import Action
from storecrm.stores.plan_limits import COUNTED_CREATE_TRIES, counted_add, limit_reached, recount

if TYPE_CHECKING:
    from storecrm.integrations.models.integrations import Integration
    from storecrm.integrations.repositories.integrations import IntegrationRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item
    from storecrm.messaging.models.email_templates import EmailTemplate
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.access import StoreAccess, StoreGuard

AUDIENCE_NOT_FOUND = "Audience not found"
# A find page's audiences are read with the access check's two items in one BatchGetItem (100 keys).
FIND_MAX = 98

AudienceKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                   description="Letters, digits, hyphens and underscores; unique per store")]
TemplateId = Annotated[str, Field(min_length=1, max_length=64)]


def check_confirm_template(template: EmailTemplate | None, store_id: str) -> None:
    template = referenced(template, store_id, "confirm_template_id", "email template")
    if not has_confirm_link(template.body):
        raise ValidationFailed.on("confirm_template_id", "the template's body must contain {{confirm_url}}")


def check_payment_integration(integration: Integration | None, store_id: str) -> None:
    """A paid audience's payment integration: the store's own, and one checkout can take payments with."""
    integration = referenced(integration, store_id, "payment_integration_id", "integration")
    if integration.type != "stripe":
        raise ValidationFailed.on("payment_integration_id",
                                  "must name a stripe integration: paid audiences take payments through Stripe")


# ---------------------------------------------------------------- commands
class PriceIn(Command):
    id: str | None = Field(default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:.-]+$")
    currency: Currency
    amount: WholeNumber = Field(ge=0, le=100_000_000, description="Smallest currency unit (cents)")
    interval: PriceInterval | None = Field(default=None, description="Leave out for a one-time purchase")


class AudienceTypeIn(Command):
    type: AudienceKind
    confirm_template_id: TemplateId | None = None
    prices: list[PriceIn] | None = Field(default=None, max_length=20)
    payment_integration_id: str | None = Field(default=None, max_length=64)


class NewAudience(Command):
    key: AudienceKey
    type: AudienceKind | AudienceTypeIn | None = Field(
        default=None, description="standard (default), confirmation or paid; a name or {type, ...}")
    status: AudienceStatus = "active"
    confirm_template_id: TemplateId | None = Field(default=None, description="Double opt-in template")
    prices: list[PriceIn] | None = Field(default=None, max_length=20)
    payment_integration_id: str | None = Field(default=None, max_length=64)


class AudienceChanges(Command):
    key: AudienceKey | None = None
    status: AudienceStatus | None = None
    confirm_template_id: TemplateId | None = Field(default=None, description="null switches double opt-in off")
    type: AudienceKind | AudienceTypeIn | None = Field(default=None, description="Only the current type is accepted")


class AudienceQuery(Command):
    ids: list[str] | None = Field(default=None, max_length=FIND_MAX)
    status: AudienceStatus | None = None
    query: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = None


class AddSubscriber(Command):
    profile_id: str = Field(min_length=1, max_length=64)


def audience_type(data: NewAudience) -> AudienceType:
    """The type a create asks for. Double opt-in is a standard audience with a confirmation template."""
    nested = data.type if isinstance(data.type, AudienceTypeIn) else None
    template = (nested.confirm_template_id if nested else None) or data.confirm_template_id
    prices = (nested.prices if nested else None) or data.prices
    integration = (nested.payment_integration_id if nested else None) or data.payment_integration_id
    kind = nested.type if nested else data.type
    if kind is None:
        kind = "paid" if prices else "standard"
    if kind == "paid":
        errors = []
        if not prices:
            errors.append(FieldError("prices", "a paid audience needs at least one price"))
        if template:
            errors.append(FieldError("confirm_template_id", "paid audiences do not use double opt-in"))
        ids = [p.id for p in prices or [] if p.id]
        if len(ids) != len(set(ids)):
            errors.append(FieldError("prices", "price ids must be unique"))
        if errors:
            raise ValidationFailed("Invalid paid audience", errors)
        return PaidAudience(payment_integration_id=integration, prices=[
            AudiencePrice(id=p.id or new_id(), currency=p.currency, amount=p.amount, interval=p.interval)
            for p in prices or []])
    if prices:
        raise ValidationFailed.on("prices", "only paid audiences have prices")
    if kind == "confirmation" and not template:
        raise ValidationFailed.on("confirm_template_id", "a confirmation audience needs its email template")
    return ConfirmationAudience(confirm_template_id=template) if template else StandardAudience()


def changed_type(current: Audience, changes: AudienceChanges) -> AudienceType:
    """Type is fixed at creation (free or paid); the confirmation template may be set or removed."""
    asked = changes.type.type if isinstance(changes.type, AudienceTypeIn) else changes.type
    is_paid = isinstance(current.type, PaidAudience)
    if asked is not None and (asked == "paid") != is_paid:
        raise ValidationFailed.on("type", "the type of an audience cannot be changed after creation")
    if "confirm_template_id" not in changes.model_fields_set:
        return current.type
    if is_paid:
        if changes.confirm_template_id is not None:
            raise ValidationFailed.on("confirm_template_id", "paid audiences do not use double opt-in")
        return current.type
    if changes.confirm_template_id is None:
        return StandardAudience()
    return ConfirmationAudience(confirm_template_id=changes.confirm_template_id)


class _FindPosition(Model):
    model_config = {"extra": "forbid"}
    prefix: str
    key: dict[str, str]


class _SubscriberPosition(Model):
    model_config = {"extra": "forbid"}
    audience_id: str
    key: dict[str, str]


# ---------------------------------------------------------------- lookup by id or key, finding
Load = Callable[[list["Key"]], dict["Key", "Item"]]


class AudienceLookup:
    """Reading audiences, shared by the staff and the storefront calls; each caller says how items are
    read (`load`): staff with their access check, shoppers with the store, in one BatchGetItem.

    GET /audiences/{id} accepts an id, a bare key or `{storeId}:{key}`: the first read asks for the
    audience by id and for the key marker at once; a key costs one more read."""

    def __init__(self, audiences: AudienceRepository) -> None:
        self.audiences = audiences

    def find(self, store_id: str, q: AudienceQuery, load: Load) -> tuple[list[Audience], str | None]:
        """`ids`: those audiences (one read). Otherwise key order, `query` a key prefix: a Query over the
        key markers, then the page's audiences (two calls); `status` filters the page, so a page may
        hold fewer than `limit` while the cursor goes on."""
        if q.ids is not None:
            wanted = [self.audiences.item_key(store_id, i) for i in dict.fromkeys(q.ids)]
            found = load(wanted)
            listed = [a for k in wanted if (a := self.audiences.from_item(found.get(k)))]
            return [a for a in listed if q.status in (None, a.status)], None
        prefix = q.query or ""
        start = cursors.decode(q.cursor, _FindPosition)
        if start and start.prefix != prefix:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        ids, last = self.audiences.key_page(store_id, prefix, limit=min(q.limit, FIND_MAX),
                                            after=start.key if start else None)
        wanted = [self.audiences.item_key(store_id, i) for i in ids]
        found = load(wanted)
        listed = [a for k in wanted if (a := self.audiences.from_item(found.get(k)))]
        cursor = cursors.encode(_FindPosition(prefix=prefix, key=last)) if last else None
        return [a for a in listed if q.status in (None, a.status)], cursor

    def keys(self, store_id: str, ref: str) -> list[Key]:
        return [self.audiences.item_key(store_id, ref), self.audiences.marker_key(store_id, key_in_ref(store_id, ref))]

    def pick(self, store_id: str, ref: str, found: dict[Key, Item]) -> Audience:
        audience = self.audiences.from_item(found.get(self.audiences.item_key(store_id, ref)))
        if audience is None:
            audience_id = self.audiences.id_from_marker(found.get(self.audiences.marker_key(
                store_id, key_in_ref(store_id, ref))))
            audience = self.audiences.get(store_id, audience_id) if audience_id else None
        if audience is None or audience.store_id != store_id:
            raise NotFound(AUDIENCE_NOT_FOUND, "AUDIENCE.NOT_FOUND")
        return audience


# ---------------------------------------------------------------- staff
class AudienceService:
    def __init__(self, audiences: AudienceRepository, templates: EmailTemplateRepository,
                 profiles: ProfileRepository, integrations: IntegrationRepository, guard: StoreGuard) -> None:
        self.audiences = audiences
        self.templates = templates
        self.profiles = profiles
        self.integrations = integrations
        self.guard = guard
        self.lookup = AudienceLookup(audiences)

    def create(self, principal: Principal, store_id: str, data: NewAudience) -> Audience:
        kind = audience_type(data)
        at = now()
        audience = Audience(id=new_id(), store_id=store_id, key=data.key, status=data.status, type=kind,
                            created_at=at, updated_at=at)
        template_key = self._template_key(store_id, audience.confirm_template_id)
        integration_id = kind.payment_integration_id if isinstance(kind, PaidAudience) else None
        integration_key = [self.integrations.item_key(store_id, integration_id)] if integration_id else []
        counter = self.audiences.counter_key(store_id)
        for attempt in range(COUNTED_CREATE_TRIES):
            access = self.guard.enter(principal, store_id, Action.MANAGE_AUDIENCES,
                                      extra=[*template_key, *integration_key, counter])
            # Counted in the create's own transaction: creates at the same moment cannot pass the plan's cap.
            change = counted_add(access.store, "audiences", self.audiences.counted(access.view.extras.get(counter)),
                                 lambda: self.audiences.count_in_store(store_id))
            self._check_template(access, template_key)
            if integration_key:
                check_payment_integration(self.integrations.from_item(access.view.extras.get(integration_key[0])),
                                          store_id)
            try:
                self.audiences.create(audience, change, limit_reached(access.store, "audiences") if change else None)
            except (TransactionConflict, Conflict) as error:
                if not recount(error) or attempt == COUNTED_CREATE_TRIES - 1:
                    raise
                continue
            return audience
        raise AssertionError("unreachable")

    def get(self, principal: Principal, store_id: str, ref: str) -> Audience:
        return self._load(principal, store_id, ref, Action.READ_STORE)[1]

    def update(self, principal: Principal, store_id: str, ref: str, changes: AudienceChanges) -> Audience:
        template_key = self._template_key(store_id, changes.confirm_template_id)
        access, current = self._load(principal, store_id, ref, Action.MANAGE_AUDIENCES, extra=template_key)
        kind = changed_type(current, changes)
        if isinstance(kind, ConfirmationAudience) and kind.confirm_template_id != current.confirm_template_id:
            self._check_template(access, template_key)
        values = changes.model_dump(include={"key", "status"}, exclude_none=True)
        updated = current.model_copy(update={**values, "type": kind, "revision": current.revision + 1,
                                             "updated_at": now()})
        if updated.model_dump(exclude={"revision", "updated_at"}) == current.model_dump(
                exclude={"revision", "updated_at"}):
            return current
        self.audiences.update(updated, current)
        return updated

    def find(self, principal: Principal, store_id: str, q: AudienceQuery) -> tuple[list[Audience], str | None]:
        """The page is read with the access check; see AudienceLookup.find."""
        return self.lookup.find(store_id, q, lambda wanted: self.guard.enter(
            principal, store_id, Action.READ_STORE, extra=wanted).view.extras)

    # ------------------------------------------------------------------ subscribers
    def subscribers(self, principal: Principal, store_id: str, ref: str, limit: int,
                    cursor: str | None) -> tuple[list[Subscription], str | None]:
        start = cursors.decode(cursor, _SubscriberPosition)
        _, audience = self._load(principal, store_id, ref, Action.MANAGE_AUDIENCES)
        if start and start.audience_id != audience.id:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        items, last = self.audiences.subscriber_page(audience.id, limit=limit, after=start.key if start else None)
        next_cursor = cursors.encode(_SubscriberPosition(audience_id=audience.id, key=last)) if last else None
        return items, next_cursor

    def add_subscriber(self, principal: Principal, store_id: str, ref: str,
                       profile_id: str) -> tuple[Subscription, bool]:
        """Subscribed at once (staff skip double opt-in); already subscribed is skipped, not an error."""
        profile_key = self.profiles.item_key(profile_id)
        guessed = self.audiences.subscription_key(ref, profile_id)
        access, audience = self._load(principal, store_id, ref, Action.MANAGE_AUDIENCES,
                                      extra=[profile_key, guessed])
        profile = referenced(self.profiles.from_item(access.view.extras.get(profile_key)), store_id, "profile_id",
                             "profile")
        existing = self._subscription(access, audience, profile_id, guessed)
        if existing is not None and existing.status in SUBSCRIBED:
            return existing, True
        at = now()
        if existing is not None and existing.status == "pending":
            subscription = existing.model_copy(update={"status": "active", "source": "admin", "pending_token": None,
                                                       "email": profile.email, "revision": existing.revision + 1,
                                                       "updated_at": at})
        else:
            subscription = new_subscription(audience, profile, "active", "admin", at, existing)
        self.audiences.save_subscription(subscription, existing, [subscriber_added(audience, subscription)])
        return subscription, False

    def remove_subscriber(self, principal: Principal, store_id: str, ref: str, profile_id: str) -> bool:
        guessed = self.audiences.subscription_key(ref, profile_id)
        access, audience = self._load(principal, store_id, ref, Action.MANAGE_AUDIENCES, extra=[guessed])
        existing = self._subscription(access, audience, profile_id, guessed)
        return existing is not None and self.audiences.remove_subscription(existing)

    # ------------------------------------------------------------------ helpers
    def _load(self, principal: Principal, store_id: str, ref: str, action: Action,
              extra: Sequence[Key] = ()) -> tuple[StoreAccess, Audience]:
        """Store, membership, audience (by id or key) and `extra` in one BatchGetItem."""
        access = self.guard.enter(principal, store_id, action, extra=[*self.lookup.keys(store_id, ref), *extra])
        return access, self.lookup.pick(store_id, ref, access.view.extras)

    def _subscription(self, access: StoreAccess, audience: Audience, profile_id: str,
                      guessed: Key) -> Subscription | None:
        key = self.audiences.subscription_key(audience.id, profile_id)
        if key == guessed:
            return self.audiences.subscription_from_item(access.view.extras.get(key))
        return self.audiences.get_subscription(audience.id, profile_id)  # found by key: one more read

    def _template_key(self, store_id: str, template_id: str | None) -> list[Key]:
        return [self.templates.item_key(store_id, template_id)] if template_id else []

    def _check_template(self, access: StoreAccess, template_key: list[Key]) -> None:
        if template_key:
            check_confirm_template(self.templates.from_item(access.view.extras.get(template_key[0])),
                                   access.store.id)
