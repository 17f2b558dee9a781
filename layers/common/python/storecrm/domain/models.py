"""Entities as the domain sees them. Wire shapes live with each dialect; storage shapes with
the repositories."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, model_validator

from storecrm.clock import new_id, now
from storecrm.domain.base_model import Model
from storecrm.domain.fields import Number, WholeNumber
from storecrm.domain.permissions import Role


class Entity(Model):
    model_config = {"validate_assignment": False}


class Account(Entity):
    id: str
    email: str
    created_at: int
    updated_at: int


class Session(Entity):
    """A login: one refresh-token chain. Refresh tokens are stored only as hashes."""

    id: str
    owner_kind: Literal["account", "profile"]
    owner_id: str
    store_id: str | None = None
    verified: bool = True
    refresh_hash: str
    # Hashes this chain has already rotated away from; presenting one means the token leaked.
    rotated_hashes: list[str] = Field(default_factory=list)
    created_at: int
    refresh_expires_at: int


class AuthCode(Entity):
    scope: str
    email: str
    code_hash: str
    kid: str
    attempts: int = 0
    created_at: int
    expires_at: int


class Language(Model):
    id: str


class StoreEmails(Model):
    billing: str | None = None
    support: str | None = None


StoreStatus = Literal["DRAFT", "ACTIVE", "ARCHIVED"]


class Store(Entity):
    id: str
    key: str
    timezone: str
    languages: list[Language] = Field(default_factory=list)
    emails: StoreEmails = Field(default_factory=StoreEmails)
    status: StoreStatus = "ACTIVE"
    is_network: bool = False
    subscription: dict[str, Any] | None = None
    # Kept on the store so "never remove the last owner" holds under concurrent removals.
    owner_count: int = 0
    created_at: int
    updated_at: int


class Membership(Entity):
    store_id: str
    account_id: str
    email: str
    role: Role
    created_at: int
    updated_at: int


TaxMode = Literal["exclusive", "inclusive"]


PaymentMethodId = Literal["cash", "credit_card"]
# Zones stored before zones had ids get a stable one derived from the market id and their position.
ZONE_IDS = uuid.UUID("0b6c1f5e-8d2a-4f7b-9c3e-5a1d7e4b2f60")


class PaymentMethod(Model):
    """How a market's shoppers may pay; `credit_card` goes through the store's Stripe integration."""

    id: PaymentMethodId
    integration_id: str | None = None


class ShippingWeightTier(Model):
    up_to_grams: int
    amount: int


class ShippingMethod(Model):
    id: str
    taxable: bool = True
    eta_text: str = ""
    location_id: str | None = None
    integration_id: str | None = None
    amount: int
    free_above: int | None = None
    weight_tiers: list[ShippingWeightTier] = Field(default_factory=list)


class Zone(Model):
    """Where in a market an address is (an empty list matches any value), its tax rate in basis points
    and its shipping methods."""

    id: str
    store_id: str
    market_id: str
    countries: list[str] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list)
    postal_codes: list[str] = Field(default_factory=list)
    tax_bps: int = 0
    shipping_methods: list[ShippingMethod] = Field(default_factory=list)


class Market(Entity):
    id: str
    store_id: str
    key: str
    currency: str
    tax_mode: TaxMode
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    zones: list[Zone] = Field(default_factory=list)
    created_at: int
    updated_at: int

    @model_validator(mode="before")
    @classmethod
    def _earlier_shape(cls, data: Any) -> Any:
        """Markets stored before payment methods were objects and zones had ids read in today's shape."""
        if not isinstance(data, dict):
            return data
        # Earlier methods were free text; only the two there are now mean anything to checkout.
        methods = [{"id": m} if isinstance(m, str) else m for m in data.get("payment_methods") or []
                   if not isinstance(m, str) or m in ("cash", "credit_card")]
        zones = [z if not isinstance(z, dict) or "id" in z else {
                     **z, "id": str(uuid.uuid5(ZONE_IDS, f"{data.get('id')}:{i}")), "store_id": data.get("store_id"),
                     "market_id": data.get("id")}
                 for i, z in enumerate(data.get("zones") or [])]
        return {**data, "payment_methods": methods, "zones": zones}


class OutboxEvent(Entity):
    """A change other systems may care about, written in the same transaction as the change."""

    id: str
    type: str
    store_id: str
    created_at: int
    data: dict[str, Any]

    @classmethod
    def new(cls, type_: str, store_id: str, data: dict[str, Any]) -> OutboxEvent:
        return cls(id=new_id(), type=type_, store_id=store_id, created_at=now(), data=data)


# ---------------------------------------------------------------- webhooks and integrations
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
    created_at: int
    updated_at: int


# Provider types spelled differently before this platform followed arky-sdk 0.9.1; still read and accepted.
FORMER_PROVIDER_TYPES = {"github": "git_hub", "hubspot": "hub_spot"}


def current_provider_type(name: str) -> str:
    return FORMER_PROVIDER_TYPES.get(name, name)


class Integration(Entity):
    """A store's connection to another service. Secret fields live only in `sealed_secrets`."""

    id: str
    store_id: str
    key: str
    type: Annotated[str, AfterValidator(current_provider_type)]
    category: str
    settings: dict[str, Any] = Field(default_factory=dict)
    sealed_secrets: str | None = None
    secret_hints: dict[str, str] = Field(default_factory=dict)
    active: bool = False
    created_at: int
    updated_at: int

    def secret_context(self) -> dict[str, str]:
        """What the sealed secrets are bound to: they open only for this store's integration."""
        return {"store_id": self.store_id, "integration_id": self.id}


# ---------------------------------------------------------------- CRM profiles
# Taxonomy ids and field keys become parts of index keys, so they may not contain "#".
SAFE_KEY = r"^[A-Za-z0-9_.:-]+$"
TaxonomyFieldType = Literal["text", "number", "boolean", "geo_location"]


class GeoPoint(Model):
    lat: Number = Field(ge=-90, le=90)
    lon: Number = Field(ge=-180, le=180)


class TaxonomyField(Model):
    id: str | None = Field(default=None, max_length=64)
    key: str = Field(min_length=1, max_length=64, pattern=SAFE_KEY)
    type: TaxonomyFieldType
    value: bool | float | str | GeoPoint

    @model_validator(mode="after")
    def _value_matches_type(self) -> TaxonomyField:
        expected: dict[str, tuple[type, ...]] = {"text": (str,), "number": (int, float), "boolean": (bool,),
                                                  "geo_location": (GeoPoint,)}
        value = self.value
        if (isinstance(value, bool) and self.type == "number") or not isinstance(value, expected[self.type]):
            raise ValueError(f"value of '{self.key}' must be a {self.type}")
        if isinstance(value, str) and len(value) > 500:
            raise ValueError(f"value of '{self.key}' is longer than 500 characters")
        return self


class TaxonomyEntry(Model):
    taxonomy_id: str = Field(min_length=1, max_length=64, pattern=SAFE_KEY)
    fields: list[TaxonomyField] = Field(default_factory=list, max_length=20)


class SessionSummary(Model):
    """What a profile shows of one of its sessions: never a token or a hash."""

    id: str
    created_at: int
    verified: bool


class CodeSummary(Model):
    created_at: int
    used: bool


class PromoUsage(Model):
    promo_code_id: str
    uses: int


class ExtendedAttribute(Model):
    name: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=1000)


ProfileStatus = Literal["active", "archived"]


class Profile(Entity):
    """The one store-scoped customer record every dialect reads and writes.

    Names, phone, addresses, extended attributes and a password credential are part of the record
    from the start, so the other dialects add behaviour, not a migration.
    """

    id: str
    store_id: str
    email: str | None = None
    verified: bool = False
    status: ProfileStatus = "active"
    taxonomies: list[TaxonomyEntry] = Field(default_factory=list)
    promo_usage: list[PromoUsage] = Field(default_factory=list)
    auth_tokens: list[SessionSummary] = Field(default_factory=list)
    verification_codes: list[CodeSummary] = Field(default_factory=list)
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    phone: str | None = None
    addresses: list[dict[str, Any]] = Field(default_factory=list)
    extended_attributes: list[ExtendedAttribute] = Field(default_factory=list)
    password_hash: str | None = None
    display_id: str | None = None
    # The session that created the record; an unverified session sees full data only of its own.
    origin_session_id: str | None = None
    # Bumped on every write; writes are conditional on the revision they read.
    revision: int = 1
    created_at: int
    updated_at: int

    PUBLIC_FIELDS: ClassVar[set[str]] = {
        "id", "store_id", "email", "verified", "status", "taxonomies", "promo_usage", "auth_tokens",
        "verification_codes", "created_at", "updated_at",
    }

    def public_view(self) -> dict[str, Any]:
        """The profile as events and the arky dialect show it (no credentials, no revision)."""
        return self.model_dump(mode="json", include=self.PUBLIC_FIELDS)


# ---------------------------------------------------------------- audiences and email templates
EmailTemplateStatus = Literal["active", "draft", "archived"]


class EmailTemplate(Entity):
    """A store's mail with {{placeholders}} (arky-sdk's EmailTemplate), rendered by our own code (never
    by SES templates). It is sent from the platform's verified sender named `from_name`; answers go to
    `reply_to`, else to `from_email`."""

    id: str
    store_id: str
    key: str
    subject: dict[str, str] = Field(default_factory=dict, description="Language id -> subject")
    body: str = ""
    from_name: str
    from_email: str
    reply_to: str | None = None
    preheader: str | None = None
    status: EmailTemplateStatus = "active"
    # Audiences linked to it (double opt-in); deleting the template checks nobody linked meanwhile.
    audience_count: int = 0
    revision: int = 1
    created_at: int
    updated_at: int


AudienceStatus = Literal["active", "draft", "archived"]
AudienceKind = Literal["standard", "confirmation", "paid"]
PricePeriod = Literal["month", "year"]


class PriceInterval(Model):
    period: PricePeriod
    count: WholeNumber = Field(default=1, ge=1, le=36)


class AudiencePrice(Model):
    id: str = Field(min_length=1, max_length=100)
    currency: str
    amount: WholeNumber = Field(ge=0, description="In the currency's smallest unit (cents)")
    interval: PriceInterval | None = Field(default=None, description="None: a one-time purchase that never ends")


class StandardAudience(Model):
    type: Literal["standard"] = "standard"


class ConfirmationAudience(Model):
    """Double opt-in: a subscription stays pending until the mailed link is followed."""

    type: Literal["confirmation"] = "confirmation"
    confirm_template_id: str


class PaidAudience(Model):
    type: Literal["paid"] = "paid"
    prices: list[AudiencePrice]
    payment_integration_id: str | None = None


AudienceType = Annotated[StandardAudience | ConfirmationAudience | PaidAudience, Field(discriminator="type")]


class Audience(Entity):
    id: str
    store_id: str
    key: str
    status: AudienceStatus = "active"
    type: AudienceType
    revision: int = 1
    created_at: int
    updated_at: int

    @property
    def confirm_template_id(self) -> str | None:
        return self.type.confirm_template_id if isinstance(self.type, ConfirmationAudience) else None


SubscriptionStatus = Literal["pending", "active", "cancellation_scheduled", "cancelled", "expired"]
# Namespace of the subscription ids derived from (audience, profile); never change it.
SUBSCRIPTION_IDS = uuid.UUID("6f1d2c4e-5b3a-4c8e-9a7f-2e1b0d9c8a71")
SubscriptionSource = Literal["signup", "admin", "import"]


class Subscription(Entity):
    """One profile's subscription to one audience (at most one per pair)."""

    audience_id: str
    store_id: str
    profile_id: str
    email: str | None = None
    status: SubscriptionStatus
    source: SubscriptionSource
    subscribed_at: int
    # Paid audiences: the price chosen and its currency, the billing provider's ids (customer, and the
    # subscription for recurring prices) and the paid-up-to time (none for a one-time purchase).
    price_id: str | None = None
    currency: str | None = None
    current_period_end: int | None = None
    external_customer_id: str | None = None
    external_subscription_id: str | None = None
    # Creation time of the newest billing event applied; older ones arriving late are ignored.
    billing_event_at: int | None = None
    # The only confirmation token that may still activate a pending subscription.
    pending_token: str | None = None
    # The profile session that subscribed (none for staff and imports): an unverified session sees
    # only the subscriptions it created itself (profile_sessions.sees_record).
    origin_session_id: str | None = None
    revision: int = 1
    created_at: int
    updated_at: int

    @property
    def id(self) -> str:
        """A profile has at most one subscription per audience, so the pair names it: a UUID derived
        from both, stable for every stored subscription without storing it."""
        return str(uuid.uuid5(SUBSCRIPTION_IDS, f"{self.audience_id}:{self.profile_id}"))

    def subscriber_view(self) -> dict[str, Any]:
        """AudienceSubscriber as the arky dialect and events show it."""
        return self.model_dump(mode="json", include={"profile_id", "email", "subscribed_at", "source", "status"})


# ---------------------------------------------------------------- catalog
ProductStatus = Literal["draft", "active", "archived"]


class Block(Model):
    """A piece of content (the arky client's Block): a name, a type and whatever value that type holds."""

    id: str
    key: str
    type: str
    properties: dict[str, Any] | None = None
    value: Any = None


class Price(Model):
    """A variant's price in one market, in that market's currency."""

    currency: str
    market: str = Field(description="The market's key")
    amount: int
    compare_at: int | None = None
    audience_id: str | None = None


class ProductInventory(Model):
    """Stock of one variant at one location."""

    id: str
    store_id: str
    product_id: str
    variant_id: str
    location_id: str
    available: int
    reserved: int = 0
    updated_at: int


class ProductVariant(Model):
    id: str
    sku: str | None = None
    prices: list[Price] = Field(default_factory=list)
    inventory: list[ProductInventory] = Field(default_factory=list)
    attributes: list[Block] = Field(default_factory=list)
    weight: int | None = Field(default=None, description="Grams")


class Product(Entity):
    id: str
    store_id: str
    key: str
    slug: dict[str, str] = Field(default_factory=dict, description="Language id -> slug")
    blocks: list[Block] = Field(default_factory=list)
    taxonomies: list[TaxonomyEntry] = Field(default_factory=list)
    variants: list[ProductVariant] = Field(default_factory=list)
    status: ProductStatus = "draft"
    revision: int = 1
    created_at: int
    updated_at: int
