"""A Stripe subscription in our terms, for the two things sold by subscription through Stripe: a store's plan on
the operator's account (storecrm.stores.store_billing) and a paid audience membership on the store's own account
(storecrm.commerce.memberships)."""

from __future__ import annotations

from typing import Any, Literal

SubscriptionStatus = Literal["pending", "active", "cancellation_scheduled", "cancelled", "expired"]

# Retries of the same subscribe within this window reuse one Checkout session (Stripe idempotency).
CHECKOUT_REUSE_SECONDS = 600


def membership_status(stripe_status: str, cancel_at_period_end: bool, deleted: bool) -> SubscriptionStatus:
    """A Stripe subscription's state in audience terms."""
    if deleted or stripe_status == "canceled":
        return "cancelled"
    if stripe_status in ("active", "trialing", "past_due"):  # past_due: Stripe is still retrying the charge
        return "cancellation_scheduled" if cancel_at_period_end else "active"
    if stripe_status in ("incomplete", "paused"):
        return "pending"
    return "expired"  # unpaid, incomplete_expired


def period_end(subscription: dict[str, Any]) -> int | None:
    """Newer API versions keep the period on the subscription's items, older ones on the subscription."""
    if subscription.get("current_period_end"):
        return int(subscription["current_period_end"])
    items = (subscription.get("items") or {}).get("data") or []
    ends = [int(i["current_period_end"]) for i in items if i.get("current_period_end")]
    return max(ends) if ends else None
