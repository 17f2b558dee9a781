"""A subscription as the arky-style API renders it everywhere (subscribe, access, profile detail, me), apart
from the audience answers so that the profile functions define only this one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.messaging.models.audiences import Subscription, SubscriptionSource, SubscriptionStatus


class SubscriptionProviderOut(Out):
    type: Literal["stripe"]
    profile_id: str = Field(description="The customer's id at the provider")
    subscription_id: str | None = None
    price_id: str | None = None


class SubscriptionPaymentOut(Out):
    currency: str = Field(description="Empty for free audiences")
    market: str = Field(description="Empty: audience prices are not per market")
    provider: SubscriptionProviderOut | None = Field(
        default=None, description="null when nobody paid (free audiences): the client's optional field")


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
    end_date: int = Field(description="Paid up to; 0 when open-ended (a free audience, or a one-time purchase): "
                                      "no end, so read `status` or `has_access`, never `end_date`, for access")
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
            end_date=subscription.current_period_end or 0, token="", source=subscription.source,
            created_at=subscription.created_at, updated_at=subscription.updated_at)
