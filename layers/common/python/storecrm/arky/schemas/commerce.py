"""Carts and checkout results as the arky-style API answers them (orders in orders.py)."""

from __future__ import annotations

from typing import Any

from storecrm.arky.schemas.common import Out
from storecrm.commerce.models.commerce import Address, Cart, CartLine, CartOrigin, CartStatus, OrderPayment


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
