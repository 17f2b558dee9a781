"""What a cart write does to its profile's open-cart count, and how find's has_cart / has_activity read the facts."""

from __future__ import annotations

import pytest

from storecrm.commerce.models.commerce import Cart, CartItem, CartStatus
from storecrm.commerce.profile_commerce import matches, open_cart_change
from storecrm.profiles.models.profiles import ProfileCommerce

LINE = CartItem(id="l1", product_id="p1", variant_id="v1", quantity=1)


def _cart(status: CartStatus = "active", items: int = 0) -> Cart:
    return Cart(id="c1", store_id="s1", profile_id="p1", market="us", currency="USD", status=status,
                items=[LINE] * items, last_activity_at=1, created_at=1, updated_at=1)


@pytest.mark.parametrize(("before", "after", "change"), [
    (None, _cart(), 0),                                   # a new, empty cart holds nothing yet
    (None, _cart(items=1), 1),                            # staff make carts with lines
    (_cart(), _cart(items=2), 1),                         # filled
    (_cart(items=2), _cart(items=1), 0),                  # still holds items
    (_cart(items=1), _cart(), -1),                        # emptied
    (_cart(items=1), _cart("converted", items=1), -1),    # checked out
    (_cart(items=1), _cart("abandoned", items=1), 0),     # abandoned carts may still be bought
    (_cart("abandoned", items=1), _cart("expired", items=1), -1),
])
def test_open_cart_change(before: Cart | None, after: Cart, change: int) -> None:
    assert open_cart_change(before, after) == change


def test_matches_reads_each_filter_only_when_given() -> None:
    nothing, browsing = ProfileCommerce(), ProfileCommerce(has_carts=True)
    holding, bought = ProfileCommerce(open_carts=1, has_carts=True), ProfileCommerce(has_carts=True, has_orders=True)
    assert [matches(f, True, None) for f in (nothing, browsing, holding, bought)] == [False, False, True, False]
    assert [matches(f, None, True) for f in (nothing, browsing, holding, bought)] == [False, True, True, True]
    assert [matches(f, False, True) for f in (nothing, browsing, holding, bought)] == [False, True, False, True]
    assert all(matches(f, None, None) for f in (nothing, browsing, holding, bought))
