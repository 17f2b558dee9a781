"""A profile with what links to it (arky-sdk's ProfileDetail): the staff's and the storefront's `me`.

Apart from profiles.py because it defines the cart and order schemas: only the routes that answer a detail
load it (through storecrm.deferred), not every cold start of the functions that serve profiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.arky.schemas.commerce import CartOut
from storecrm.arky.schemas.common import Out
from storecrm.arky.schemas.orders import OrderOut
from storecrm.arky.schemas.profiles import ProfileOut
from storecrm.arky.schemas.subscriptions import SubscriptionOut

if TYPE_CHECKING:
    from storecrm.commerce.models.commerce import Cart
    from storecrm.commerce.models.orders import Order
    from storecrm.crm.profiles import ProfileView
    from storecrm.messaging.models.audiences import Subscription
    from storecrm.profiles.models.profiles import Profile


class ProfileDetail(Out):
    """A profile with what other modules link to it."""

    profile: ProfileOut
    carts: list[CartOut] = Field(default_factory=list)
    orders: list[OrderOut] = Field(default_factory=list)
    audience_subscriptions: list[SubscriptionOut] = Field(default_factory=list)
    form_submissions: list[dict[str, object]] = Field(default_factory=list)

    @classmethod
    def of(cls, profile: Profile, subscriptions: Sequence[Subscription] = (), carts: Sequence[Cart] = (),
           orders: Sequence[Order] = ()) -> ProfileDetail:
        return cls(profile=ProfileOut.of(profile), carts=[CartOut.of(c) for c in carts],
                   orders=[OrderOut.of(o) for o in orders],
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
                   audience_subscriptions=[SubscriptionOut.of(s) for s in view.subscriptions],
                   form_submissions=[s.model_dump(mode="json", exclude={"revision", "updated_at"})
                                     for s in view.form_submissions])

