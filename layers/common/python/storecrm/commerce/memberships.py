"""Paid audience memberships through the store's own Stripe account (and the dispatch of a store's Stripe
events: those about orders go to commerce.payments).

Subscribing opens a Stripe Checkout session whose metadata names the store, audience, profile,
price and the subscribing session (which the subscription records, see profile_sessions.sees_record):
subscription mode for a recurring price, payment mode for a price without an interval (a one-time
purchase). Stripe's signed events then drive the subscription: completed checkout and
`customer.subscription.*` set its status and paid-up-to time; a paid one-time purchase is active
with no end (a delayed payment method counts once `checkout.session.async_payment_succeeded` says
it cleared). Applying an event is idempotent (the same state is written again, and the subscriber
event only fires on the change to active), and events older than the last one applied are ignored,
since Stripe does not promise order.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from storecrm import metrics
from storecrm.clock import now
from storecrm.commerce.order_events import ORDER_PAYMENT_EVENTS
from storecrm.kernel.errors import Conflict, DomainError, ValidationFailed
from storecrm.kernel.stripe_subscriptions import (
    CHECKOUT_REUSE_SECONDS,
    SubscriptionStatus,
    membership_status,
    period_end,
)
from storecrm.messaging.models.audiences import Audience, AudiencePrice, PaidAudience
from storecrm.messaging.subscriptions import SUBSCRIBED, new_subscription, subscriber_added
from storecrm.profiles.models.profiles import Profile

if TYPE_CHECKING:
    from storecrm.commerce.payments import OrderPayments
    from storecrm.integrations.integrations import IntegrationService
    from storecrm.kernel.gateways.stripe_payments import StripePayments
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository

class StripeCheckout:
    """The CheckoutPort for paid audiences."""

    def __init__(self, integrations: IntegrationService, payments: StripePayments) -> None:
        self.integrations = integrations
        self.payments = payments

    def start_checkout(self, store_id: str, audience: Audience, price: AudiencePrice, profile: Profile,
                       session_id: str, success_url: str | None, cancel_url: str | None) -> str:
        if success_url is None:
            raise ValidationFailed.on("success_url", "is required for a paid audience")
        kind = audience.type
        assert isinstance(kind, PaidAudience)
        integration_id, secrets = self.integrations.stripe_account(store_id, kind.payment_integration_id)
        # The integration goes into the metadata Stripe copies onto the subscription or payment, so the events
        # about it are checked with (and recorded as paid through) that account, whichever is active then.
        metadata = {"store_id": store_id, "audience_id": audience.id, "profile_id": profile.id, "price_id": price.id,
                    "session_id": session_id, "integration_id": integration_id}
        price_data: dict[str, Any] = {"currency": price.currency.lower(), "unit_amount": price.amount,
                                      "product_data": {"name": audience.key}}
        params: dict[str, Any] = {
            "success_url": success_url, "cancel_url": cancel_url or success_url, "client_reference_id": profile.id,
            "metadata": metadata, "line_items": [{"quantity": 1, "price_data": price_data}],
        }
        if price.interval is None:
            # A one-time purchase. Stripe keeps a payment-mode buyer as a guest unless asked to make a
            # customer, and the subscription names the customer the store sees in its dashboard.
            params.update(mode="payment", customer_creation="always", payment_intent_data={"metadata": metadata})
        else:
            price_data["recurring"] = {"interval": price.interval.period, "interval_count": price.interval.count}
            params.update(mode="subscription", subscription_data={"metadata": metadata})
        if profile.email:
            params["customer_email"] = profile.email
        window = now() // CHECKOUT_REUSE_SECONDS
        # Per session: two sessions of one profile start two checkouts, each recorded as its own.
        return self.payments.checkout(secrets["secret_key"], params, f"{audience.id}:{session_id}:{price.id}:{window}")


class StripeEvents:
    """Signed Stripe events for one store -> subscription changes."""

    def __init__(self, integrations: IntegrationService, payments: StripePayments, audiences: AudienceRepository,
                 profiles: ProfileRepository, orders: OrderPayments) -> None:
        self.integrations = integrations
        self.payments = payments
        self.audiences = audiences
        self.profiles = profiles
        self.orders = orders

    def receive(self, store_id: str, payload: str, signature: str | None) -> metrics.StripeOutcome:
        """What the event did: applied, unchanged, ignored or stale."""
        try:
            outcome = self._receive(store_id, payload, signature)
        except DomainError as refused:
            if refused.status < 500:  # not for us to apply; a 5xx is ours and Stripe retries it
                metrics.count(metrics.STRIPE_EVENTS, outcome="rejected")
            raise
        metrics.count(metrics.STRIPE_EVENTS, outcome=outcome)
        return outcome

    def _receive(self, store_id: str, payload: str, signature: str | None) -> metrics.StripeOutcome:
        integration_id, secrets = self._signer(store_id, _named_integration(payload))
        if not secrets.get("webhook_secret"):
            raise Conflict("The store's Stripe integration has no webhook_secret to check events with",
                           "PAYMENT.NOT_CONFIGURED")
        event = self.payments.verified_event(payload, signature, secrets["webhook_secret"])
        kind, found = str(event.get("type")), event.get("data", {}).get("object") or {}
        at = int(event["created"])
        if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded") \
                and found.get("mode") == "payment":
            if found.get("payment_status") != "paid":
                return "ignored"  # a delayed payment method: wait for async_payment_succeeded
            return self._apply(store_id, found.get("metadata") or {}, at, integration_id, status="active",
                               paid_until=None, customer=found.get("customer"), subscription_id=None)
        if kind == "checkout.session.completed":
            if found.get("mode") != "subscription" or not found.get("subscription"):
                return "ignored"
            subscription = self.payments.subscription(secrets["secret_key"], str(found["subscription"]))
            return self._apply_subscription(store_id, found.get("metadata") or {}, subscription, at, integration_id)
        if kind in ("customer.subscription.created", "customer.subscription.updated",
                    "customer.subscription.deleted"):
            return self._apply_subscription(store_id, found.get("metadata") or {}, found, at, integration_id,
                                            deleted=kind.endswith(".deleted"))
        if kind in ORDER_PAYMENT_EVENTS:
            return self.orders.apply(store_id, kind, found, at, integration_id, secrets["secret_key"])
        return "ignored"

    def _signer(self, store_id: str, named: str | None) -> tuple[str, dict[str, str]]:
        """The integration whose signing secret checks the event: the one its object names, else (none named, or
        not one of this store's) the active payment integration."""
        if named is not None:
            try:
                return self.integrations.stripe_account(store_id, named)
            except Conflict:
                pass
        return self.integrations.stripe_account(store_id)

    def _apply_subscription(self, store_id: str, metadata: dict[str, Any], stripe_sub: dict[str, Any],
                            event_at: int, integration_id: str, deleted: bool = False) -> metrics.StripeOutcome:
        status = membership_status(str(stripe_sub.get("status")), bool(stripe_sub.get("cancel_at_period_end")),
                                   deleted)
        return self._apply(store_id, metadata, event_at, integration_id, status=status,
                           paid_until=period_end(stripe_sub), customer=stripe_sub.get("customer"),
                           subscription_id=stripe_sub.get("id"))

    def _apply(self, store_id: str, metadata: dict[str, Any], event_at: int, integration_id: str, *,
               status: SubscriptionStatus, paid_until: int | None, customer: str | None,
               subscription_id: str | None) -> metrics.StripeOutcome:
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
        if existing is not None and existing.status in SUBSCRIBED and existing.payment_integration_id not in (
                None, integration_id):
            return "ignored"  # another account's subscription ending or changing, not the one this pays through
        at = now()
        base = existing if existing is not None and existing.status in SUBSCRIBED else None
        current = base or new_subscription(audience, profile, status, "signup", at, existing,
                                           str(metadata["session_id"]) if metadata.get("session_id") else None)
        price_id = metadata.get("price_id") or current.price_id
        updated = current.model_copy(update={
            "status": status, "price_id": price_id, "currency": _currency(audience, price_id) or current.currency,
            "external_customer_id": customer or current.external_customer_id,
            "external_subscription_id": subscription_id, "current_period_end": paid_until,
            "payment_integration_id": integration_id,
            "billing_event_at": event_at, "email": profile.email, "updated_at": at,
            "revision": (existing.revision + 1) if existing is not None else current.revision})
        if existing is not None and updated.model_dump(exclude={"updated_at", "revision"}) == \
                existing.model_dump(exclude={"updated_at", "revision"}):
            return "unchanged"
        became_active = status == "active" and (existing is None or existing.status not in SUBSCRIBED)
        self.audiences.save_subscription(updated, existing, [subscriber_added(audience, updated)] if became_active
                                         else [])
        return "applied"


def _named_integration(payload: str) -> str | None:
    """The store integration the event's object names in its metadata (set by this platform on the checkouts and
    PaymentIntents it opens), read before the signature is checked only to pick whose signing secret checks it:
    the event then counts only if that account signed it. None (an older payment, or not this platform's): the
    store's active payment integration."""
    try:
        event = json.loads(payload)
        named = event["data"]["object"]["metadata"].get("integration_id")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return named if isinstance(named, str) and 0 < len(named) <= 64 else None


def _currency(audience: Audience, price_id: str | None) -> str | None:
    kind = audience.type
    prices = kind.prices if isinstance(kind, PaidAudience) else []
    return next((p.currency for p in prices if p.id == price_id), None)
