"""The platform's subscription plans for stores (what `GET /v1/stores/plans` lists).

The operator sets them in the stack's `BillingPlans` parameter, a JSON array of these objects; a plan
is for sale when it names a recurring Price of the operator's Stripe account (`provider_price_id`).
"""

from __future__ import annotations

from pydantic import Field, TypeAdapter

from storecrm.config import settings
from storecrm.kernel.base_model import Model


class PlanLimits(Model):
    """How much of each thing a store on the plan may have; none = no cap."""

    profiles: int | None = Field(default=None, ge=0)
    audiences: int | None = Field(default=None, ge=0)
    webhooks: int | None = Field(default=None, ge=0)
    media_bytes: int | None = Field(default=None, ge=0, description="Bytes of the store's media library")
    mails_per_day: int | None = Field(default=None, ge=0, description="Store mails a day (UTC); on the base plan "
                                                                      "200 when not set")


class SubscriptionPlan(Model):
    id: str = Field(min_length=1, max_length=64)
    provider_price_id: str | None = None
    name: str
    tier: int
    amount: int  # cents per interval
    currency: str
    interval: str
    interval_count: int
    trial_period_days: int = 0
    features: list[str] = Field(default_factory=list)
    limits: PlanLimits = Field(default_factory=PlanLimits)


def configured_plans() -> tuple[SubscriptionPlan, ...]:
    """Parsed on each use (a few plans; tests change the setting); a malformed parameter fails loudly."""
    return tuple(TypeAdapter(list[SubscriptionPlan]).validate_json(settings().billing_plans))


def plan_named(plan_id: str) -> SubscriptionPlan | None:
    return next((p for p in configured_plans() if p.id == plan_id), None)


def plan_selling(price_id: str) -> SubscriptionPlan | None:
    """The plan a Stripe Price belongs to (the billing portal may switch a store to another plan's price)."""
    return next((p for p in configured_plans() if p.provider_price_id == price_id), None)
