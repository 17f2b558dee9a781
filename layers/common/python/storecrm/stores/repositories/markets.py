"""A store's markets and their per-store unique keys."""

from __future__ import annotations

from storecrm.kernel.errors import Conflict, NotFound
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put
from storecrm.stores.models.stores import Market

MARKET_GONE = NotFound("Market not found", "MARKET.NOT_FOUND")


def _key_taken(key: str) -> Conflict:
    return Conflict(f"A market with key '{key}' already exists in this store", "MARKET.KEY_TAKEN")


def _key_marker(market: Market) -> Item:
    """The key marker carries a copy of the market (rewritten with every change of it), so a market
    named by its key is read together with the store in one BatchGetItem."""
    pk, sk = keys.market_key(market.store_id, market.key)
    return {"PK": pk, "SK": sk, "entity": "MARKETKEY", "market_id": market.id, "market": market.model_dump(mode="json")}


class MarketRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, market_id: str) -> keys.Key:
        return keys.market(store_id, market_id)

    @staticmethod
    def marker_key(store_id: str, key: str) -> keys.Key:
        return keys.market_key(store_id, key)

    @staticmethod
    def from_item(item: Item | None) -> Market | None:
        return from_item(Market, item)

    @staticmethod
    def id_from_marker(item: Item | None) -> str | None:
        return str(item["market_id"]) if item else None

    @staticmethod
    def from_marker(item: Item | None) -> Market | None:
        """The market copied onto its key marker."""
        return Market.model_validate(item["market"]) if item and "market" in item else None

    def get(self, store_id: str, market_id: str) -> Market | None:
        return from_item(Market, self.table.get(keys.market(store_id, market_id)))

    def all_in_store(self, store_id: str) -> list[Market]:
        items = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.MARKET_PREFIX)
        return [m for item in items if (m := from_item(Market, item)) is not None]

    @staticmethod
    def create_writes(market: Market) -> list[Write]:
        return [
            put(to_item(market, keys.market(market.store_id, market.id), "MARKET"),
                unless_exists=Conflict("Market id collision")),
            put(_key_marker(market), unless_exists=_key_taken(market.key)),
        ]

    def create(self, market: Market) -> None:
        self.table.transact(self.create_writes(market))

    def update(self, market: Market, previous_key: str) -> None:
        writes = [put(to_item(market, keys.market(market.store_id, market.id), "MARKET"),
                      condition="attribute_exists(PK)", error=MARKET_GONE)]
        if market.key != previous_key:
            writes += [
                delete(keys.market_key(market.store_id, previous_key)),
                put(_key_marker(market), unless_exists=_key_taken(market.key)),
            ]
        else:
            writes.append(put(_key_marker(market), condition="market_id = :id", values={":id": market.id},
                              error=MARKET_GONE))
        self.table.transact(writes)

    def delete(self, market: Market) -> None:
        self.table.transact([
            delete(keys.market(market.store_id, market.id), condition="attribute_exists(PK)", error=MARKET_GONE),
            delete(keys.market_key(market.store_id, market.key)),
        ])
