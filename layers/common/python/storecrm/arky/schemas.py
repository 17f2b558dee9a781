"""Request and response bodies of the arky-style store API (CONTRACTS.md section 1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from pydantic import Field

from storecrm.domain.base_model import Model
from storecrm.domain.fields import Command, Email
from storecrm.domain.models import (
    Audience,
    AudienceStatus,
    AudienceType,
    Block,
    CodeSummary,
    DeliveryStatus,
    EmailTemplate,
    EmailTemplateStatus,
    Integration,
    Language,
    Market,
    Product,
    ProductStatus,
    ProductVariant,
    Profile,
    ProfileStatus,
    PromoUsage,
    SessionSummary,
    Store,
    StoreEmails,
    StoreStatus,
    Subscription,
    SubscriptionSource,
    SubscriptionStatus,
    TaxonomyEntry,
    Webhook,
    WebhookDelivery,
    WebhookEventSubscription,
)
from storecrm.domain.sessions import IssuedTokens
from storecrm.domain.template_rendering import RenderedMail, RenderWarning

if TYPE_CHECKING:
    from storecrm.domain.audience_signup import AccessResult, SubscribeResult
    from storecrm.domain.profile_sessions import ProfileLogin
    from storecrm.domain.providers import ServiceDescription

T = TypeVar("T")


class Out(Model):
    model_config = {"from_attributes": True}


class Page(Out, Generic[T]):
    items: list[T]
    cursor: str | None = None


# ---------------------------------------------------------------- auth
class CodeRequest(Command):
    email: Email
    store_id: str | None = Field(default=None, max_length=64)


class StoreCodeRequest(Command):
    email: Email


class VerifyRequest(Command):
    email: Email
    code: str = Field(pattern=r"^\d{6}$", description="The six digits from the mail")


class RefreshRequest(Command):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutRequest(Command):
    refresh_token: str | None = Field(default=None, max_length=200)


class CodeSent(Out):
    sent: bool


class LoggedOut(Out):
    logged_out: bool


class _Tokens(Out):
    access_token: str
    refresh_token: str
    access_expires_at: int
    refresh_expires_at: int
    created_at: int
    is_verified: bool

    @staticmethod
    def fields(tokens: IssuedTokens) -> dict[str, object]:
        return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                "access_expires_at": tokens.access_expires_at, "refresh_expires_at": tokens.session.refresh_expires_at,
                "created_at": tokens.session.created_at, "is_verified": tokens.session.verified}


class AuthToken(_Tokens):
    id: str

    @classmethod
    def of(cls, tokens: IssuedTokens) -> AuthToken:
        return cls.model_validate({"id": tokens.session.id, **cls.fields(tokens)})


# ---------------------------------------------------------------- stores
class StoreOut(Out):
    id: str
    key: str
    timezone: str
    languages: list[Language]
    emails: StoreEmails
    status: StoreStatus
    is_network: bool
    subscription: dict[str, object] | None
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, store: Store) -> StoreOut:
        return cls.model_validate(store)


class MarketOut(Market):
    @classmethod
    def of(cls, market: Market) -> MarketOut:
        return cls.model_validate(market.model_dump())


class Deleted(Out):
    deleted: bool


class Removed(Out):
    removed: bool



# ---------------------------------------------------------------- webhooks and integrations
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
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        return cls.model_validate(delivery.model_dump(exclude={"event", "store_id"}))


class IntegrationOut(Out):
    id: str
    store_id: str
    key: str
    provider: dict[str, object] = Field(description="{type, ...settings}; secret fields masked")
    category: str
    active: bool
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, integration: Integration) -> IntegrationOut:
        return cls.model_validate({
            **integration.model_dump(include={"id", "store_id", "key", "category", "active", "created_at",
                                              "updated_at"}),
            "provider": {"type": integration.type, **integration.settings, **integration.secret_hints}})


# ---------------------------------------------------------------- the platform catalogue
class EventNames(Out):
    data: list[str] = Field(description="Every event name a webhook may subscribe to")


class ServiceFieldOut(Out):
    name: str
    type: Literal["string", "number", "boolean", "string[]"]
    required: bool
    secret: bool = Field(description="Sealed at rest and answered masked")


class IntegrationServiceOut(Out):
    """arky-sdk 0.9.1's IntegrationService (camelCase as its type has it), plus the provider's fields."""

    id: str = Field(description="The provider type, as integrations send it")
    name: str
    description: str
    icon: str
    color: str
    category: str
    configurationRequired: bool  # noqa: N815 - the client's spelling
    website: str
    urlPatterns: list[str]  # noqa: N815
    resources: list[dict[str, object]] = Field(default_factory=list,
                                               description="Operations; none are offered here yet")
    fields: list[ServiceFieldOut]

    @classmethod
    def of(cls, service: ServiceDescription) -> IntegrationServiceOut:
        return cls(id=service.id, name=service.name, description=service.description, icon=service.icon,
                   color=service.color, category=service.category,
                   configurationRequired=service.configuration_required, website=service.website,
                   urlPatterns=list(service.url_patterns),
                   fields=[ServiceFieldOut.model_validate(f) for f in service.fields])


# ---------------------------------------------------------------- audiences and email templates
class AudienceOut(Out):
    """Audience exactly as CONTRACTS.md shows it."""

    id: str
    store_id: str
    key: str
    status: AudienceStatus
    type: AudienceType

    @classmethod
    def of(cls, audience: Audience) -> AudienceOut:
        return cls.model_validate(audience.model_dump(include={"id", "store_id", "key", "status", "type"}))


class SubscriberOut(Out):
    """AudienceSubscriber: one profile in an audience's subscriber list."""

    profile_id: str
    email: str | None
    subscribed_at: int
    source: SubscriptionSource
    status: SubscriptionStatus

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriberOut:
        return cls.model_validate(subscription.subscriber_view())


class SubscriptionProviderOut(Out):
    type: Literal["stripe"]
    profile_id: str = Field(description="The customer's id at the provider")
    subscription_id: str | None = None
    price_id: str | None = None


class SubscriptionPaymentOut(Out):
    currency: str = Field(description="Empty for free audiences")
    market: str = Field(description="Empty: audience prices are not per market")
    provider: SubscriptionProviderOut | None = None


class SubscriptionOut(Out):
    """AudienceSubscription as the arky client types it; the one rendering of a subscription (subscribe,
    access, profile detail, me)."""

    id: str
    store_id: str
    profile_id: str
    audience_id: str
    plan_id: str = Field(description="The price chosen; empty for free audiences")
    pending_plan_id: str | None = None
    payment: SubscriptionPaymentOut
    status: SubscriptionStatus
    start_date: int
    end_date: int | None = Field(description="Paid up to; null when open-ended (free, or a one-time purchase)")
    token: str = Field(description="Always empty: mailed links carry their own signed tokens")
    source: SubscriptionSource
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionOut:
        provider = None
        if subscription.external_customer_id or subscription.external_subscription_id:
            provider = SubscriptionProviderOut(type="stripe", profile_id=subscription.external_customer_id or "",
                                               subscription_id=subscription.external_subscription_id,
                                               price_id=subscription.price_id)
        return cls(
            id=subscription.id, store_id=subscription.store_id, profile_id=subscription.profile_id,
            audience_id=subscription.audience_id, plan_id=subscription.price_id or "",
            payment=SubscriptionPaymentOut(currency=subscription.currency or "", market="", provider=provider),
            status=subscription.status, start_date=subscription.subscribed_at,
            end_date=subscription.current_period_end, token="", source=subscription.source,
            created_at=subscription.created_at, updated_at=subscription.updated_at)


class SubscriberAdded(Out):
    subscriber: SubscriberOut
    skipped: bool


VERIFICATION_REQUIRED = Field(default=False, description=(
    "True when the session only named an email (unverified) and sees no subscription of its own here: the "
    "profile may hold one this session may not see, and verifying by code settles it"))


class SubscribeResponse(Out):
    checkout_url: str | None = None
    subscription: SubscriptionOut | None = None
    verification_required: bool = VERIFICATION_REQUIRED

    @classmethod
    def of(cls, result: SubscribeResult) -> SubscribeResponse:
        return cls(checkout_url=result.checkout_url, verification_required=result.verification_required,
                   subscription=SubscriptionOut.of(result.subscription) if result.subscription else None)


class AccessResponse(Out):
    has_access: bool
    subscription: SubscriptionOut | None = None
    verification_required: bool = VERIFICATION_REQUIRED

    @classmethod
    def of(cls, result: AccessResult) -> AccessResponse:
        return cls(has_access=result.has_access, verification_required=result.verification_required,
                   subscription=SubscriptionOut.of(result.subscription) if result.subscription else None)


class Confirmed(Out):
    confirmed: bool


class Unsubscribed(Out):
    unsubscribed: bool


class EmailTemplateOut(Out):
    id: str
    key: str
    store_id: str
    subject: dict[str, str] = Field(description="Language id -> subject")
    body: str
    from_name: str
    from_email: str
    reply_to: str | None
    preheader: str | None
    status: EmailTemplateStatus
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, template: EmailTemplate) -> EmailTemplateOut:
        return cls.model_validate(template.model_dump(exclude={"audience_count", "revision"}))


# ---------------------------------------------------------------- catalog
class ProductOut(Out):
    id: str
    store_id: str
    key: str
    slug: dict[str, str] = Field(description="Language id -> slug")
    blocks: list[Block]
    taxonomies: list[TaxonomyEntry]
    variants: list[ProductVariant]
    status: ProductStatus
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        return cls.model_validate(product.model_dump(exclude={"revision"}))


class PreviewWarningOut(Out):
    kind: str = Field(description="missing, unknown, unused or missing_translation")
    variable: str
    message: str


class EmailTemplatePreviewOut(Out):
    subject: str
    html: str
    warnings: list[PreviewWarningOut]

    @classmethod
    def of(cls, mail: RenderedMail, warnings: Sequence[RenderWarning]) -> EmailTemplatePreviewOut:
        return cls(subject=mail.subject, html=mail.html,
                   warnings=[PreviewWarningOut.model_validate(w.model_dump()) for w in warnings])


# ---------------------------------------------------------------- CRM profiles
class ProfileOut(Out):
    id: str
    store_id: str
    email: str | None
    verified: bool
    status: ProfileStatus
    taxonomies: list[TaxonomyEntry]
    promo_usage: list[PromoUsage]
    auth_tokens: list[SessionSummary]
    verification_codes: list[CodeSummary]
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, profile: Profile) -> ProfileOut:
        return cls.model_validate(profile.public_view())


class ProfileDetail(Out):
    """A profile with what other modules link to it (empty until those modules exist)."""

    profile: ProfileOut
    carts: list[dict[str, object]] = Field(default_factory=list)
    orders: list[dict[str, object]] = Field(default_factory=list)
    audience_subscriptions: list[SubscriptionOut] = Field(default_factory=list)
    form_submissions: list[dict[str, object]] = Field(default_factory=list)

    @classmethod
    def of(cls, profile: Profile, subscriptions: Sequence[Subscription] = ()) -> ProfileDetail:
        return cls(profile=ProfileOut.of(profile),
                   audience_subscriptions=[SubscriptionOut.of(s) for s in subscriptions])


# ---------------------------------------------------------------- profile sessions (public)
class ProfileEmailRequest(Command):
    email: Email


class ProfileVerifyRequest(Command):
    email: Email
    code: str = Field(pattern=r"^\d{6}$", description="The six digits from the mail")


class ProfileSession(_Tokens):
    """A profile session: `id` is the profile's id (the seed's connect flow reads it as profileId)."""

    id: str
    profile: ProfileOut
    session_id: str

    @classmethod
    def of(cls, login: ProfileLogin) -> ProfileSession:
        return cls.model_validate({"id": login.profile.id, "profile": ProfileOut.of(login.profile),
                                   "session_id": login.tokens.session.id, **cls.fields(login.tokens)})


# ---------------------------------------------------------------- storefront aliases (arky-sdk 0.9.x)
class StorefrontToken(Out):
    """`token` is the bearer the client keeps; it lasts as long as the session."""

    id: str
    token: str
    created_at: int


class IdentifyResponse(Out):
    profile: ProfileOut
    token: StorefrontToken
    store: StoreOut
    market: MarketOut | None
    code_sent: bool


def public_store(store: Store) -> StoreOut:
    """A store as shoppers may see it: no billing contact."""
    out = StoreOut.of(store)
    return out.model_copy(update={"emails": StoreEmails(support=store.emails.support)})
