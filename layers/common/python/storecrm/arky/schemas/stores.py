"""Stores and markets as the arky-style API answers them."""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.kernel.base_model import Model
from storecrm.kernel.models.addresses import Address
from storecrm.stores.mail_quota import MailQuota
from storecrm.stores.models.locations import Location
from storecrm.stores.models.stores import Language, Market, Store, StoreEmails, StoreStatus, StoreSubscriptionStatus


class StoreSubscriptionOut(Model):
    plan_id: str
    status: StoreSubscriptionStatus
    current_period_end: int | None
    cancel_at_period_end: bool


class MailQuotaOut(Model):
    limit: int | None = Field(description="Store mails a day on the store's plan (limits.mails_per_day); null: none")
    sent: int = Field(description="Store mails sent today (UTC)")
    refused: int = Field(description="Store mails the quota stopped today: not sent")
    resets_at: int = Field(description="When the count starts again (the next UTC midnight)")


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
    activity_retention_days: int = Field(description="How long a profile's activities are kept")
    allowed_origins: list[str] = Field(description="Origins that links in the store's mails and Stripe's "
                                                   "redirects may lead to")
    mail_quota: MailQuotaOut | None = Field(default=None, description="Today's store mails (staff only)")
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, store: Store, quota: MailQuota | None = None) -> StoreOut:
        return cls.model_validate({**store.model_dump(), "mail_quota": vars(quota) if quota else None})

    @classmethod
    def for_staff(cls, staff_store: tuple[Store, MailQuota]) -> StoreOut:
        return cls.of(*staff_store)


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
    """A store as shoppers may see it: no billing contact, no plan, no mail quota, no allowed origins."""
    out = StoreOut.of(store)
    return out.model_copy(update={"emails": StoreEmails(support=store.emails.support), "subscription": None,
                                  "allowed_origins": []})
