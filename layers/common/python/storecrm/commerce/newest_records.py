"""The newest carts and orders of a profile, as a profile detail lists them (the client's ProfileDetail.carts
and .orders): each one Query on the profile's index, made only when its commerce facts say there are some, so a
profile that never shopped costs no call beyond the read of its facts item."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storecrm.commerce.models.commerce import Cart
    from storecrm.commerce.models.orders import Order
    from storecrm.commerce.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item

# A detail lists this many of each, newest first; the profile's carts and orders routes page through the rest.
DETAIL_LIST_CAP = 10


class NewestRecords:
    """The ShopperRecords of storecrm.messaging.profile_sessions (`me`)."""

    def __init__(self, commerce: ProfileCommerceRepository) -> None:
        self.commerce = commerce

    def facts_key(self, store_id: str, profile_id: str) -> Key:
        """To read with the profile, in the same BatchGetItem."""
        return self.commerce.facts_key(store_id, profile_id)

    def newest(self, store_id: str, profile_id: str, facts_item: Item | None) -> tuple[list[Cart], list[Order]]:
        """Up to two Queries: the profile's newest carts, then its newest orders, each only if it has some."""
        facts = self.commerce.facts(facts_item)
        carts = (self.commerce.carts_page(store_id, profile_id, limit=DETAIL_LIST_CAP, after=None)[0]
                 if facts.has_carts else [])
        orders = (self.commerce.orders_page(store_id, profile_id, limit=DETAIL_LIST_CAP, after=None)[0]
                  if facts.has_orders else [])
        return carts, orders
