"""Clienteling consent per store location (issue 15, seed 004): `waiting`, `accepted` or `rejected`.

Opting out at one location opts the profile out at every location it has a state at, in one transaction.
The caller is an API client; its token's store is the tenant, and a location of any other store is not
found. A profile that is gone (erased, merged away) is left out of a location's list, and its opt-ins
are removed when a list meets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.clock import now
from storecrm.crm.models.clienteling import ClientelingOptIn, ClientelingState, Consent
from storecrm.identity.auth import ClientScope, Principal, client_store_id
from storecrm.kernel.errors import NotFound, ValidationFailed
from storecrm.kernel.fields import Command
from storecrm.profiles.models.profiles import Profile
from storecrm.stores.models.locations import Location
from storecrm.stores.permissions import Action
from storecrm.stores.plan_limits import check_not_lapsed

if TYPE_CHECKING:
    from storecrm.crm.repositories.clienteling import ClientelingRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.models.stores import Store
    from storecrm.stores.repositories.locations import LocationRepository
    from storecrm.stores.repositories.stores import StoreRepository

# Opting out rewrites every location of the profile in one transaction (at most 100 writes), and
# removing a gone profile's opt-ins takes two writes per location.
MAX_LOCATIONS_PER_PROFILE = 45
# The deepest a page may reach (offset + count), as for the dialect's other lists.
MAX_WINDOW = 10_000
LOCATION_GONE = NotFound("Store location not found", "LOCATION.NOT_FOUND")
PROFILE_GONE = NotFound("Consumer profile not found", "PROFILE.NOT_FOUND")


class ClientelingChange(Command):
    state: ClientelingState


class ClientelingQuery(Command):
    offset: int = Field(default=0, ge=0)
    count: int = Field(default=10, ge=1, le=500)


@dataclass(frozen=True)
class Consumer:
    """A profile's consent at one location, with what the dialect shows of both."""

    opt_in: ClientelingOptIn
    profile: Profile
    location: Location


@dataclass(frozen=True)
class ConsumerPage:
    items: list[Consumer]
    total: int
    offset: int


def with_state(current: dict[str, Consent], location_id: str, state: ClientelingState,
               at: int) -> dict[str, Consent]:
    """The profile's consents after `state` is set at `location_id`: opting out there opts out at all of the
    profile's locations. A consent that becomes `accepted` takes the time as its opt-in date."""
    targets = [*current, location_id] if state == "rejected" else [location_id]
    updated = dict(current)
    for loc in dict.fromkeys(targets):
        before = current.get(loc)
        if before is not None and before.state == state and loc != location_id:
            continue
        kept_date = before.opt_in_date if before is not None and before.state == "accepted" else None
        updated[loc] = Consent(state=state, opt_in_date=(kept_date or at) if state == "accepted" else None,
                               created_at=before.created_at if before else at, updated_at=at)
    return updated


class ClientelingService:
    def __init__(self, clienteling: ClientelingRepository, profiles: ProfileRepository,
                 locations: LocationRepository, stores: StoreRepository) -> None:
        self.clienteling = clienteling
        self.profiles = profiles
        self.locations = locations
        self.stores = stores

    def set_state(self, caller: Principal, location_id: str, profile_id: str, change: ClientelingChange) -> Consumer:
        """The store, the location, the profile and its consents in one BatchGetItem; then one transaction
        that also checks the location and the profile are still there."""
        store_id = client_store_id(caller, "profiles:write")
        location_key, profile_key = self.locations.item_key(store_id, location_id), self.profiles.item_key(profile_id)
        consents_key = self.clienteling.profile_key(store_id, profile_id)
        found = self._read(store_id, "profiles:write", [location_key, profile_key, consents_key])
        location = self._location(found.get(location_key))
        profile = self._profile(found.get(profile_key), store_id)
        previous = self.clienteling.opt_ins_from(found.get(consents_key), store_id, profile_id)
        consents = with_state(previous.locations, location_id, change.state, now())
        if len(consents) > MAX_LOCATIONS_PER_PROFILE:
            raise ValidationFailed.on("store_id", f"a profile may have a clienteling state at "
                                                  f"{MAX_LOCATIONS_PER_PROFILE} locations at most")
        changed = [loc for loc, consent in consents.items() if previous.locations.get(loc) != consent]
        updated = previous.model_copy(update={"locations": consents, "revision": previous.revision + 1})
        self.clienteling.save(updated, previous, changed, [(location_key, LOCATION_GONE), (profile_key, PROFILE_GONE)])
        return Consumer(ClientelingOptIn(**consents[location_id].model_dump(), store_id=store_id,
                                         location_id=location_id, profile_id=profile_id), profile, location)

    def consumers(self, caller: Principal, location_id: str, q: ClientelingQuery) -> ConsumerPage:
        """The store, the location and its consumer count in one BatchGetItem; the window's opt-ins (one
        Query for up to 1 MB of them); their profiles (one BatchGetItem)."""
        if q.offset + q.count > MAX_WINDOW:
            raise ValidationFailed.on("offset", f"offset + count may reach {MAX_WINDOW} at most")
        store_id = client_store_id(caller, "profiles:read")
        location_key, count_key = self.locations.item_key(store_id, location_id), self.clienteling.count_key(
            store_id, location_id)
        found = self._read(store_id, "profiles:read", [location_key, count_key])
        location = self._location(found.get(location_key))
        total = self.clienteling.count_from(found.get(count_key))
        window = self.clienteling.window(store_id, location_id, offset=q.offset, count=q.count)
        profile_keys = {o.profile_id: self.profiles.item_key(o.profile_id) for o in window}
        profiles = self.clienteling.load(list(profile_keys.values())) if window else {}
        items: list[Consumer] = []
        for opt_in in window:
            profile = self.profiles.from_item(profiles.get(profile_keys[opt_in.profile_id]))
            if profile is None or profile.store_id != store_id:
                total -= self._forget(store_id, opt_in.profile_id)
                continue
            items.append(Consumer(opt_in, profile, location))
        return ConsumerPage(items, max(total, 0), q.offset)

    # ------------------------------------------------------------------ helpers
    def _read(self, store_id: str, scope: ClientScope, wanted: list[Key]) -> dict[Key, Item]:
        """The items asked for, with the token's store: gone is a 404, lapsed stops writes (402)."""
        store_key = self.stores.item_key(store_id)
        found = self.clienteling.load([store_key, *wanted])
        store: Store | None = self.stores.from_item(found.get(store_key))
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        check_not_lapsed(store, Action.MANAGE_PROFILES, reading=scope == "profiles:read")
        return found

    def _location(self, item: Item | None) -> Location:
        location = self.locations.from_item(item)
        if location is None:
            raise LOCATION_GONE
        return location

    def _profile(self, item: Item | None, store_id: str) -> Profile:
        profile = self.profiles.from_item(item)
        if profile is None or profile.store_id != store_id:
            raise PROFILE_GONE
        return profile

    def _forget(self, store_id: str, profile_id: str) -> int:
        """Removes a gone profile's opt-ins; 1 when this call removed them (the page's total shrinks)."""
        return 1 if self.clienteling.forget(store_id, profile_id) else 0
