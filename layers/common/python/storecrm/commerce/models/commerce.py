"""Carts, their quotes and the payment a quote prices, in the arky client's shapes (src/types/index.ts); the orders
checkout writes are in orders.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from storecrm.catalog.models.products import Block, Price
from storecrm.catalog.tax import OrderTax
from storecrm.kernel.base_model import Model
from storecrm.kernel.models.addresses import Address
from storecrm.kernel.models.base import Entity
from storecrm.stores.models.stores import PaymentMethod, PaymentMethodId, ShippingMethod, Zone

CartStatus = Literal["active", "abandoned", "converted", "expired"]
CartOrigin = Literal["storefront", "admin"]
RefundStatus = Literal["pending", "succeeded", "failed", "canceled", "requires_action"]
# The shortest idle time a store may set before a cart counts as abandoned (stores.StoreChanges).
SHORTEST_IDLE_SECONDS = 30 * 60


class CartItem(Model):
    """A product line of a cart (the client's ProductCheckoutItemInput); `id` names the line."""

    type: Literal["product"] = "product"
    id: str
    product_id: str
    variant_id: str
    quantity: int


class SlotRange(Model):
    """A booked time, Unix seconds: `from` inclusive, `to` exclusive."""

    # `from` is a Python keyword: the field is `from_`, read and written as `from`.
    model_config = ConfigDict(defer_build=True, serialize_by_alias=True, validate_by_name=True,
                              validate_by_alias=True)
    from_: int = Field(alias="from")
    to: int


class CartServiceItem(Model):
    """A service line of a cart (the client's ServiceCheckoutItemInput): one booking per slot."""

    type: Literal["service"] = "service"
    id: str
    service_id: str
    provider_id: str
    slots: list[SlotRange]
    forms: list[dict[str, Any]] = Field(default_factory=list)


CartLine = Annotated[CartItem | CartServiceItem, Field(discriminator="type")]


class Cart(Entity):
    id: str
    store_id: str
    profile_id: str
    # The profile session that made it: only that session reads or changes it (none for staff-made carts).
    session_id: str | None = None
    token: str = ""
    status: CartStatus = "active"
    origin: CartOrigin = "storefront"
    created_by_account_id: str | None = None
    market: str = Field(description="The market's key")
    # Kept from the market when the cart is made, so a cart change checks prices without reading the market.
    currency: str
    items: list[CartLine] = Field(default_factory=list)
    shipping_address: Address | None = None
    billing_address: Address | None = None
    forms: list[dict[str, Any]] = Field(default_factory=list)
    promo_code: str | None = None
    payment_method_id: str | None = None
    shipping_method_id: str | None = None
    quote_snapshot: dict[str, Any] | None = None
    converted_order_id: str | None = None
    last_activity_at: int
    abandoned_at: int | None = None
    recovery_sent_at: int | None = None
    revision: int = 1
    created_at: int
    updated_at: int

    @property
    def item_count(self) -> int:
        return sum(item.quantity if isinstance(item, CartItem) else len(item.slots) for item in self.items)

    @property
    def product_items(self) -> list[CartItem]:
        return [item for item in self.items if isinstance(item, CartItem)]

    @property
    def email(self) -> str | None:
        """Where a recovery mail goes: the billing, else the shipping address's email."""
        return next((a.email for a in (self.billing_address, self.shipping_address) if a is not None and a.email),
                    None)

    @property
    def idle_check_at(self) -> int | None:
        """When the scheduler looks whether the cart was abandoned (None: it never will): an open cart with items
        and an email, not found abandoned yet (with its recovery mail, or without one when the store's quota or
        the address's rule stopped it), after the shortest idle time a store may set; the store's own time is
        checked then."""
        if self.status != "active" or not self.items or self.email is None or self.abandoned_at is not None:
            return None
        return self.last_activity_at + SHORTEST_IDLE_SECONDS


class LineSnapshot(Model):
    """What a line was when it was priced (the client's ProductLineItemSnapshot)."""

    product_key: str
    variant_sku: str | None = None
    variant_attributes: list[Block] = Field(default_factory=list)
    price: Price


class Availability(Model):
    ok: bool
    available: int | None = None
    reason: str | None = None


class QuoteLine(Model):
    type: Literal["product"] = "product"
    line_id: str
    product_id: str
    variant_id: str
    quantity: int
    unit_price: int
    subtotal: int
    discount: int = 0
    tax: int
    total: int
    snapshot: LineSnapshot
    availability: Availability
    # Where the line ships from: the first of the variant's stock locations that holds the whole quantity.
    location_id: str | None = Field(default=None, exclude=True)
    # The cart field the line came from (`items.N.quantity`), for the errors that name it.
    field: str = Field(default="", exclude=True)


class ServiceLineSnapshot(Model):
    """What a booked service line was when it was priced (the client's ServiceLineItemSnapshot)."""

    service_key: str
    provider_key: str
    price: Price


class ServiceAvailability(Model):
    ok: bool
    spots: int | None = None
    reason: str | None = None


class ServiceQuoteLine(Model):
    """One booking of a cart's service line (one slot), priced."""

    model_config = ConfigDict(defer_build=True, serialize_by_alias=True, validate_by_name=True,
                              validate_by_alias=True)
    type: Literal["service"] = "service"
    line_id: str
    service_id: str
    provider_id: str
    from_: int = Field(alias="from")
    to: int
    quantity: Literal[1] = 1
    unit_price: int
    subtotal: int
    discount: int = 0
    tax: int
    total: int
    snapshot: ServiceLineSnapshot
    availability: ServiceAvailability
    # The cart field the booking came from (`items.N.slots.M`), for the errors that name it.
    field: str = Field(default="", exclude=True)
    # The provider's reminder offsets (seconds before `from`) when the line was priced.
    reminders: list[int] = Field(default_factory=list, exclude=True)


QuotedLine = Annotated[QuoteLine | ServiceQuoteLine, Field(discriminator="type")]


class StripePayment(Model):
    type: Literal["stripe"] = "stripe"
    profile_id: str = ""
    payment_intent_id: str | None = None
    # The store's stripe integration the intent was made with: its refunds, cancellation and events use that
    # account's keys whichever integration is active later (None on orders from before it was recorded: the
    # active one).
    integration_id: str | None = None


class OrderRefund(Model):
    """The client's OrderPaymentRefund: a Stripe refund (its id in `provider_refund_id`) or a manual one."""

    id: str
    total: int
    provider_refund_id: str | None = None
    status: RefundStatus
    created_at: int


class OrderPayment(Model):
    currency: str
    market: str
    subtotal: int
    shipping: int
    discount: int = 0
    total: int
    paid: int = 0
    tax: OrderTax | None = None
    promo_code: dict[str, Any] | None = None
    provider: StripePayment | None = None
    refunds: list[OrderRefund] = Field(default_factory=list)
    zone_id: str | None = None
    payment_method_id: str | None = None
    shipping_method_id: str | None = None
    method_type: PaymentMethodId


class OrderQuote(Model):
    market: str
    zone: Zone | None
    items: list[QuotedLine]
    subtotal: int
    shipping: int
    discount: int = 0
    tax: int
    total: int
    shipping_method: ShippingMethod | None
    payment_method: PaymentMethod | None
    payment_methods: list[PaymentMethod]
    promo_code: dict[str, Any] | None = None
    payment: OrderPayment
    charge_amount: int
