"""An order's money after checkout: Stripe's PaymentIntent and charge events, and refunds.

Events (the store's signed Stripe webhook, dispatched from memberships.StripeEvents): `payment_intent.succeeded`
records the amount received and confirms the order (its stock stays sold); `payment_intent.payment_failed`
records the failure (the shopper may retry until the payment hold ends); `charge.refunded` records refunds made
outside this API (Stripe's dashboard) by their Stripe id. Stripe sends events more than once and in any order:
the order keeps the intent's last applied state and that event's time (`Order.stripe`), so an event older than
it, or any intent event after `succeeded` (final), changes nothing, and refunds merge by their Stripe id.

Refunds (`POST .../orders/{id}/refund`, the seed's `POST .../refund`): partial or full, never more than paid
minus refunded (409); a card order's refund goes through Stripe Refunds with an idempotency key of the order's
revision and the amount (a retried request after a lost answer replays the same refund); a cash order records a
manual one. Each is recorded in `payment.refunds` with `order.updated` in the same write.

Every Stripe call about an order uses the integration recorded on it (`payment.provider.integration_id`, the one
that made its PaymentIntent), not whichever is active now; orders from before it was recorded use the active one.
When an unpaid order's hold ends, `end_hold` cancels its intent before the scheduler releases it; a payment that
succeeds on a cancelled order anyway is refunded at once (`_refunded_on_cancelled`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from pydantic import Field

from storecrm import metrics
from storecrm.clock import new_id, now
from storecrm.commerce.models.commerce import OrderRefund, RefundStatus
from storecrm.commerce.models.orders import HistoryEntry, Order, StripeState
from storecrm.commerce.order_events import order_event
from storecrm.commerce.orders import ORDER_NOT_FOUND, OrderService, confirmed
from storecrm.identity.auth import Principal
from storecrm.kernel.errors import Conflict, FieldError, ValidationFailed
from storecrm.kernel.fields import Command, WholeNumber

if TYPE_CHECKING:
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.kernel.gateways.stripe_payments import StripePayments

# Writes a refund tries when a Stripe event changes the order between its read and its write.
REFUND_TRIES = 3
REFUND_STATUSES = ("pending", "succeeded", "failed", "canceled", "requires_action")

# (store id, integration id or None for the active one) -> (the integration's id, its Stripe secret key).
StripeAccount = Callable[[str, str | None], tuple[str, str]]


class RefundRequest(Command):
    amount: WholeNumber = Field(ge=1, le=10**11, description="Minor units (cents)")


class StoreRefundRequest(RefundRequest):
    """The seed's `processRefund`: the order is the `entity`."""

    entity: str = Field(min_length=1, max_length=64, description="The order id")


def _refund_status(value: Any) -> RefundStatus:
    return cast(RefundStatus, value) if value in REFUND_STATUSES else "pending"


def _check_left(order: Order, amount: int) -> None:
    left = order.payment.paid - order.refunded
    if amount > left:
        error = Conflict(f"Only {left} of the order's payment is left to refund", "ORDER.REFUND_TOO_LARGE")
        error.field_errors = [FieldError("amount", f"at most {left}")]
        raise error


def _with_refunds(order: Order, found: list[dict[str, Any]], at: int) -> Order:
    """The order with Stripe's refunds merged in by their Stripe id (new ones added, known ones' status
    updated)."""
    refunds = list(order.payment.refunds)
    for refund in found:
        provider_id = str(refund.get("id"))
        known = next((n for n, r in enumerate(refunds) if r.provider_refund_id == provider_id), None)
        status = _refund_status(refund.get("status"))
        if known is None:
            refunds.append(OrderRefund(id=new_id(), total=int(refund.get("amount") or 0),
                                       provider_refund_id=provider_id, status=status,
                                       created_at=int(refund.get("created") or at)))
        elif refunds[known].status != status:
            refunds[known] = refunds[known].model_copy(update={"status": status})
    return order.model_copy(update={"payment": order.payment.model_copy(update={"refunds": refunds})})


class OrderPayments:
    def __init__(self, orders: OrderRepository, order_service: OrderService, stripe_account: StripeAccount,
                 payments: Callable[[], StripePayments]) -> None:
        self.orders = orders
        self.order_service = order_service
        self.stripe_account = stripe_account
        self.payments = payments

    # ------------------------------------------------------------------ refunds
    def refund(self, principal: Principal, store_id: str, order_id: str, amount: int) -> Order:
        """The order with the access check (one read), Stripe's refund for a card order, then one write."""
        order = self.order_service.get(principal, store_id, order_id)
        _check_left(order, amount)
        at = now()
        provider = order.payment.provider
        intent_id = provider.payment_intent_id if provider else None
        if order.payment.method_type == "credit_card" and provider and intent_id:
            # The account that took the payment; orders from before it was recorded use the active one.
            _, secret_key = self.stripe_account(store_id, provider.integration_id)
            made = self.payments().refund(secret_key, {
                "payment_intent": intent_id, "amount": amount,
                "metadata": {"store_id": store_id, "order_id": order.id}}, f"{order.id}:r{order.revision}:{amount}")
            refund = OrderRefund(id=new_id(), total=amount, provider_refund_id=str(made["id"]),
                                 status=_refund_status(made.get("status")), created_at=at)
        else:
            refund = OrderRefund(id=new_id(), total=amount, status="succeeded", created_at=at)
        return self._record_refund(order, refund)

    def _record_refund(self, order: Order, refund: OrderRefund) -> Order:
        """Writes the refund; a Stripe event that changed the order meanwhile (perhaps recording this very
        refund from `charge.refunded`) makes it read the order again and merge by the Stripe id."""
        for attempt in range(REFUND_TRIES):
            if refund.provider_refund_id and any(r.provider_refund_id == refund.provider_refund_id
                                                 for r in order.payment.refunds):
                return order
            if refund.provider_refund_id is None and attempt:
                _check_left(order, refund.total)  # another manual refund may have come in between
            at = now()
            saved = order.model_copy(update={
                "payment": order.payment.model_copy(update={"refunds": [*order.payment.refunds, refund]}),
                "history": [*order.history, HistoryEntry(action="refunded", reason=str(refund.total), timestamp=at)],
                "revision": order.revision + 1, "updated_at": at})
            saved, returned = self.order_service.promo_returned(order, saved, at)
            try:
                self.orders.transact([*self.orders.save_writes(saved, order, [order_event("order.updated", saved,
                                                                                          "refunded")]), *returned])
                return saved
            except Conflict:
                if attempt == REFUND_TRIES - 1:
                    raise
                again = self.orders.get(order.store_id, order.id)
                if again is None:
                    raise ORDER_NOT_FOUND from None
                order = again
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ the end of a payment hold
    def end_hold(self, order: Order) -> bool:
        """Before the scheduler releases an unpaid order whose hold ended: its PaymentIntent is cancelled at Stripe
        (True: nothing can pay it any more). False leaves the order to its payment: Stripe took it first (recorded
        here at once, as its event would: the order is confirmed and leaves the due holds) or is still processing
        it. A store whose integration is gone, whose key Stripe refuses, or whose account does not know the intent
        has nothing to cancel: True (a payment that still arrives is refunded when its event comes). Stripe
        unreachable raises Unavailable: the next run tries again."""
        provider = order.payment.provider
        if order.payment.method_type != "credit_card" or provider is None or not provider.payment_intent_id:
            return True
        try:
            integration_id, secret_key = self.stripe_account(order.store_id, provider.integration_id)
            intent = self.payments().cancel_payment_intent(secret_key, provider.payment_intent_id)
        except (Conflict, ValidationFailed):
            return True
        if intent.get("status") == "canceled":
            return True
        if intent.get("status") == "succeeded":
            self.apply(order.store_id, "payment_intent.succeeded", intent, now(), integration_id, secret_key)
        return False

    # ------------------------------------------------------------------ Stripe events
    def apply(self, store_id: str, kind: str, found: dict[str, Any], event_at: int, integration_id: str,
              secret_key: str) -> metrics.StripeOutcome:
        """One of ORDER_PAYMENT_EVENTS about `found` (a PaymentIntent or a charge), signed by the account of the
        store's integration `integration_id`: applied, unchanged, stale or ignored (not an order of this
        platform, or one deleted since)."""
        metadata = found.get("metadata") or {}
        if not metadata.get("order_id"):
            return "ignored"
        if metadata.get("store_id") != store_id:
            raise ValidationFailed.on("metadata.store_id", "the payment belongs to another store")
        order = self.orders.get(store_id, str(metadata["order_id"]))
        if order is None:
            return "ignored"
        taken_by = order.payment.provider.integration_id if order.payment.provider else None
        if taken_by is not None and taken_by != integration_id:
            raise ValidationFailed.on("metadata.integration_id", "the order was paid through another Stripe account")
        at = now()
        if kind == "charge.refunded":
            refunds = (found.get("refunds") or {}).get("data")
            if refunds is None and int(found.get("amount_refunded") or 0) > order.refunded:
                # Newer Stripe API versions leave the refund list off the charge: ask for it.
                refunds = self.payments().refunds(secret_key, str(found.get("payment_intent")))
            changed = _with_refunds(order, refunds or [], at)
            reason = "refunded"
        else:
            state, succeeded = order.stripe, kind == "payment_intent.succeeded"
            if state is not None:
                if state.intent_status == "succeeded":
                    return "unchanged" if succeeded else "stale"
                if event_at < state.event_at:
                    return "stale"
                if event_at == state.event_at and not succeeded:
                    return "unchanged"  # this failure again (Stripe resends events)
            changed, reason = self._intent_applied(order, kind, found, event_at, at)
            if succeeded and order.status == "cancelled":
                changed, reason = self._refunded_on_cancelled(changed, found, secret_key, at), "payment_refunded"
        if changed == order:
            return "unchanged"
        saved = changed.model_copy(update={"revision": order.revision + 1, "updated_at": at})
        saved, returned = self.order_service.promo_returned(order, saved, at)
        self.orders.transact([*self.orders.save_writes(saved, order, [order_event("order.updated", saved, reason)]),
                              *returned])
        return "applied"

    def _refunded_on_cancelled(self, order: Order, intent: dict[str, Any], secret_key: str, at: int) -> Order:
        """A payment that succeeded on a cancelled order is refunded at once (what is left of it), never kept: the
        Stripe Refund first, with a key of the order and intent so that the event retried after a failed write
        replays it, then recorded with the payment in the same write. Stripe unreachable fails the event, which
        Stripe sends again later."""
        left = order.payment.paid - order.refunded
        if left <= 0:
            return order
        intent_id = str(intent.get("id"))
        made = self.payments().refund(secret_key, {
            "payment_intent": intent_id, "amount": left, "reason": "requested_by_customer",
            "metadata": {"store_id": order.store_id, "order_id": order.id}}, f"{order.id}:cancelled:{intent_id}")
        refund = OrderRefund(id=new_id(), total=left, provider_refund_id=str(made["id"]),
                             status=_refund_status(made.get("status")), created_at=at)
        entry = HistoryEntry(action="refunded", reason=f"{left}: paid after the order was cancelled", timestamp=at)
        return order.model_copy(update={
            "payment": order.payment.model_copy(update={"refunds": [*order.payment.refunds, refund]}),
            "history": [*order.history, entry]})

    @staticmethod
    def _intent_applied(order: Order, kind: str, intent: dict[str, Any], event_at: int,
                        at: int) -> tuple[Order, str]:
        status = str(intent.get("status") or "")
        if kind == "payment_intent.succeeded":
            paid = int(intent.get("amount_received") or intent.get("amount") or 0)
            changed = order.model_copy(update={"payment": order.payment.model_copy(update={"paid": paid}),
                                               "stripe": StripeState(intent_status="succeeded", event_at=event_at)})
            if order.status == "cancelled":
                # Paid after staff cancelled it (or after its hold ended, where Stripe could not cancel the intent):
                # the stock is gone, so `_refunded_on_cancelled` gives the money back.
                note = HistoryEntry(action="paid", reason="paid after the order was cancelled", timestamp=at)
                return changed.model_copy(update={"history": [*order.history, note]}), "payment_succeeded"
            changed = confirmed(changed)
            return changed.model_copy(update={"history": [*order.history, HistoryEntry(action="paid", timestamp=at),
                                                          HistoryEntry(action="confirmed", timestamp=at)]}), \
                "payment_succeeded"
        error = (intent.get("last_payment_error") or {}).get("message")
        failure = HistoryEntry(action="payment_failed", reason=str(error) if error else None, timestamp=at)
        return order.model_copy(update={"history": [*order.history, failure], "stripe": StripeState(
            intent_status=status or "requires_payment_method", event_at=event_at)}), "payment_failed"
