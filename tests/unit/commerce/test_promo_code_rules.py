"""Promo codes applied to a quote without AWS: every discount kind, every condition kind, the refusals naming
`promo_code`, and the tax computed after the discount in both tax modes (half to even per line)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from storecrm.catalog.models.products import Price, Product, ProductInventory, ProductVariant
from storecrm.commerce.discounts import PromoRead, shared
from storecrm.commerce.models.commerce import Address, Cart, CartItem
from storecrm.commerce.models.promo_codes import Condition, PromoCode
from storecrm.commerce.quotes import quote
from storecrm.kernel.errors import ValidationFailed
from storecrm.stores.models.stores import Market, PaymentMethod, ShippingMethod, Zone

POST = ShippingMethod(id="post", amount=1000)
AT = 1_800_000_000


def _market(key: str, currency: str, mode: str, tax_bps: int) -> Market:
    zone = Zone(id=f"z-{key}", store_id="s", market_id=f"m-{key}", countries=["DE", "US"], tax_bps=tax_bps,
                shipping_methods=[POST])
    return Market(id=f"m-{key}", store_id="s", key=key, currency=currency, tax_mode=mode,
                  zones=[zone], payment_methods=[PaymentMethod(id="cash")], created_at=0, updated_at=0)


US = _market("us", "USD", "exclusive", 1000)  # 10% on top
EU = _market("eu", "EUR", "inclusive", 1900)  # 19% inside


def _product(pid: str, amount: int) -> Product:
    return Product(id=pid, store_id="s", key=pid, status="active", created_at=0, updated_at=0, variants=[
        ProductVariant(id="v", prices=[Price(currency="USD", market="us", amount=amount),
                                       Price(currency="EUR", market="eu", amount=amount)],
                       inventory=[ProductInventory(id="l", store_id="s", product_id=pid, variant_id="v",
                                                   location_id="l", available=100, updated_at=0)])])


PRODUCTS = {"a": _product("a", 1000), "b": _product("b", 333)}


def _cart(market: Market, code: str | None = "SAVE", lines: tuple[tuple[str, int], ...] = (("a", 2), ("b", 3))) -> Cart:
    return Cart(id="c", store_id="s", profile_id="pr", market=market.key, currency=market.currency,
                last_activity_at=0, created_at=0, updated_at=0, promo_code=code, shipping_method_id="post",
                shipping_address=Address(country="DE"),
                items=[CartItem(id=f"l-{pid}", product_id=pid, variant_id="v", quantity=n) for pid, n in lines])


def _promo(discounts: list[dict[str, Any]], conditions: list[dict[str, Any]] = (), **extra: Any) -> PromoCode:  # type: ignore[assignment]
    return PromoCode.model_validate({"id": "pc", "store_id": "s", "code": "SAVE", "discounts": discounts,
                                     "conditions": list(conditions), "created_at": 0, "updated_at": 0, **extra})


def _read(promo: PromoCode | None, used: int = 0, at: int = AT) -> PromoRead:
    return PromoRead(promo, at, used, ZoneInfo("Europe/Berlin"))


def _refusal(cart: Cart, market: Market, read: PromoRead) -> str:
    with pytest.raises(ValidationFailed) as refused:
        quote(cart, market, PRODUCTS, bookings=None, promo=read)
    [error] = refused.value.field_errors
    assert error.field == "promo_code"
    return error.error


def test_items_percentage_comes_off_each_line_half_even_and_tax_is_after_it_exclusive() -> None:
    promo = _promo([{"type": "items_percentage", "market_id": "m-us", "bps": 1250}])
    q = quote(_cart(US), US, PRODUCTS, promo=_read(promo))
    a, b = q.items
    # 2000 * 12.5% = 250; 999 * 12.5% = 124.875 -> 125.
    assert (a.discount, b.discount) == (250, 125)
    # Tax 10% on what is paid: 1750 -> 175, 874 -> 87.4 -> 87; shipping 1000 -> 100 (not discounted).
    assert (a.tax, b.tax) == (175, 87)
    assert (a.total, b.total) == (1750 + 175, 874 + 87)
    assert (q.subtotal, q.discount, q.shipping, q.tax) == (2999, 375, 1000, 362)
    assert q.total == q.charge_amount == 2999 - 375 + 1000 + 362
    assert q.payment.discount == 375
    assert q.payment.promo_code == {"id": "pc", "code": "SAVE", "type": "items_percentage", "value": 1250}
    assert q.promo_code is not None and q.promo_code["promo_code_id"] == "pc"


def test_tax_after_discount_inclusive_is_extracted_from_the_discounted_line() -> None:
    promo = _promo([{"type": "items_percentage", "market_id": "eu", "bps": 5000}])  # by the market's key
    q = quote(_cart(EU, lines=(("a", 1),)), EU, PRODUCTS, promo=_read(promo))
    [line] = q.items
    # 1000 - 500 = 500 paid, 19% inside: 500 * 1900 / 11900 = 79.83 -> 80; shipping 1000 inside: 159.66 -> 160.
    assert (line.discount, line.tax, line.total) == (500, 80, 500)
    assert (q.discount, q.tax, q.total) == (500, 240, 500 + 1000)


def test_items_fixed_is_shared_in_proportion_and_never_more_than_the_items() -> None:
    promo = _promo([{"type": "items_fixed", "market_id": "m-us", "amount": 1000}])
    q = quote(_cart(US), US, PRODUCTS, promo=_read(promo))
    # 1000 over 2000 and 999: 666.9 and 333.1 -> 667 and 333 (largest remainder).
    assert [line.discount for line in q.items] == [667, 333]
    assert q.discount == 1000
    huge = _promo([{"type": "items_fixed", "market_id": "m-us", "amount": 10**9}])
    q = quote(_cart(US), US, PRODUCTS, promo=_read(huge))
    assert [line.discount for line in q.items] == [2000, 999]
    assert [line.tax for line in q.items] == [0, 0] and q.total == 1000 + 100  # only the shipping is left


def test_percentages_add_up_then_the_fixed_amount_comes_off_what_is_left() -> None:
    promo = _promo([{"type": "items_percentage", "market_id": "m-us", "bps": 1000},
                    {"type": "items_fixed", "market_id": "m-us", "amount": 100}])
    q = quote(_cart(US, lines=(("a", 1),)), US, PRODUCTS, promo=_read(promo))
    assert q.items[0].discount == 100 + 100


def test_shipping_percentage_comes_off_the_shipping_and_its_tax() -> None:
    promo = _promo([{"type": "shipping_percentage", "market_id": "m-us", "bps": 10000}])
    q = quote(_cart(US), US, PRODUCTS, promo=_read(promo))
    assert [line.discount for line in q.items] == [0, 0]
    assert (q.shipping, q.discount) == (1000, 1000)
    assert q.payment.tax is not None and q.payment.tax.lines[-1].amount == 0  # shipping taxed after the discount
    assert q.total == 2999 + 300  # items 2000 + 999, tax 200 + 99.9 -> 100 on them only


def test_a_discount_of_another_market_does_not_apply() -> None:
    promo = _promo([{"type": "items_percentage", "market_id": "m-eu", "bps": 1000}])
    assert "does not apply in the 'us' market" in _refusal(_cart(US), US, _read(promo))


def test_products_and_services_conditions_name_the_lines_discounted() -> None:
    only_b = _promo([{"type": "items_percentage", "market_id": "m-us", "bps": 1000}],
                    [{"type": "products", "value": {"type": "ids", "value": ["b"]}}])
    q = quote(_cart(US), US, PRODUCTS, promo=_read(only_b))
    assert [line.discount for line in q.items] == [0, 100]  # 999 * 10% = 99.9 -> 100
    services = _promo([{"type": "items_percentage", "market_id": "m-us", "bps": 1000}],
                      [{"type": "services", "value": {"type": "ids", "value": ["massage"]}}])
    assert "applies to none of the cart's lines" in _refusal(_cart(US), US, _read(services))


def test_min_order_amount_compares_the_items_before_discount() -> None:
    promo = _promo([{"type": "items_fixed", "market_id": "m-us", "amount": 500}],
                   [{"type": "min_order_amount", "value": {"type": "amount", "value": 2999}}])
    assert quote(_cart(US), US, PRODUCTS, promo=_read(promo)).discount == 500
    assert "at least 2999 USD" in _refusal(_cart(US, lines=(("a", 1),)), US, _read(promo))


def test_date_range_is_start_inclusive_end_exclusive_named_in_the_stores_timezone() -> None:
    promo = _promo([{"type": "items_fixed", "market_id": "m-us", "amount": 1}],
                   [{"type": "date_range", "value": {"type": "date_range", "value": {"start": AT, "end": AT + 60}}}])
    assert quote(_cart(US), US, PRODUCTS, promo=_read(promo, at=AT)).discount == 1
    assert "is valid from 2027-01-15 09:00 CET" in _refusal(_cart(US), US, _read(promo, at=AT - 1))
    assert "expired on 2027-01-15 09:01 CET" in _refusal(_cart(US), US, _read(promo, at=AT + 60))


def test_max_uses_and_max_uses_per_user_refuse_a_used_up_code() -> None:
    promo = _promo([{"type": "items_fixed", "market_id": "m-us", "amount": 1}],
                   [{"type": "max_uses", "value": {"type": "count", "value": 2}},
                    {"type": "max_uses_per_user", "value": {"type": "count", "value": 1}}], uses=1)
    assert quote(_cart(US), US, PRODUCTS, promo=_read(promo, used=0)).discount == 1
    assert "as often as one customer may" in _refusal(_cart(US), US, _read(promo, used=1))
    assert "has been used up" in _refusal(_cart(US), US, _read(promo.model_copy(update={"uses": 2})))


def test_unknown_inactive_codes_are_refused_never_priced_in_full() -> None:
    assert "no promo code 'SAVE' in this store" in _refusal(_cart(US), US, _read(None))
    assert "no promo code" in _refusal(_cart(US), US, None)  # type: ignore[arg-type]  # nothing read: refused
    draft = _promo([{"type": "items_fixed", "market_id": "m-us", "amount": 1}], status="draft")
    assert "is not active" in _refusal(_cart(US), US, _read(draft))
    no_code = quote(_cart(US, code=None), US, PRODUCTS)
    assert (no_code.discount, no_code.promo_code, no_code.payment.promo_code) == (0, None, None)


def test_a_condition_takes_the_value_of_its_kind() -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate({"type": "max_uses", "value": {"type": "ids", "value": ["x"]}})
    with pytest.raises(ValidationError):
        Condition.model_validate({"type": "date_range",
                                  "value": {"type": "date_range", "value": {"start": 10, "end": 5}}})


def test_shares_add_up_exactly_and_never_exceed_a_weight() -> None:
    assert shared(10, [1, 1, 1]) == [4, 3, 3]
    assert shared(3, [1, 1, 1]) == [1, 1, 1]
    assert shared(0, [5]) == [0] and shared(5, [0, 0]) == [0, 0]
    assert sum(shared(1001, [333, 333, 334, 1])) == 1001
