"""Stores and markets as the arky-style API answers them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.kernel.base_model import Model
from storecrm.kernel.models.addresses import Address
from storecrm.stores.mail_quota import MailQuota
from storecrm.stores.models.locations import Location
from storecrm.stores.models.stores import Language, Market, Store, StoreEmails, StoreStatus, StoreSubscriptionStatus
from storecrm.stores.plans import plan_named


class StoreSubscriptionProviderOut(Model):
    type: Literal["stripe"]
    profile_id: str = Field(description="The store's customer id on the operator's Stripe account")
    subscription_id: str | None = None
    price_id: str | None = None


class StoreSubscriptionPaymentOut(Model):
    currency: str = Field(description="The plan's currency (empty when the plan is no longer configured)")
    market: str = Field(description="Always empty: plans are not sold per market")
    provider: StoreSubscriptionProviderOut | None = None


class StoreSubscriptionOut(Model):
    """The arky client's StoreSubscription, and the fields this API answered before (kept beside them)."""

    id: str = Field(description="Stripe's subscription id (the store's id if Stripe named none)")
    target: str = Field(description="The store the plan is for (its id)")
    plan_id: str
    pending_plan_id: str | None = Field(description="Always null: plan changes go through Stripe's portal and "
                                                    "apply when Stripe reports them")
    payment: StoreSubscriptionPaymentOut
    status: StoreSubscriptionStatus
    start_date: int = Field(description="When the subscription started (Stripe's start_date)")
    end_date: int = Field(description="The end of the paid period (current_period_end); 0 when Stripe gave none")
    token: str = Field(description="Always empty: nothing about a store's plan is confirmed by a token")
    source: Literal["signup"] = Field(description="Always signup: stores subscribe themselves through Checkout")
    current_period_end: int | None
    cancel_at_period_end: bool

    @classmethod
    def of(cls, store: Store) -> StoreSubscriptionOut | None:
        subscription = store.subscription
        if subscription is None:
            return None
        plan = plan_named(subscription.plan_id)
        provider = None
        if store.stripe_customer_id:
            provider = StoreSubscriptionProviderOut(type="stripe", profile_id=store.stripe_customer_id,
                                                    subscription_id=subscription.stripe_subscription_id,
                                                    price_id=plan.provider_price_id if plan else None)
        return cls(id=subscription.stripe_subscription_id or store.id, target=store.id, plan_id=subscription.plan_id,
                   pending_plan_id=None, status=subscription.status, source="signup", token="",
                   payment=StoreSubscriptionPaymentOut(currency=plan.currency if plan else "", market="",
                                                       provider=provider),
                   start_date=subscription.start_date or store.billing_event_at or store.created_at,
                   end_date=subscription.current_period_end or 0,
                   current_period_end=subscription.current_period_end,
                   cancel_at_period_end=subscription.cancel_at_period_end)


class StoreEmailsOut(Model):
    """The arky client's StoreEmails: both strings, an address the store has not set is empty."""

    billing: str = Field(description="The store's billing contact; empty when none is set (always empty for "
                                     "shoppers)")
    support: str = Field(description="The store's support contact; empty when none is set")

    @classmethod
    def of(cls, emails: StoreEmails) -> StoreEmailsOut:
        return cls(billing=emails.billing or "", support=emails.support or "")


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
    emails: StoreEmailsOut
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
        return cls.model_validate({**store.model_dump(), "emails": StoreEmailsOut.of(store.emails),
                                   "subscription": StoreSubscriptionOut.of(store),
                                   "mail_quota": vars(quota) if quota else None})

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
    return out.model_copy(update={"emails": StoreEmailsOut(billing="", support=store.emails.support or ""),
                                  "subscription": None,
                                  "allowed_origins": []})
