"""The order as webhooks see it: `order.created` when checkout writes it, `order.updated` (with the reason) on
every later change, always in the transaction of the change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storecrm.kernel.models.events import OutboxEvent

if TYPE_CHECKING:
    from storecrm.commerce.models.orders import Order

# The store's Stripe events about orders (memberships.StripeEvents hands them to payments.OrderPayments).
ORDER_PAYMENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")
# Fields the wire and the webhooks never show: who may read the order, and the Stripe bookkeeping.
HIDDEN = frozenset({"session_id", "stripe"})


def order_data(order: Order) -> dict[str, Any]:
    return order.model_dump(mode="json", exclude=set(HIDDEN))


def order_event(type_: str, order: Order, reason: str | None = None) -> OutboxEvent:
    return OutboxEvent.new(type_, order.store_id, {"order": order_data(order), **({"reason": reason} if reason
                                                                                   else {})})
