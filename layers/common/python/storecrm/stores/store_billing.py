"""Store billing: stores pay the platform operator for a plan through the operator's Stripe account.

Subscribing opens a Checkout session in subscription mode for the plan's Stripe Price, on the store's
Stripe customer (created on the first subscribe and kept on the store, so every later checkout and
the billing portal see one customer). The operator's signed Stripe events then keep
`store.subscription` in step: a completed checkout and `customer.subscription.*` set the plan, status,
paid-up-to time and scheduled cancellation. Applying an event is idempotent (the same state is not
written again) and an event older than the last one applied is ignored, since Stripe does not promise
order; each change writes a `store.updated` outbox event in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from storecrm.clock import now
from storecrm.identity.auth import Principal
from storecrm.kernel.errors import Conflict, DomainError, ValidationFailed
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.stripe_subscriptions import CHECKOUT_REUSE_SECONDS, membership_status, period_end
from storecrm.metrics import StripeOutcome
from storecrm.stores.access import StoreGuard
from storecrm.stores.link_origins import redirect_target
from storecrm.stores.models.billing import PortalRequest, Subscribe
from storecrm.stores.models.stores import Store, StoreSubscription
from storecrm.stores.permissions import Action
from storecrm.stores.plans import plan_named, plan_selling

if TYPE_CHECKING:
    from storecrm.kernel.gateways.stripe_payments import StripePayments
    from storecrm.stores.repositories.stores import StoreRepository

# The operator's keys: {"secret_key", "webhook_secret"}, read when a call needs them.
PlatformKeys = Callable[[], dict[str, str]]
SUBSCRIPTION_EVENTS = ("customer.subscription.created", "customer.subscription.updated",
                       "customer.subscription.deleted")
LIVE = ("active", "cancellation_scheduled")


def subscription_event(store: Store) -> OutboxEvent:
    assert store.subscription is not None
    public = store.subscription.model_dump(exclude={"stripe_subscription_id", "start_date"})
    return OutboxEvent.new("store.updated", store.id, {"store_id": store.id, "change": "subscription",
                                                       "subscription": public})


def _start_date(stripe_sub: dict[str, Any], current: StoreSubscription | None, event_at: int) -> int:
    """Stripe's start of the subscription; without one, the start already kept for it, else this event's time."""
    if stripe_sub.get("start_date"):
        return int(stripe_sub["start_date"])
    if current is not None and current.start_date and current.stripe_subscription_id == stripe_sub.get("id"):
        return current.start_date
    return event_at


class StoreBilling:
    def __init__(self, stores: StoreRepository, guard: StoreGuard, keys: PlatformKeys,
                 payments: Callable[[], StripePayments]) -> None:
        self.stores = stores
        self.guard = guard
        self.keys = keys
        self.payments = payments  # built on first use: stripe loads only for billing calls

    def subscribe(self, principal: Principal, store_id: str, order: Subscribe) -> str:
        """The Checkout URL to pay for `order.plan_id`."""
        store = self.guard.enter(principal, store_id, Action.MANAGE_BILLING).store
        plan = plan_named(order.plan_id)
        if plan is None:
            raise ValidationFailed.on("plan_id", "is not a plan of this platform (see GET /v1/stores/plans)")
        if not plan.provider_price_id:
            raise Conflict(f"The plan '{plan.id}' has no Stripe price to subscribe to", "BILLING.PLAN_NOT_FOR_SALE")
        if store.subscription is not None and store.subscription.status in LIVE:
            # A second Checkout would start a second subscription, billed beside the first.
            raise Conflict("The store already pays for a plan; change or cancel it in the billing portal",
                           "BILLING.ALREADY_SUBSCRIBED")
        secret_key = self._keys()["secret_key"]
        # Stripe sends the payer back to these: only to the store's own origins.
        success_url = redirect_target(store, order.success_url, "success_url")
        cancel_url = redirect_target(store, order.cancel_url, "cancel_url")
        customer = self._customer(store, secret_key)
        metadata = {"store_id": store.id, "plan_id": plan.id}
        subscription_data: dict[str, Any] = {"metadata": metadata}
        if plan.trial_period_days and store.subscription is None:  # one trial per store, on its first plan
            subscription_data["trial_period_days"] = plan.trial_period_days
        params = {"mode": "subscription", "customer": customer, "client_reference_id": store.id,
                  "line_items": [{"price": plan.provider_price_id, "quantity": 1}],
                  "success_url": success_url, "cancel_url": cancel_url, "metadata": metadata,
                  "subscription_data": subscription_data}
        # Retries of the same request within the window reuse one session; other URLs are another request.
        urls = hashlib.sha256(f"{success_url}\n{cancel_url}".encode()).hexdigest()[:16]
        window = now() // CHECKOUT_REUSE_SECONDS
        return self.payments().checkout(secret_key, params, f"store-plan:{store.id}:{plan.id}:{urls}:{window}")

    def portal(self, principal: Principal, store_id: str, request: PortalRequest) -> str:
        """The Billing Portal URL where the store's owner changes card, plan or cancels."""
        store = self.guard.enter(principal, store_id, Action.MANAGE_BILLING).store
        if store.stripe_customer_id is None:
            raise Conflict("The store has no billing account yet; subscribe to a plan first", "BILLING.NO_CUSTOMER")
        secret_key = self._keys()["secret_key"]
        return_url = redirect_target(store, request.return_url, "return_url")
        return self.payments().portal(secret_key, {"customer": store.stripe_customer_id, "return_url": return_url})

    def end_subscription(self, store: Store) -> None:
        """Before a store is deleted: its plan's subscription is cancelled on the operator's Stripe account at
        once, so a deleted store is never charged again. Any failure (billing not configured, Stripe refusing or
        unreachable) is a 409 that leaves the store as it was; deleting can be tried again, or the plan cancelled
        in the billing portal first. A store that never subscribed, or whose subscription ended, asks nothing."""
        subscription = store.subscription
        if subscription is None or not subscription.stripe_subscription_id or subscription.status == "cancelled":
            return
        try:
            self.payments().cancel_subscription(self._keys()["secret_key"], subscription.stripe_subscription_id)
        except DomainError as error:
            if error.status == 409:
                raise
            raise Conflict(f"The store's plan could not be cancelled at Stripe ({error.message}); try again, or "
                           "cancel it in the billing portal first", "BILLING.CANCEL_FAILED") from None

    def receive(self, payload: str, signature: str | None) -> StripeOutcome:
        """One signed event of the operator's Stripe account: applied, unchanged, ignored or stale."""
        webhook_secret = self._keys().get("webhook_secret")
        if not webhook_secret:
            raise Conflict("The platform's Stripe secret has no webhook_secret to check events with",
                           "BILLING.NOT_CONFIGURED")
        event = self.payments().verified_event(payload, signature, webhook_secret)
        kind, found = str(event.get("type")), event.get("data", {}).get("object") or {}
        at = int(event["created"])
        if kind == "checkout.session.completed":
            if found.get("mode") != "subscription" or not found.get("subscription"):
                return "ignored"
            # The session only names the subscription; its state is read as Stripe has it now.
            stripe_sub = self.payments().subscription(self._keys()["secret_key"], str(found["subscription"]))
            return self._apply(found.get("metadata") or {}, stripe_sub, at, deleted=False)
        if kind in SUBSCRIPTION_EVENTS:
            return self._apply(found.get("metadata") or {}, found, at, deleted=kind.endswith(".deleted"))
        return "ignored"

    def _apply(self, metadata: dict[str, Any], stripe_sub: dict[str, Any], event_at: int,
               deleted: bool) -> StripeOutcome:
        store = self.stores.get(str(metadata["store_id"])) if metadata.get("store_id") else None
        if store is None or (store.stripe_customer_id and store.stripe_customer_id != stripe_sub.get("customer")):
            return "ignored"  # not a store's plan (or the store is gone)
        if store.billing_event_at is not None and store.billing_event_at > event_at:
            return "stale"
        plan = next((p for item in (stripe_sub.get("items") or {}).get("data") or []
                     if (p := plan_selling(str((item.get("price") or {}).get("id")))) is not None), None)
        plan_id = plan.id if plan is not None else metadata.get("plan_id")
        if not plan_id:
            return "ignored"
        subscription = StoreSubscription(
            plan_id=str(plan_id),
            status=membership_status(str(stripe_sub.get("status")), bool(stripe_sub.get("cancel_at_period_end")),
                                     deleted),
            current_period_end=period_end(stripe_sub),
            cancel_at_period_end=bool(stripe_sub.get("cancel_at_period_end")),
            stripe_subscription_id=stripe_sub.get("id"),
            start_date=_start_date(stripe_sub, store.subscription, event_at))
        current = store.subscription
        if current is not None and current.stripe_subscription_id not in (None, subscription.stripe_subscription_id) \
                and current.status in LIVE and subscription.status not in LIVE:
            return "ignored"  # the end of a subscription the store has since replaced with another
        if subscription == store.subscription:
            return "unchanged"
        updated = store.model_copy(update={"subscription": subscription, "billing_event_at": event_at,
                                           "updated_at": now()})
        self.stores.save_subscription(updated, [subscription_event(updated)])
        return "applied"

    def _keys(self) -> dict[str, str]:
        found = self.keys()
        if not found.get("secret_key"):
            raise Conflict("The platform's Stripe secret has no secret_key", "BILLING.NOT_CONFIGURED")
        return found

    def _customer(self, store: Store, secret_key: str) -> str:
        """The store's Stripe customer, created on first use; Stripe's idempotency key makes a retried
        first subscribe find the same customer, and the store keeps whichever was recorded first."""
        if store.stripe_customer_id:
            return store.stripe_customer_id
        params = {"email": store.emails.billing, "name": store.key, "metadata": {"store_id": store.id}}
        created = self.payments().customer(secret_key, {k: v for k, v in params.items() if v},
                                           f"store-customer:{store.id}")
        return self.stores.keep_stripe_customer(store.id, created)
