"""Room for one more profile under the store's plan (`limits.profiles`), for every way a profile is made: staff
(`POST /v1/stores/{id}/profiles`), the NewStore and Pelcro dialects' creates and sign-ups, and a shopper's
initialize, connect or code login. How the cap holds when creates run at the same moment: plan_limits.ProfileSlot.

Nothing is read for it unless a configured plan caps profiles: then the create reads the store's count shards
(with its own read where it has one, else in one more BatchGetItem with the store), draws the new profile's id on
a shard with room, and writes the profile counted there on the condition that the shard keeps within its part of
the cap; a create that another one beat to the last place of a shard reads again and tries another."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from storecrm.clock import new_random_id
from storecrm.kernel.errors import Conflict, NotFound, TransactionConflict
from storecrm.stores.plan_limits import COUNTED_CREATE_TRIES, ProfileSlot, profile_slot, profiles_capped, recount

if TYPE_CHECKING:
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.models.stores import Store
    from storecrm.stores.repositories.stores import StoreRepository

T = TypeVar("T")
# Ids drawn for a shard: one in ten lands on any given one, so a thousand draws never all miss in practice.
ID_DRAWS = 1000


class ProfileRoom:
    def __init__(self, profiles: ProfileRepository, stores: StoreRepository) -> None:
        self.profiles = profiles
        self.stores = stores

    def keys(self, store_id: str) -> list[Key]:
        """What a create adds to its own read of the store: the count shards, when a plan caps profiles."""
        return self.profiles.count_keys(store_id) if profiles_capped() else []

    def slot(self, store: Store, found: dict[Key, Item]) -> ProfileSlot | None:
        """The slot for a profile of `store`, from the shards read with it (`keys`); None: no cap."""
        if not profiles_capped():
            return None
        return profile_slot(store, self.profiles.shard_counts(store.id, found))

    def read(self, store_id: str) -> ProfileSlot | None:
        """The slot for a create that reads nothing of the store itself: the store and its shards in one
        BatchGetItem, only when a plan caps profiles."""
        if not profiles_capped():
            return None
        store_key = self.stores.item_key(store_id)
        found = self.profiles.read([store_key, *self.profiles.count_keys(store_id)])
        store = self.stores.from_item(found.get(store_key))
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        return self.slot(store, found)

    def new_id(self, slot: ProfileSlot | None) -> str:
        """A new profile's id (random: see clock.new_random_id): under a cap, one the store's count keeps on the
        slot's shard."""
        for _ in range(ID_DRAWS):
            drawn = new_random_id()
            if slot is None or self.profiles.shard_of(drawn) == slot.shard:
                return drawn
        raise Conflict("No profile id was found for the store's count; try again", "PROFILE.CONFLICT")

    def create(self, store_id: str, first: ProfileSlot | None, make: Callable[[ProfileSlot | None], T]) -> T:
        """`make(slot)` writes the profile counted on `slot`; when another create changed the count first, it
        is made again from a fresh read (a store that reached its cap meanwhile is then the 402)."""
        slot = first
        for attempt in range(COUNTED_CREATE_TRIES):
            try:
                return make(slot)
            except (TransactionConflict, Conflict) as error:
                if slot is None or not recount(error) or attempt == COUNTED_CREATE_TRIES - 1:
                    raise
                slot = self.read(store_id)
        raise AssertionError("unreachable")
