"""The orders checkout writes, in the arky client's shapes (src/types/index.ts).

Apart from the carts and quotes (commerce.py): a function that serves carts defines these only when it checks one
out.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from storecrm.commerce.models.commerce import LineSnapshot, OrderPayment, ServiceLineSnapshot
from storecrm.kernel.base_model import Model
from storecrm.kernel.models.addresses import Address
from storecrm.kernel.models.base import Entity

OrderStatus = Literal["pending", "partially_confirmed", "confirmed", "partially_cancelled", "cancelled"]
CancellationReason = Literal["admin_rejected", "profile_cancelled", "payment_failed", "expired", "other"]
# How much of an order (or of a product line) has left in shipments (storecrm.commerce.fulfilment).
FulfillmentStatus = Literal["unfulfilled", "partially_shipped", "shipped"]


class PendingStatus(Model):
    status: Literal["pending"] = "pending"
    expires_at: int


class ConfirmedStatus(Model):
    status: Literal["confirmed"] = "confirmed"


class CancelledStatus(Model):
    status: Literal["cancelled"] = "cancelled"
    reason: CancellationReason


ItemStatus = Annotated[PendingStatus | ConfirmedStatus | CancelledStatus, Field(discriminator="status")]


class OrderItem(Model):
    type: Literal["product"] = "product"
    id: str
    product_id: str
    variant_id: str
    quantity: int
    location_id: str | None = None
    snapshot: LineSnapshot
    status: ItemStatus
    fulfillment_status: FulfillmentStatus = "unfulfilled"


class ServiceOrderItem(Model):
    """A booked service line of an order (the client's ServiceLineItem), with the reminder offsets its provider
    had when it was booked."""

    model_config = ConfigDict(defer_build=True, serialize_by_alias=True, validate_by_name=True,
                              validate_by_alias=True)
    type: Literal["service"] = "service"
    id: str
    service_id: str
    provider_id: str
    from_: int = Field(alias="from")
    to: int
    forms: list[dict[str, Any]] = Field(default_factory=list)
    snapshot: ServiceLineSnapshot
    status: ItemStatus
    reminders: list[int] = Field(default_factory=list)


OrderLine = Annotated[OrderItem | ServiceOrderItem, Field(discriminator="type")]


class HistoryEntry(Model):
    action: str
    reason: str | None = None
    timestamp: int


class StripeState(Model):
    """The PaymentIntent's state as the last Stripe event applied said it, and that event's time: an older
    event, or one after `succeeded` (final), changes nothing."""

    intent_status: str
    event_at: int


class Order(Entity):
    id: str
    number: str
    store_id: str
    source_cart_id: str
    profile_id: str
    # The profile session that checked it out: the only storefront caller that reads it (none for staff orders).
    session_id: str | None = None
    # The profile's email when it was placed (or the billing/shipping address's), for staff finds by email.
    email: str | None = None
    status: OrderStatus = "pending"
    fulfillment_status: FulfillmentStatus = "unfulfilled"
    verified: bool
    items: list[OrderLine]
    payment: OrderPayment
    shipping_address: Address | None = None
    billing_address: Address | None = None
    forms: list[dict[str, Any]] = Field(default_factory=list)
    shipments: list[dict[str, Any]] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)
    audience_id: str | None = None
    fired_reminders: list[int] = Field(default_factory=list)
    stripe: StripeState | None = None
    revision: int = 1
    created_at: int
    updated_at: int

    @property
    def product_items(self) -> list[OrderItem]:
        return [item for item in self.items if isinstance(item, OrderItem)]

    @property
    def booked_items(self) -> list[ServiceOrderItem]:
        """The service lines that hold their time (not cancelled)."""
        return [item for item in self.items if isinstance(item, ServiceOrderItem)
                and not isinstance(item.status, CancelledStatus)]

    def shipped(self) -> dict[str, int]:
        """The units of each line (by id) that have left in shipments (storecrm.commerce.fulfilment)."""
        counts: dict[str, int] = {}
        for shipment in self.shipments:
            for line in shipment.get("lines", []):
                counts[line["order_item_id"]] = counts.get(line["order_item_id"], 0) + int(line["quantity"])
        return counts

    @property
    def refunded(self) -> int:
        return sum(r.total for r in self.payment.refunds if r.status not in ("failed", "canceled"))

    @property
    def hold_until(self) -> int | None:
        """When an unpaid card order's stock goes back on sale (None: nothing is held for a payment)."""
        if self.status != "pending" or self.payment.method_type != "credit_card" or self.payment.paid:
            return None
        ends = [i.status.expires_at for i in self.items if isinstance(i.status, PendingStatus)]
        return min(ends) if ends else None
