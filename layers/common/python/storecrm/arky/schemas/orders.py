"""Orders as the arky-style API answers them."""

from __future__ import annotations

from typing import Any

from storecrm.arky.schemas.common import Out
from storecrm.commerce.models.commerce import OrderPayment
from storecrm.commerce.models.orders import FulfillmentStatus, HistoryEntry, Order, OrderLine, OrderStatus
from storecrm.commerce.models.shipments import Shipment
from storecrm.commerce.order_events import order_data
from storecrm.kernel.models.addresses import Address


class OrderOut(Out):
    """The client's Order, plus `email` (what staff find it by), `revision` (what an update may send back) and
    `fulfillment_status` (how much of it has shipped; `shipments` say what)."""

    id: str
    number: str
    store_id: str
    source_cart_id: str
    profile_id: str
    email: str | None
    status: OrderStatus
    fulfillment_status: FulfillmentStatus
    verified: bool
    items: list[OrderLine]
    payment: OrderPayment
    shipping_address: Address | None
    billing_address: Address | None
    forms: list[dict[str, Any]]
    shipments: list[Shipment]
    history: list[HistoryEntry]
    audience_id: str | None
    fired_reminders: list[int]
    revision: int
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        return cls.model_validate(order_data(order))
