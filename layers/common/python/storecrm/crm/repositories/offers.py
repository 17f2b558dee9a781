"""A store's offers (plans, coupons, product SKUs), in the store's partition."""

from __future__ import annotations

from storecrm.crm.models.offers import OFFER_NOT_FOUND, Offer
from storecrm.kernel.errors import Conflict
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, delete, put


class OfferRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, offer_id: str) -> keys.Key:
        return keys.offer(store_id, offer_id)

    @staticmethod
    def from_item(item: Item | None) -> Offer | None:
        return from_item(Offer, item)

    def all_in_store(self, store_id: str) -> list[Offer]:
        """Every offer of the store, oldest first: one Query (more pages only past 1 MB of offers)."""
        items = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.OFFER_PREFIX)
        offers = [o for item in items if (o := from_item(Offer, item)) is not None]
        return sorted(offers, key=lambda o: (o.created_at, o.id))

    def create(self, offer: Offer) -> None:
        self.table.write(put(to_item(offer, keys.offer(offer.store_id, offer.id), "OFFER"),
                             unless_exists=Conflict("Offer id collision")))

    def replace(self, offer: Offer) -> None:
        self.table.write(put(to_item(offer, keys.offer(offer.store_id, offer.id), "OFFER"),
                             condition="attribute_exists(PK)", error=OFFER_NOT_FOUND))

    def delete(self, store_id: str, offer_id: str) -> None:
        self.table.write(delete(keys.offer(store_id, offer_id), condition="attribute_exists(PK)",
                                error=OFFER_NOT_FOUND))
