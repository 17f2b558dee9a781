"""A store's locations and their per-store unique keys."""

from __future__ import annotations

from storecrm.kernel.cursors import BAD_CURSOR
from storecrm.kernel.errors import Conflict, NotFound, ValidationFailed
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, delete, put
from storecrm.stores.models.locations import Location

Position = dict[str, str]
LOCATION_GONE = NotFound("Location not found", "LOCATION.NOT_FOUND")


def _key_taken(key: str) -> Conflict:
    return Conflict(f"A location with key '{key}' already exists in this store", "LOCATION.KEY_TAKEN")


def _item(location: Location) -> Item:
    return to_item(location, keys.location(location.store_id, location.id), "LOCATION")


def _marker(location: Location) -> Item:
    pk, sk = keys.location_key(location.store_id, location.key)
    return {"PK": pk, "SK": sk, "entity": "LOCATIONKEY", "location_id": location.id}


class LocationRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, location_id: str) -> keys.Key:
        return keys.location(store_id, location_id)

    @staticmethod
    def from_item(item: Item | None) -> Location | None:
        return from_item(Location, item)

    def page(self, store_id: str, *, limit: int, after: Position | None) -> tuple[list[Location], Position | None]:
        """In id order (ids are time-ordered: oldest first), one Query of the store partition."""
        partition = keys.store_partition(store_id)
        if after is not None and (set(after) != {"PK", "SK"} or after["PK"] != partition
                                  or not after["SK"].startswith(keys.LOCATION_PREFIX)):
            raise ValidationFailed.on("cursor", BAD_CURSOR)
        page = self.table.query(partition, sk_prefix=keys.LOCATION_PREFIX, limit=limit, start_key=after)
        locations = [loc for item in page.items if (loc := from_item(Location, item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return locations, last

    @staticmethod
    def position_after(store_id: str, location_id: str) -> Position:
        """Where a page after this location starts (the location need not exist any more)."""
        pk, sk = keys.location(store_id, location_id)
        return {"PK": pk, "SK": sk}

    def create(self, location: Location) -> None:
        self.table.transact([put(_item(location), unless_exists=Conflict("Location id collision")),
                             put(_marker(location), unless_exists=_key_taken(location.key))])

    def update(self, location: Location, previous: Location) -> None:
        writes = [put(_item(location), condition="revision = :seen", values={":seen": previous.revision},
                      error=Conflict("The location changed meanwhile; try again", "LOCATION.CONFLICT"))]
        if location.key != previous.key:
            writes += [delete(keys.location_key(previous.store_id, previous.key), condition="location_id = :id",
                              values={":id": location.id}),
                       put(_marker(location), unless_exists=_key_taken(location.key))]
        self.table.transact(writes)

    def delete(self, location: Location) -> None:
        self.table.transact([
            delete(keys.location(location.store_id, location.id), condition="attribute_exists(PK)",
                   error=LOCATION_GONE),
            delete(keys.location_key(location.store_id, location.key), condition="location_id = :id",
                   values={":id": location.id}),
        ])
