"""The platform's subscription plans for stores (what `GET /v1/stores/plans` lists)."""

from __future__ import annotations

from storecrm.domain.base_model import Model


class SubscriptionPlan(Model):
    id: str
    name: str
    tier: int
    amount: int  # cents per interval
    currency: str
    interval: str
    interval_count: int
    trial_period_days: int
    features: list[str]


PLANS: tuple[SubscriptionPlan, ...] = (
    SubscriptionPlan(id="plan_free", name="Free", tier=0, amount=0, currency="USD", interval="month",
                     interval_count=1, trial_period_days=0,
                     features=["1 store", "1,000 profiles", "Email login codes"]),
    SubscriptionPlan(id="plan_pro", name="Pro", tier=1, amount=2900, currency="USD", interval="month",
                     interval_count=1, trial_period_days=14,
                     features=["Unlimited profiles", "Audiences and newsletters", "Webhooks"]),
    SubscriptionPlan(id="plan_business", name="Business", tier=2, amount=9900, currency="USD", interval="month",
                     interval_count=1, trial_period_days=14,
                     features=["Everything in Pro", "Paid memberships", "Back-office API clients"]),
)
