"""Cart pricing without AWS: shipping (free above, weight tiers), inclusive tax, the stock location a line ships
from, merged lines, and the payment method a quote settles on."""

from __future__ import annotations

import pytest

from storecrm.catalog.models.products import Price, Product, ProductInventory, ProductVariant
from storecrm.commerce.models.commerce import Address, Cart, CartItem
from storecrm.commerce.quotes import merged, payment_method_in, quote, shipping_amount, short_lines, stock_for
from storecrm.kernel.errors import ValidationFailed
from storecrm.stores.models.stores import Market, PaymentMethod, ShippingMethod, ShippingWeightTier, Zone

TIERED = ShippingMethod(id="post", amount=900, free_above=20000, weight_tiers=[
    ShippingWeightTier(up_to_grams=2000, amount=700), ShippingWeightTier(up_to_grams=500, amount=400)])
ZONE = Zone(id="z", store_id="s", market_id="m", countries=["DE"], tax_bps=1900, shipping_methods=[TIERED])
EU = Market(id="m", store_id="s", key="eu", currency="EUR", tax_mode="inclusive", zones=[ZONE],
            payment_methods=[PaymentMethod(id="cash"), PaymentMethod(id="credit_card", integration_id="i")],
            created_at=0, updated_at=0)


def _stock(location: str, available: int) -> ProductInventory:
    return ProductInventory(id=location, store_id="s", product_id="p", variant_id="v", location_id=location,
                            available=available, updated_at=0)


PRODUCT = Product(id="p", store_id="s", key="mug", status="active", created_at=0, updated_at=0, variants=[
    ProductVariant(id="v", prices=[Price(currency="EUR", market="eu", amount=1190)], weight=300,
                   inventory=[_stock("shop", 1), _stock("depot", 5)])])


def _cart(quantity: int, country: str = "de") -> Cart:
    return Cart(id="c", store_id="s", profile_id="pr", market="eu", currency="EUR", last_activity_at=0, created_at=0,
                updated_at=0, items=[CartItem(id="l1", product_id="p", variant_id="v", quantity=quantity)],
                shipping_address=Address(country=country), shipping_method_id="post")


def test_shipping_is_free_above_a_subtotal_else_the_first_tier_the_weight_fits_else_the_amount() -> None:
    assert shipping_amount(TIERED, 20000, 100) == 0
    assert shipping_amount(TIERED, 100, 500) == 400  # tiers are tried lightest first
    assert shipping_amount(TIERED, 100, 501) == 700
    assert shipping_amount(TIERED, 100, 2001) == 900


def test_an_inclusive_quote_extracts_the_tax_and_adds_nothing() -> None:
    q = quote(_cart(2), EU, {"p": PRODUCT}, "credit_card")
    [line] = q.items
    # 2 x 11.90 with 19% inside: 380 of tax; shipping 600 g -> the 2 kg tier (7.00, 112 of it tax).
    assert (line.subtotal, line.tax, line.total, line.location_id) == (2380, 380, 2380, "depot")
    assert (q.shipping, q.tax, q.total, q.charge_amount) == (700, 492, 3080, 3080)
    assert q.payment.method_type == "credit_card" and q.payment.zone_id == "z"


def test_a_line_ships_from_the_first_location_holding_all_of_it() -> None:
    variant = PRODUCT.variants[0]
    assert stock_for(variant, 1).location_id == "shop"  # type: ignore[union-attr]
    assert stock_for(variant, 5).location_id == "depot"  # type: ignore[union-attr]
    assert stock_for(variant, 6) is None
    short = quote(_cart(6), EU, {"p": PRODUCT}, "cash")
    assert [(e.field, e.error) for e in short_lines(short)] == [("items.0.quantity", "only 5 in stock")]


def test_lines_of_one_variant_merge_and_methods_must_be_the_markets() -> None:
    lines = merged([CartItem(id="a", product_id="p", variant_id="v", quantity=1),
                    CartItem(id="b", product_id="p", variant_id="v", quantity=2)])
    assert [(i.id, i.quantity) for i in lines] == [("a", 3)]
    assert payment_method_in(EU, None) is None  # two methods: the shopper must choose
    with pytest.raises(ValidationFailed) as refused:
        payment_method_in(EU.model_copy(update={"payment_methods": [PaymentMethod(id="cash")]}), "credit_card")
    assert refused.value.field_errors[0].field == "payment_method_id"
    with pytest.raises(ValidationFailed) as outside:
        quote(_cart(1, "FR"), EU, {"p": PRODUCT}, "cash")
    assert outside.value.field_errors[0].field == "shipping_method_id"
