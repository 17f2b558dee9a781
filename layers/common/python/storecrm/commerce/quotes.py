"""Pricing a cart (pure rules, no reads): its lines at the market's prices, shipping from the address's zone,
tax per line (storecrm.catalog.tax), the payment methods, and where each line's stock comes from.

A line ships from one stock location: the first of the variant's locations (in their order) that holds the
whole quantity. Lines name their place in the cart (`items.N...`) when they are the caller's mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from storecrm.catalog.models.products import Price, Product, ProductInventory, ProductVariant
from storecrm.catalog.tax import TaxableLine, order_tax, zone_for
from storecrm.clock import now
from storecrm.commerce.models.commerce import (
    Availability,
    Cart,
    CartItem,
    CartLine,
    CartServiceItem,
    LineSnapshot,
    OrderPayment,
    OrderQuote,
    QuoteLine,
    ServiceAvailability,
    ServiceLineSnapshot,
    ServiceQuoteLine,
)
from storecrm.deferred import DeferredModule
from storecrm.kernel.errors import FieldError, ValidationFailed
from storecrm.stores.models.stores import Market, PaymentMethod, ShippingMethod, Zone

if TYPE_CHECKING:
    from storecrm.bookings import availability
    from storecrm.bookings.models.bookings import Provider, Service, ServiceProvider
    from storecrm.commerce import discounts
    from storecrm.commerce.discounts import Discounted, PromoRead
else:  # only carts with service lines check slots, and the booking rules define the booking models; only carts
    # with a promo code apply one
    availability = DeferredModule("storecrm.bookings.availability")
    discounts = DeferredModule("storecrm.commerce.discounts")


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


@dataclass(frozen=True)
class Bookings:
    """What pricing a cart's service lines needs, read with its other items: the services, providers and terms
    the lines name (by id, of the cart's store), the 5-minute cells already booked per provider, the store's
    timezone and the time now."""

    zone: ZoneInfo
    now: int
    services: Mapping[str, Service] = field(default_factory=dict)
    providers: Mapping[str, Provider] = field(default_factory=dict)
    terms: Mapping[tuple[str, str], ServiceProvider] = field(default_factory=dict)
    taken: Mapping[str, Collection[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Booked:
    """A service line's slot that the terms offer: the line, the slot's place and its terms."""

    index: int
    slot_index: int
    item: CartServiceItem
    terms: ServiceProvider
    price: Price
    problem: str | None


def booked(items: Sequence[CartLine], bookings: Bookings, market: SellingMarket) -> list[Booked]:
    """Every slot of the service lines, checked against the catalog (a 400 naming the line's field: an inactive or
    unknown service or provider, a provider without terms for the service or without a price in the market, two
    slots of the cart overlapping); whether the terms offer it now and it is free is its `problem`."""
    found: list[Booked] = []
    for i, item in enumerate(items):
        if not isinstance(item, CartServiceItem):
            continue
        service = bookings.services.get(item.service_id)
        if service is None or service.status != "active":
            raise ValidationFailed.on(f"items.{i}.service_id", "no active service with this id in this store")
        provider = bookings.providers.get(item.provider_id)
        if provider is None or provider.status != "active":
            raise ValidationFailed.on(f"items.{i}.provider_id", "no active provider with this id in this store")
        terms = bookings.terms.get((item.service_id, item.provider_id))
        if terms is None:
            raise ValidationFailed.on(f"items.{i}.provider_id", "this provider does not perform this service")
        price = next((p for p in terms.prices if p.market == market.key and p.currency == market.currency), None)
        if price is None:
            raise ValidationFailed.on(f"items.{i}.provider_id", f"this provider has no {market.currency} price "
                                                                f"in the '{market.key}' market")
        taken = bookings.taken.get(item.provider_id, ())
        for j, slot in enumerate(item.slots):
            problem = availability.slot_problem(terms, slot.from_, slot.to, bookings.now, bookings.zone)
            if problem is None and not availability.free(slot.from_, slot.to, taken):
                problem = "is booked already"
            found.append(Booked(i, j, item, terms, price, problem))
    for n, one in enumerate(found):
        for other in found[:n]:
            slot, earlier = one.item.slots[one.slot_index], other.item.slots[other.slot_index]
            if one.item.provider_id == other.item.provider_id and slot.from_ < earlier.to and earlier.from_ < slot.to:
                raise ValidationFailed.on(f"items.{one.index}.slots.{one.slot_index}",
                                          "overlaps another booking of this provider in the cart")
    return found


# One order's transaction (DynamoDB's limit: 100 items) holds, besides what its lines need, the checkout's order,
# converted cart, profile facts, the session's current-cart marker, order.created, the order-number claim and its
# promo code's use (releasing or cancelling the order writes fewer); its lines have room for the rest.
TRANSACTION_ITEMS = 100
ORDER_WRITES = 7
LINE_WRITES_ROOM = TRANSACTION_ITEMS - ORDER_WRITES


def line_writes(items: Sequence[CartLine], reminders: Callable[[CartServiceItem], int]) -> int:
    """What the lines write in their order's transactions, at most: one stock update per product (its lines
    together), and per booked slot one cell per 5 minutes it covers and one due item per reminder of its terms
    (`reminders`). Checkout writes that; releasing or cancelling the order deletes no more."""
    products = {i.product_id for i in items if isinstance(i, CartItem)}
    booked = sum(len(availability.cells(slot.from_, slot.to)) + reminders(item)
                 for item in items if isinstance(item, CartServiceItem) for slot in item.slots)
    return len(products) + booked


def too_many_lines(needed: int) -> ValidationFailed:
    return ValidationFailed.on("items", f"too many lines for one order: its transaction has room for "
                                        f"{LINE_WRITES_ROOM} line writes (1 per product; per booked slot 1 per 5 "
                                        f"minutes and 1 per reminder), these lines need {needed}")


def check_items(items: Sequence[CartLine], products: Mapping[str, Product], market: SellingMarket,
                bookings: Bookings | None = None) -> None:
    """What a cart may hold: active products of the store, their variants, a price in the cart's market, and no
    more of a line than one location has in stock; services booked in slots their providers offer and have free."""
    for i, item in enumerate(items):
        if not isinstance(item, CartItem):
            continue
        _, variant, _ = priced(i, item, products, market)
        if stock_for(variant, item.quantity) is None:
            raise ValidationFailed.on(f"items.{i}.quantity", f"only {most_in_one_place(variant)} in stock")
    if bookings is not None:
        for slot in booked(items, bookings, market):
            if slot.problem is not None:
                raise ValidationFailed.on(f"items.{slot.index}.slots.{slot.slot_index}", slot.problem)


def merged(items: Sequence[CartLine]) -> list[CartLine]:
    """One line per variant: a variant listed again adds its quantity to the first line. Service lines stay as
    they are (each books its own slots)."""
    lines: dict[tuple[str, str], CartLine] = {}
    for item in items:
        if isinstance(item, CartServiceItem):
            lines[("service", item.id)] = item
            continue
        key = (item.product_id, item.variant_id)
        earlier = lines.get(key)
        if isinstance(earlier, CartItem):
            lines[key] = earlier.model_copy(update={"quantity": earlier.quantity + item.quantity})
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


def quote(cart: Cart, market: Market, products: Mapping[str, Product], payment_method_id: str | None = None,
          bookings: Bookings | None = None, promo: PromoRead | None = None) -> OrderQuote:
    """The cart priced now. Unknown products, variants and missing prices are 400s naming the line; a line
    with too little stock, or a booking whose slot is no longer offered or free, is priced with `availability.ok`
    false (checkout refuses it). Each slot of a service line is a line of its own, after the product lines.
    The cart's promo code (`promo`: what was read for it) comes off the lines and the shipping before tax; a
    code that does not hold is a 400 naming `promo_code`, never a silent full price."""
    if cart.currency != market.currency:
        raise ValidationFailed.on("market", f"the '{market.key}' market now sells in {market.currency}; "
                                            "start a new cart")
    address = cart.shipping_address
    zone = zone_for(market, address.country, address.state, address.postal_code) if address else None
    taxable: list[TaxableLine] = []
    lines: list[QuoteLine | ServiceQuoteLine] = []
    weight = 0
    for i, item in enumerate(cart.items):
        if not isinstance(item, CartItem):
            continue
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
            availability=availability, location_id=stock.location_id if stock else None,
            field=f"items.{i}.quantity"))
    if bookings is not None:
        for one in booked(cart.items, bookings, market):
            taxable.append(TaxableLine(amount=one.price.amount, quantity=1, label=one.item.service_id))
            lines.append(_service_line(one, bookings))
    subtotal = sum(line.subtotal for line in lines)
    method = _shipping_method(cart, zone)
    shipping = shipping_amount(method, subtotal, weight) if method else 0
    discounted = _discounted(cart, market, lines, subtotal, shipping, promo)
    if discounted is not None:
        taxable = [t.model_copy(update={"discount": off}) for t, off in zip(taxable, discounted.lines, strict=True)]
    shipping_off = discounted.shipping if discounted is not None else 0
    if method is not None and method.taxable and shipping:
        taxable.append(TaxableLine(amount=shipping, quantity=1, scope="shipping", label=method.id,
                                   discount=shipping_off))
    tax = order_tax(taxable, zone, market.tax_mode)
    exclusive = market.tax_mode == "exclusive"
    for n, (line, line_tax) in enumerate(zip(lines, tax.lines, strict=False)):
        line.discount = discounted.lines[n] if discounted is not None else 0
        line.tax = line_tax.amount
        line.total = line.subtotal - line.discount + (line_tax.amount if exclusive else 0)
    discount = discounted.total if discounted is not None else 0
    total = subtotal - discount + shipping + (tax.amount if exclusive else 0)
    payment_method = payment_method_in(market, payment_method_id or cart.payment_method_id)
    payment = OrderPayment(
        currency=market.currency, market=market.key, subtotal=subtotal, shipping=shipping, discount=discount,
        total=total, tax=tax,
        promo_code=discounted.payment_code().model_dump(mode="json") if discounted is not None else None,
        zone_id=zone.id if zone else None, payment_method_id=payment_method.id if payment_method else None,
        shipping_method_id=method.id if method else None,
        method_type=payment_method.id if payment_method else "cash")
    return OrderQuote(market=market.key, zone=zone, items=lines, subtotal=subtotal, shipping=shipping,
                      discount=discount, tax=tax.amount, total=total,
                      promo_code=discounted.validation().model_dump(mode="json") if discounted is not None else None,
                      shipping_method=method, payment_method=payment_method,
                      payment_methods=market.payment_methods, payment=payment, charge_amount=total)


def _discounted(cart: Cart, market: Market, lines: Sequence[QuoteLine | ServiceQuoteLine], subtotal: int,
                shipping: int, promo: PromoRead | None) -> Discounted | None:
    """The cart's code checked and applied (None: the cart has none)."""
    if not cart.promo_code:
        return None
    read = promo if promo is not None else discounts.PromoRead(None, now())
    found = discounts.check(read.promo, cart.promo_code, market, subtotal, at=read.at,
                            used_by_profile=read.used_by_profile, zone=read.zone)
    return discounts.apply(found, market, [
        discounts.PricedLine("product", line.product_id, line.subtotal) if isinstance(line, QuoteLine)
        else discounts.PricedLine("service", line.service_id, line.subtotal) for line in lines], shipping)


def _service_line(one: Booked, bookings: Bookings) -> ServiceQuoteLine:
    slot = one.item.slots[one.slot_index]
    return ServiceQuoteLine(
        line_id=f"{one.item.id}#{one.slot_index}" if len(one.item.slots) > 1 else one.item.id,
        service_id=one.item.service_id, provider_id=one.item.provider_id, from_=slot.from_, to=slot.to,
        unit_price=one.price.amount, subtotal=one.price.amount, tax=0, total=0,
        snapshot=ServiceLineSnapshot(service_key=bookings.services[one.item.service_id].key,
                                     provider_key=bookings.providers[one.item.provider_id].key, price=one.price),
        availability=(ServiceAvailability(ok=True, spots=1) if one.problem is None
                      else ServiceAvailability(ok=False, reason=one.problem)),
        field=f"items.{one.index}.slots.{one.slot_index}", reminders=one.terms.reminders)


def short_lines(q: OrderQuote) -> list[FieldError]:
    """The lines that cannot be sold as quoted, named by their place in the cart."""
    return [FieldError(line.field, line.availability.reason or "not available") for line in q.items
            if not line.availability.ok]
