"""CRM profiles, profile sessions and the storefront's identify answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.arky.schemas.audiences import SubscriptionOut
from storecrm.arky.schemas.auth import Tokens
from storecrm.arky.schemas.commerce import CartOut, OrderOut
from storecrm.arky.schemas.common import Out
from storecrm.arky.schemas.stores import MarketOut, StoreOut
from storecrm.domain.fields import Command, Email
from storecrm.domain.models.accounts import CodeSummary, SessionSummary
from storecrm.domain.models.audiences import Subscription
from storecrm.domain.models.profiles import Profile, ProfileStatus, PromoUsage, TaxonomyEntry

if TYPE_CHECKING:
    from storecrm.domain.profile_sessions import ProfileLogin
    from storecrm.domain.profiles import ProfileView


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
    """A profile with what other modules link to it (form submissions: empty until forms exist)."""

    profile: ProfileOut
    carts: list[CartOut] = Field(default_factory=list)
    orders: list[OrderOut] = Field(default_factory=list)
    audience_subscriptions: list[SubscriptionOut] = Field(default_factory=list)
    form_submissions: list[dict[str, object]] = Field(default_factory=list)

    @classmethod
    def of(cls, profile: Profile, subscriptions: Sequence[Subscription] = ()) -> ProfileDetail:
        return cls(profile=ProfileOut.of(profile),
                   audience_subscriptions=[SubscriptionOut.of(s) for s in subscriptions])


class StaffProfileDetail(ProfileDetail):
    """The detail staff read: `carts` and `orders` are the newest few, newest first; `carts_cursor` and
    `orders_cursor` (beyond the client's type, which ignores them) continue them on the profile's carts and
    orders routes."""

    carts_cursor: str | None = None
    orders_cursor: str | None = None

    @classmethod
    def of_view(cls, view: ProfileView) -> StaffProfileDetail:
        return cls(profile=ProfileOut.of(view.profile), carts=[CartOut.of(c) for c in view.carts],
                   carts_cursor=view.carts_cursor, orders=[OrderOut.of(o) for o in view.orders],
                   orders_cursor=view.orders_cursor,
                   audience_subscriptions=[SubscriptionOut.of(s) for s in view.subscriptions])


class ProfileEmailRequest(Command):
    email: Email


class ProfileVerifyRequest(Command):
    email: Email
    code: str = Field(pattern=r"^\d{6}$", description="The six digits from the mail")


class ProfileSession(Tokens):
    """A profile session: `id` is the profile's id (the seed's connect flow reads it as profileId)."""

    id: str
    profile: ProfileOut
    session_id: str

    @classmethod
    def of(cls, login: ProfileLogin) -> ProfileSession:
        return cls.model_validate({"id": login.profile.id, "profile": ProfileOut.of(login.profile),
                                   "session_id": login.tokens.session.id, **cls.fields(login.tokens)})


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
