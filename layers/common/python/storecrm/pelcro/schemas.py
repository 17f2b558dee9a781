"""Request and response bodies of the Pelcro-style customer API (CONTRACTS.md section 2).

Every request may carry `site_id` (the store id) in its body; it may come in the query string
instead. Every answer wraps its resource: `{"data": ...}`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from storecrm.crm.customers import Credentials, CustomerChanges, CustomerView, NewCustomer
from storecrm.crm.models.offers import Offer
from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Command, Email, ReturnUrl
from storecrm.messaging.models.audiences import Subscription

SiteId = Field(default=None, max_length=64, description="The site (store) id; or send it in the query string")


class SiteRequest(Command):
    site_id: str | None = SiteId


class RegisterRequest(NewCustomer):
    site_id: str | None = SiteId


class LoginRequest(Credentials):
    site_id: str | None = SiteId


class CustomerUpdateRequest(CustomerChanges):
    site_id: str | None = SiteId


class PasswordlessRequest(SiteRequest):
    email: Email
    redirect_url: ReturnUrl | None = Field(
        default=None, description="A page on one of the store's allowed_origins for the mailed link to open, with "
                                  "`email` and `token` added to its query (left out when the store lists none)")


class PasswordlessLoginRequest(SiteRequest):
    email: Email
    token: str = Field(pattern=r"^\d{6}$", description="The code from the mail (or from the link)")


class EmailVerifyRequest(SiteRequest):
    email_verify_token: str = Field(min_length=1, max_length=200, description="The token from the verification mail")


class MembershipOut(Model):
    """An audience subscription: paid ones are `subscriptions`, free ones `memberships`."""

    id: str
    audience_id: str
    status: str
    plan_id: str | None = Field(description="The chosen price, for a paid audience")
    currency: str | None
    current_period_end: int | None = Field(description="Paid up to (Unix seconds); null when open-ended")
    subscribed_at: int
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, subscription: Subscription) -> MembershipOut:
        return cls(id=subscription.id, audience_id=subscription.audience_id, status=subscription.status,
                   plan_id=subscription.price_id, currency=subscription.currency,
                   current_period_end=subscription.current_period_end, subscribed_at=subscription.subscribed_at,
                   created_at=subscription.created_at, updated_at=subscription.updated_at)


class CustomerOut(Model):
    id: int = Field(description="The customer number, unique per site")
    email: str | None
    first_name: str | None
    last_name: str | None
    display_name: str | None
    username: str | None
    phone: str | None
    language: str | None
    email_confirm: bool
    metadata: dict[str, Any]
    subscriptions: list[MembershipOut]
    memberships: list[MembershipOut]
    addresses: list[dict[str, Any]]
    sources: list[dict[str, Any]] = Field(description="Payment methods (none are stored yet)")
    profile_photo: str | None = Field(description="A link to the picture that works for a limited time")
    auth_token: str
    token: str
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, view: CustomerView, token: str) -> CustomerOut:
        p = view.profile
        return cls(id=view.number, email=p.email, first_name=p.first_name, last_name=p.last_name,
                   display_name=p.display_name, username=p.username, phone=p.phone, language=p.language,
                   email_confirm=p.verified, metadata=p.metadata,
                   subscriptions=[MembershipOut.of(s) for s in view.subscriptions if s.price_id],
                   memberships=[MembershipOut.of(s) for s in view.subscriptions if not s.price_id],
                   addresses=p.addresses, sources=[], profile_photo=view.photo_url, auth_token=token, token=token,
                   created_at=p.created_at, updated_at=p.updated_at)


class CustomerAnswer(Model):
    data: CustomerOut


class LoggedOut(Model):
    logged_out: bool


class LogoutAnswer(Model):
    data: LoggedOut


class CodeSent(Model):
    sent: bool


class CodeSentAnswer(Model):
    data: CodeSent


class EmailConfirmed(Model):
    email_confirm: bool


class EmailConfirmedAnswer(Model):
    data: EmailConfirmed


def _offer_fields(answer: type[Model], offer: Offer, **renamed: Any) -> dict[str, Any]:
    """The offer's fields an answer shows under the same name, plus those Pelcro names otherwise."""
    return {**offer.model_dump(include=set(answer.model_fields)), **renamed}


class PlanOut(Model):
    id: str
    nickname: str
    description: str | None
    amount: int | None = Field(description="Smallest currency unit (cents)")
    currency: str | None
    interval: str | None
    interval_count: int | None
    trial_period_days: int | None
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, offer: Offer) -> PlanOut:
        return cls.model_validate(_offer_fields(cls, offer, nickname=offer.name))


class CouponOut(Model):
    id: str
    name: str
    code: str | None
    percent_off: float | None
    amount_off: int | None = Field(description="Smallest currency unit of `currency`")
    currency: str | None
    duration: str | None
    duration_in_months: int | None
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, offer: Offer) -> CouponOut:
        return cls.model_validate(_offer_fields(cls, offer))


class ProductSkuOut(Model):
    id: str
    name: str
    description: str | None
    sku: str | None
    price: int | None = Field(description="Smallest currency unit (cents)")
    currency: str | None
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, offer: Offer) -> ProductSkuOut:
        return cls.model_validate(_offer_fields(cls, offer, price=offer.amount))


class PlansAnswer(Model):
    data: list[PlanOut]


class CouponsAnswer(Model):
    data: list[CouponOut]


class ProductSkusAnswer(Model):
    data: list[ProductSkuOut]
