"""A store's locations: staff CRUD with a key unique in the store (the arky-sdk 0.9.1 location calls)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import NotFound, ValidationFailed
from storecrm.kernel.fields import Command, CountryCode
from storecrm.kernel.models.address_input import AddressIn
from storecrm.kernel.models.addresses import Address
from storecrm.stores.models.locations import Location
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.stores.access import StoreAccess, StoreGuard
    from storecrm.stores.repositories.locations import LocationRepository

# Letters, digits, `_` and `-`: NewStore shows a location's key as its `store_name` (e.g. NYC_1_5thave).
LocationKey = Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]


class LocationAddressIn(AddressIn):
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2, upper case")


class NewLocation(Command):
    key: LocationKey
    address: LocationAddressIn
    is_pickup_location: bool = False
    store_id: str | None = Field(default=None, description="The client repeats the path's store id")


class LocationChanges(Command):
    """The client's UpdateLocationParams (it sends key and address each time); what is left out is kept."""

    id: str | None = None
    store_id: str | None = None
    key: LocationKey | None = None
    address: LocationAddressIn | None = None
    is_pickup_location: bool | None = None


class LocationQuery(Command):
    limit: int = Field(default=100, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)
    # The arky client reads the list as a plain array and never sees the next-cursor header: it pages by
    # passing the id of the last location it holds (ids are time-ordered, the list is in id order).
    after: str | None = Field(default=None, pattern=r"^[0-9a-fA-F-]{36}$",
                              description="The id of the last location of the previous page")

    @model_validator(mode="after")
    def _one_position(self) -> LocationQuery:
        if self.cursor is not None and self.after is not None:
            raise ValueError("send either cursor or after, not both")
        return self


class _ListPosition(Model):
    model_config = {"extra": "forbid"}
    key: dict[str, str]


def _same_store(given: str | None, store_id: str) -> None:
    if given is not None and given != store_id:
        raise ValidationFailed.on("store_id", "does not match the store in the path")


class LocationService:
    def __init__(self, locations: LocationRepository, guard: StoreGuard) -> None:
        self.locations = locations
        self.guard = guard

    def list(self, principal: Principal, store_id: str, q: LocationQuery) -> tuple[list[Location], str | None]:
        """Oldest first: the access check, then one Query."""
        self.guard.enter(principal, store_id, Action.READ_STORE)
        start = cursors.decode(q.cursor, _ListPosition)
        position = start.key if start else None
        if q.after is not None:
            position = self.locations.position_after(store_id, q.after.lower())
        found, last = self.locations.page(store_id, limit=q.limit, after=position)
        return found, cursors.encode(_ListPosition(key=last)) if last else None

    def get(self, principal: Principal, store_id: str, location_id: str) -> Location:
        return self._load(principal, store_id, location_id, Action.READ_STORE)[1]

    def create(self, principal: Principal, store_id: str, data: NewLocation) -> Location:
        _same_store(data.store_id, store_id)
        self.guard.enter(principal, store_id, Action.MANAGE_LOCATIONS)
        at = now()
        location = Location(id=new_id(), store_id=store_id, key=data.key,
                            address=Address.model_validate(data.address.model_dump()),
                            is_pickup_location=data.is_pickup_location, created_at=at, updated_at=at)
        self.locations.create(location)
        return location

    def update(self, principal: Principal, store_id: str, location_id: str, changes: LocationChanges) -> Location:
        _same_store(changes.store_id, store_id)
        if changes.id is not None and changes.id != location_id:
            raise ValidationFailed.on("id", "does not match the location id in the path")
        _, current = self._load(principal, store_id, location_id, Action.MANAGE_LOCATIONS)
        values: dict[str, object] = changes.model_dump(include={"key", "is_pickup_location"}, exclude_none=True)
        if changes.address is not None:
            values["address"] = Address.model_validate(changes.address.model_dump())
        updated = current.model_copy(update={**values, "updated_at": now(), "revision": current.revision + 1})
        self.locations.update(updated, current)
        return updated

    def delete(self, principal: Principal, store_id: str, location_id: str) -> None:
        _, location = self._load(principal, store_id, location_id, Action.MANAGE_LOCATIONS)
        self.locations.delete(location)

    def _load(self, principal: Principal, store_id: str, location_id: str,
              action: Action) -> tuple[StoreAccess, Location]:
        """Store, membership and location in one BatchGetItem."""
        key = self.locations.item_key(store_id, location_id)
        access = self.guard.enter(principal, store_id, action, extra=[key])
        location = self.locations.from_item(access.view.extras.get(key))
        if location is None:
            raise NotFound("Location not found", "LOCATION.NOT_FOUND")
        return access, location
