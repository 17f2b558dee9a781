"""A store's locations (shops, warehouses, pickup points): the arky-sdk 0.9.1 Location, and the "stores"
the NewStore dialect's clienteling and `store_id`/`store_name` fields name."""

from __future__ import annotations

from storecrm.kernel.models.addresses import Address
from storecrm.kernel.models.base import Entity


class Location(Entity):
    id: str
    store_id: str
    key: str  # unique in the store; the NewStore dialect shows it as `store_name`
    address: Address
    is_pickup_location: bool = False
    # Guards against lost updates; not part of the client's Location.
    revision: int = 1
    created_at: int
    updated_at: int
