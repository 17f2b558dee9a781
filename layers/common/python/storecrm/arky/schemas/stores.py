"""Stores and markets as the arky-style API answers them."""

from __future__ import annotations

from storecrm.arky.schemas.common import Out
from storecrm.domain.base_model import Model
from storecrm.domain.models.addresses import Address
from storecrm.domain.models.locations import Location
from storecrm.domain.models.stores import Language, Market, Store, StoreEmails, StoreStatus, StoreSubscriptionStatus


class StoreSubscriptionOut(Model):
    plan_id: str
    status: StoreSubscriptionStatus
    current_period_end: int | None
    cancel_at_period_end: bool


class StoreOut(Out):
    id: str
    key: str
    timezone: str
    languages: list[Language]
    emails: StoreEmails
    status: StoreStatus
    is_network: bool
    subscription: StoreSubscriptionOut | None
    payment_hold_minutes: int
    abandoned_cart_minutes: int
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, store: Store) -> StoreOut:
        return cls.model_validate(store.model_dump())


class MarketOut(Market):
    @classmethod
    def of(cls, market: Market) -> MarketOut:
        return cls.model_validate(market.model_dump())


class LocationOut(Out):
    """The arky-sdk 0.9.1 Location."""

    id: str
    store_id: str
    key: str
    address: Address
    is_pickup_location: bool
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, location: Location) -> LocationOut:
        return cls.model_validate(location.model_dump(exclude={"revision"}))


def public_store(store: Store) -> StoreOut:
    """A store as shoppers may see it: no billing contact, no plan."""
    out = StoreOut.of(store)
    return out.model_copy(update={"emails": StoreEmails(support=store.emails.support), "subscription": None})
