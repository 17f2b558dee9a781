"""Paid audience memberships through the store's own Stripe account.

Subscribing opens a Stripe Checkout session (subscription mode) whose metadata names the store,
audience, profile and price; Stripe's signed events then drive the subscription: completed
checkout and `customer.subscription.*` set its status and paid-up-to time. Applying an event is
idempotent (the same state is written again, and the subscriber event only fires on the change to
active), and events older than the last one applied are ignored, since Stripe does not promise order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storecrm.clock import now
from storecrm.domain.audiences import SUBSCRIBED, new_subscription, subscriber_added
from storecrm.domain.errors import Conflict, ValidationFailed
from storecrm.domain.models import Audience, AudiencePrice, PaidAudience, Profile, SubscriptionStatus

if TYPE_CHECKING:
    from storecrm.domain.integrations import IntegrationService
    from storecrm.gateways.stripe_payments import StripePayments
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.profiles import ProfileRepository

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


class StripeCheckout:
    """The CheckoutPort for paid audiences."""

    def __init__(self, integrations: IntegrationService, payments: StripePayments) -> None:
        self.integrations = integrations
        self.payments = payments

    def start_checkout(self, store_id: str, audience: Audience, price: AudiencePrice, profile: Profile,
                       success_url: str | None, cancel_url: str | None) -> str:
        if success_url is None:
            raise ValidationFailed.on("success_url", "is required for a paid audience")
        kind = audience.type
        assert isinstance(kind, PaidAudience)
        secrets = self.integrations.stripe_credentials(store_id, kind.payment_integration_id)
        metadata = {"store_id": store_id, "audience_id": audience.id, "profile_id": profile.id, "price_id": price.id}
        params: dict[str, Any] = {
            "mode": "subscription", "success_url": success_url, "cancel_url": cancel_url or success_url,
            "client_reference_id": profile.id, "metadata": metadata, "subscription_data": {"metadata": metadata},
            "line_items": [{"quantity": 1, "price_data": {
                "currency": price.currency.lower(), "unit_amount": price.amount,
                "recurring": {"interval": price.interval.period, "interval_count": price.interval.count},
                "product_data": {"name": audience.key}}}],
        }
        if profile.email:
            params["customer_email"] = profile.email
        window = now() // CHECKOUT_REUSE_SECONDS
        return self.payments.checkout_subscription(secrets["secret_key"], params,
                                                   f"{audience.id}:{profile.id}:{price.id}:{window}")


class StripeEvents:
    """Signed Stripe events for one store -> subscription changes."""

    def __init__(self, integrations: IntegrationService, payments: StripePayments, audiences: AudienceRepository,
                 profiles: ProfileRepository) -> None:
        self.integrations = integrations
        self.payments = payments
        self.audiences = audiences
        self.profiles = profiles

    def receive(self, store_id: str, payload: str, signature: str | None) -> str:
        """What the event did: applied, unchanged, ignored or stale."""
        secrets = self.integrations.stripe_credentials(store_id)
        if not secrets.get("webhook_secret"):
            raise Conflict("The store's Stripe integration has no webhook_secret to check events with",
                           "PAYMENT.NOT_CONFIGURED")
        event = self.payments.verified_event(payload, signature, secrets["webhook_secret"])
        kind, found = str(event.get("type")), event.get("data", {}).get("object") or {}
        if kind == "checkout.session.completed":
            if found.get("mode") != "subscription" or not found.get("subscription"):
                return "ignored"
            subscription = self.payments.subscription(secrets["secret_key"], str(found["subscription"]))
            return self._apply(store_id, found.get("metadata") or {}, subscription, int(event["created"]))
        if kind in ("customer.subscription.created", "customer.subscription.updated",
                    "customer.subscription.deleted"):
            return self._apply(store_id, found.get("metadata") or {}, found, int(event["created"]),
                               deleted=kind.endswith(".deleted"))
        return "ignored"

    def _apply(self, store_id: str, metadata: dict[str, Any], stripe_sub: dict[str, Any], event_at: int,
               deleted: bool = False) -> str:
        if not metadata.get("audience_id") or not metadata.get("profile_id"):
            return "ignored"  # a subscription this platform did not start
        if metadata.get("store_id") != store_id:
            raise ValidationFailed.on("metadata.store_id", "the subscription belongs to another store")
        audience_key = self.audiences.item_key(store_id, str(metadata["audience_id"]))
        sub_key = self.audiences.subscription_key(str(metadata["audience_id"]), str(metadata["profile_id"]))
        profile_key = self.profiles.item_key(str(metadata["profile_id"]))
        found = self.audiences.load([audience_key, sub_key, profile_key])
        audience = self.audiences.from_item(found.get(audience_key))
        profile = self.profiles.from_item(found.get(profile_key))
        if audience is None or profile is None or profile.store_id != store_id:
            return "ignored"  # deleted since; nothing left to grant
        existing = self.audiences.subscription_from_item(found.get(sub_key))
        if existing is not None and existing.billing_event_at is not None and existing.billing_event_at > event_at:
            return "stale"
        status = membership_status(str(stripe_sub.get("status")), bool(stripe_sub.get("cancel_at_period_end")),
                                   deleted)
        at = now()
        base = existing if existing is not None and existing.status in SUBSCRIBED else None
        current = base or new_subscription(audience, profile, status, "signup", at, existing)
        price_id = metadata.get("price_id") or current.price_id
        updated = current.model_copy(update={
            "status": status, "price_id": price_id, "currency": _currency(audience, price_id) or current.currency,
            "external_customer_id": stripe_sub.get("customer") or current.external_customer_id,
            "external_subscription_id": stripe_sub.get("id"), "current_period_end": period_end(stripe_sub),
            "billing_event_at": event_at, "email": profile.email, "updated_at": at,
            "revision": (existing.revision + 1) if existing is not None else current.revision})
        if existing is not None and updated.model_dump(exclude={"updated_at", "revision"}) == \
                existing.model_dump(exclude={"updated_at", "revision"}):
            return "unchanged"
        became_active = status == "active" and (existing is None or existing.status not in SUBSCRIBED)
        self.audiences.save_subscription(updated, existing, [subscriber_added(audience, updated)] if became_active
                                         else [])
        return "applied"


def _currency(audience: Audience, price_id: str | None) -> str | None:
    kind = audience.type
    prices = kind.prices if isinstance(kind, PaidAudience) else []
    return next((p.currency for p in prices if p.id == price_id), None)
