"""Audiences (lists, double opt-in, paid memberships) and their subscriptions."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import WholeNumber
from storecrm.kernel.models.base import Entity
from storecrm.kernel.stripe_subscriptions import SubscriptionStatus

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
    # The store's stripe integration whose account took the payment (None: recorded before it was kept).
    payment_integration_id: str | None = None
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
