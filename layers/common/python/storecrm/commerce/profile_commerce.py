"""What a profile's carts and orders say about it: profile find's `has_cart` and `has_activity`.

DECISION (the client names the filters, not their meaning): `has_cart` is a cart that holds items and was not
checked out (active, or abandoned and so still recoverable); `has_activity` is any cart or order at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storecrm.commerce.models.commerce import Cart
    from storecrm.profiles.models.profiles import ProfileCommerce

# A cart in these statuses with items in it is one the shopper may still buy.
OPEN_STATUSES = ("active", "abandoned")


def holds_items(cart: Cart | None) -> bool:
    return cart is not None and cart.status in OPEN_STATUSES and bool(cart.items)


def open_cart_change(before: Cart | None, after: Cart) -> int:
    """How a cart write moves its profile's count of open carts: -1, 0 or +1."""
    return int(holds_items(after)) - int(holds_items(before))


def matches(facts: ProfileCommerce, has_cart: bool | None, has_activity: bool | None) -> bool:
    return ((has_cart is None or facts.has_cart == has_cart)
            and (has_activity is None or facts.has_activity == has_activity))
