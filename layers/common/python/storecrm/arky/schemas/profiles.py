"""CRM profiles as staff and shoppers read them (profile sessions and the storefront's identify answer are in
profile_sessions.py and storefront.py beside this module)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.arky.schemas.commerce import CartOut, OrderOut
from storecrm.arky.schemas.common import Out
from storecrm.arky.schemas.subscriptions import SubscriptionOut
from storecrm.domain.models.accounts import CodeSummary, SessionSummary
from storecrm.domain.models.audiences import Subscription
from storecrm.domain.models.profiles import Profile, ProfileStatus, PromoUsage, TaxonomyEntry

if TYPE_CHECKING:
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

