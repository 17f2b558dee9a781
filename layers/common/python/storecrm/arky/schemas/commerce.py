"""Carts, quotes and checkout results as the arky-style API answers them."""

from __future__ import annotations

from typing import Any

from storecrm.arky.schemas.common import Out
from storecrm.domain.models.commerce import (
    Address,
    Cart,
    CartLine,
    CartOrigin,
    CartStatus,
    HistoryEntry,
    Order,
    OrderLine,
    OrderPayment,
    OrderStatus,
)
from storecrm.domain.order_events import order_data


class CartOut(Out):
    id: str
    store_id: str
    profile_id: str
    token: str
    status: CartStatus
    origin: CartOrigin
    created_by_account_id: str | None
    market: str
    items: list[CartLine]
    shipping_address: Address | None
    billing_address: Address | None
    forms: list[dict[str, Any]]
    promo_code: str | None
    payment_method_id: str | None
    shipping_method_id: str | None
    quote_snapshot: dict[str, Any] | None
    converted_order_id: str | None
    item_count: int
    last_activity_at: int
    abandoned_at: int | None
    recovery_sent_at: int | None
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, cart: Cart) -> CartOut:
        return cls.model_validate({**cart.model_dump(exclude={"session_id", "currency", "revision"}),
                                   "item_count": cart.item_count})


class CheckoutOut(Out):
    """The client's OrderCheckoutResult: `client_secret` confirms a card payment (null for cash)."""

    order_id: str
    number: str
    client_secret: str | None
    payment: OrderPayment


class OrderOut(Out):
    """The client's Order, plus `email` (what staff find it by) and `revision` (what an update may send back)."""

    id: str
    number: str
    store_id: str
    source_cart_id: str
    profile_id: str
    email: str | None
    status: OrderStatus
    verified: bool
    items: list[OrderLine]
    payment: OrderPayment
    shipping_address: Address | None
    billing_address: Address | None
    forms: list[dict[str, Any]]
    shipments: list[dict[str, Any]]
    history: list[HistoryEntry]
    audience_id: str | None
    fired_reminders: list[int]
    revision: int
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        return cls.model_validate(order_data(order))
