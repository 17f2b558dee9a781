"""Pricing a cart (pure rules, no reads): its lines at the market's prices, shipping from the address's zone,
tax per line (storecrm.domain.tax), the payment methods, and where each line's stock comes from.

A line ships from one stock location: the first of the variant's locations (in their order) that holds the
whole quantity. Lines name their place in the cart (`items.N...`) when they are the caller's mistake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from storecrm.domain.errors import FieldError, ValidationFailed
from storecrm.domain.models.commerce import (
    Availability,
    Cart,
    CartItem,
    LineSnapshot,
    OrderPayment,
    OrderQuote,
    QuoteLine,
)
from storecrm.domain.models.products import Price, Product, ProductInventory, ProductVariant
from storecrm.domain.models.stores import Market, PaymentMethod, ShippingMethod, Zone
from storecrm.domain.tax import TaxableLine, order_tax, zone_for


@dataclass(frozen=True)
class CartMarket:
    """The market as a cart keeps it (key and currency), enough to check prices without reading it."""

    key: str
    currency: str


class SellingMarket(Protocol):
    """What pricing needs of a market: its key and currency (a Market, or what a cart keeps of one)."""

    @property
    def key(self) -> str: ...

    @property
    def currency(self) -> str: ...


def price_in(variant: ProductVariant, market: SellingMarket, field: str = "variant_id") -> Price:
    """The variant's price in the market (the one for everyone, not an audience's); a variant without one
    cannot be sold there, which is the caller's mistake: a 400 naming `field`."""
    for price in variant.prices:
        if price.market == market.key and price.currency == market.currency and price.audience_id is None:
            return price
    raise ValidationFailed.on(field, f"this variant has no {market.currency} price in the '{market.key}' market")


def variant_of(product: Product, variant_id: str, field: str = "variant_id") -> ProductVariant:
    """One of the product's variants; another id is a 400 naming `field`."""
    for variant in product.variants:
        if variant.id == variant_id:
            return variant
    raise ValidationFailed.on(field, "no variant with this id in this product")


def priced(index: int, item: CartItem, products: Mapping[str, Product],
           market: SellingMarket) -> tuple[Product, ProductVariant, Price]:
    """The line's active product, its variant and the variant's price in the market, else a 400 naming the line."""
    product = products.get(item.product_id)
    if product is None or product.status != "active":
        raise ValidationFailed.on(f"items.{index}.product_id", "no active product with this id in this store")
    variant = variant_of(product, item.variant_id, f"items.{index}.variant_id")
    return product, variant, price_in(variant, market, f"items.{index}.variant_id")


def most_in_one_place(variant: ProductVariant) -> int:
    return max((s.available for s in variant.inventory), default=0)


def stock_for(variant: ProductVariant, quantity: int) -> ProductInventory | None:
    """The location the line ships from: the first that holds the whole quantity."""
    return next((s for s in variant.inventory if s.available >= quantity), None)


def check_items(items: Sequence[CartItem], products: Mapping[str, Product], market: SellingMarket) -> None:
    """What a cart may hold: active products of the store, their variants, a price in the cart's market, and no
    more of a line than one location has in stock."""
    for i, item in enumerate(items):
        _, variant, _ = priced(i, item, products, market)
        if stock_for(variant, item.quantity) is None:
            raise ValidationFailed.on(f"items.{i}.quantity", f"only {most_in_one_place(variant)} in stock")


def merged(items: Sequence[CartItem]) -> list[CartItem]:
    """One line per variant: a variant listed again adds its quantity to the first line."""
    lines: dict[tuple[str, str], CartItem] = {}
    for item in items:
        key = (item.product_id, item.variant_id)
        if key in lines:
            lines[key] = lines[key].model_copy(update={"quantity": lines[key].quantity + item.quantity})
        else:
            lines[key] = item
    return list(lines.values())


def shipping_amount(method: ShippingMethod, subtotal: int, weight: int) -> int:
    """Free from `free_above`; else the first weight tier the order fits in, else the method's amount."""
    if method.free_above is not None and subtotal >= method.free_above:
        return 0
    for tier in sorted(method.weight_tiers, key=lambda t: t.up_to_grams):
        if weight <= tier.up_to_grams:
            return tier.amount
    return method.amount


def payment_method_in(market: Market, requested: str | None, field: str = "payment_method_id") -> PaymentMethod | None:
    """The method asked for (one of the market's, else a 400 naming `field`); with none asked, the market's only
    method when it has exactly one."""
    if requested is None:
        return market.payment_methods[0] if len(market.payment_methods) == 1 else None
    for method in market.payment_methods:
        if method.id == requested:
            return method
    raise ValidationFailed.on(field, f"is not a payment method of the '{market.key}' market")


def _shipping_method(cart: Cart, zone: Zone | None) -> ShippingMethod | None:
    if cart.shipping_method_id is None:
        return None
    if zone is None:
        raise ValidationFailed.on("shipping_method_id", "the shipping address is in none of the market's zones")
    for method in zone.shipping_methods:
        if method.id == cart.shipping_method_id:
            return method
    raise ValidationFailed.on("shipping_method_id", "is not a shipping method of the shipping address's zone")


def quote(cart: Cart, market: Market, products: Mapping[str, Product],
          payment_method_id: str | None = None) -> OrderQuote:
    """The cart priced now. Unknown products, variants and missing prices are 400s naming the line; a line
    with too little stock is priced with `availability.ok` false (checkout refuses it)."""
    if cart.currency != market.currency:
        raise ValidationFailed.on("market", f"the '{market.key}' market now sells in {market.currency}; "
                                            "start a new cart")
    address = cart.shipping_address
    zone = zone_for(market, address.country, address.state, address.postal_code) if address else None
    taxable: list[TaxableLine] = []
    lines: list[QuoteLine] = []
    weight = 0
    for i, item in enumerate(cart.items):
        product, variant, price = priced(i, item, products, market)
        stock = stock_for(variant, item.quantity)
        availability = (Availability(ok=True, available=most_in_one_place(variant)) if stock is not None
                        else Availability(ok=False, reason=f"only {most_in_one_place(variant)} in stock"))
        weight += (variant.weight or 0) * item.quantity
        taxable.append(TaxableLine(amount=price.amount, quantity=item.quantity, label=product.key))
        lines.append(QuoteLine(
            line_id=item.id, product_id=product.id, variant_id=variant.id, quantity=item.quantity,
            unit_price=price.amount, subtotal=price.amount * item.quantity, tax=0, total=0,
            snapshot=LineSnapshot(product_key=product.key, variant_sku=variant.sku,
                                  variant_attributes=variant.attributes, price=price),
            availability=availability, location_id=stock.location_id if stock else None))
    subtotal = sum(line.subtotal for line in lines)
    method = _shipping_method(cart, zone)
    shipping = shipping_amount(method, subtotal, weight) if method else 0
    if method is not None and method.taxable and shipping:
        taxable.append(TaxableLine(amount=shipping, quantity=1, scope="shipping", label=method.id))
    tax = order_tax(taxable, zone, market.tax_mode)
    exclusive = market.tax_mode == "exclusive"
    for line, line_tax in zip(lines, tax.lines, strict=False):
        line.tax = line_tax.amount
        line.total = line.subtotal + (line_tax.amount if exclusive else 0)
    total = subtotal + shipping + (tax.amount if exclusive else 0)
    payment_method = payment_method_in(market, payment_method_id or cart.payment_method_id)
    payment = OrderPayment(
        currency=market.currency, market=market.key, subtotal=subtotal, shipping=shipping, total=total, tax=tax,
        zone_id=zone.id if zone else None, payment_method_id=payment_method.id if payment_method else None,
        shipping_method_id=method.id if method else None,
        method_type=payment_method.id if payment_method else "cash")
    return OrderQuote(market=market.key, zone=zone, items=lines, subtotal=subtotal, shipping=shipping,
                      tax=tax.amount, total=total, shipping_method=method, payment_method=payment_method,
                      payment_methods=market.payment_methods, payment=payment, charge_amount=total)


def short_lines(q: OrderQuote) -> list[FieldError]:
    """The lines that cannot be sold as quoted, named by their place in the cart."""
    return [FieldError(f"items.{i}.quantity", line.availability.reason or "not in stock")
            for i, line in enumerate(q.items) if not line.availability.ok]
