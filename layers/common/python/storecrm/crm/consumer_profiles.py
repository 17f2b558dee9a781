"""Consumer profiles as retail back offices manage them (the NewStore dialect): offset pages with search and
filters, create with a display id, full replacement on a revision, addresses, orders, and erasure on request.

Over the same store-scoped profile record the other dialects read and write; the tenant is the store of the
API client's token, so every call names its store and a profile of another store is not found.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from storecrm import metrics
from storecrm.clock import new_id, now
from storecrm.kernel.errors import Conflict, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, CountryCode, Email, SortDirection
from storecrm.profiles import search
from storecrm.profiles.activity_items import activity_writes
from storecrm.profiles.models.profiles import ExtendedAttribute, Profile, profile_event
from storecrm.profiles.profile_room import ProfileRoom
from storecrm.stores.permissions import Action
from storecrm.stores.plan_limits import ProfileSlot, check_not_lapsed

if TYPE_CHECKING:
    from storecrm.commerce.models.orders import Order
    from storecrm.commerce.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.crm.profile_erasure import ErasureRequests
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.models.stores import Store
    from storecrm.stores.repositories.stores import StoreRepository

# The deepest a page may reach (offset + count): deeper pages are refused, not served slowly.
WINDOW = 10_000
PAGE_MAX = 500
MAX_EXTENDED_ATTRIBUTES = 20
# Addresses live on the profile record (one item, at most 400 KB).
MAX_ADDRESSES = 50
DISPLAY_ID_LENGTH = 6
# Draws of a new display id before giving up (36^5 * 26 ids per store make a second draw already rare).
DISPLAY_ID_TRIES = 5
# A profile's orders are counted up to this many for the page's `total`.
ORDERS_COUNTED = WINDOW

ConsumerSortField = Literal["created_at", "updated_at", "email"]
AddressType = Literal["billing", "shipping"]
PROFILE_NOT_FOUND = "Consumer profile not found"
ID_MAX = 64


def new_display_id() -> str:
    """Upper-case letters and digits, starting with a letter: never one of the Pelcro dialect's number ids."""
    alphabet = string.ascii_uppercase + string.digits
    return secrets.choice(string.ascii_uppercase) + "".join(secrets.choice(alphabet)
                                                            for _ in range(DISPLAY_ID_LENGTH - 1))


class AddressFields(Command):
    type: AddressType
    company: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    address_1: str | None = Field(default=None, max_length=300)
    address_2: str | None = Field(default=None, max_length=300)
    zip_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    country_code: CountryCode | None = None
    contact_phone: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _state_of_the_country(self) -> AddressFields:
        """A state of the address's country, kept as its short code (storecrm.kernel.geo), as every address."""
        from storecrm.kernel import geo

        if self.country_code and self.state:
            self.state = geo.check_state(self.country_code, self.state)
        return self


class AddressWrite(AddressFields):
    # Optional on create and update as the seed has it; a given one must be the profile's current revision.
    profile_revision: int | None = Field(default=None, ge=0)


class AddressDeletion(Command):
    profile_revision: int = Field(ge=0)


class AddressChanges(AddressWrite):
    type: AddressType | None = None  # type: ignore[assignment]


class NewConsumer(Command):
    email: Email
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone_number: str | None = Field(default=None, max_length=40)
    country_code: str | None = Field(default=None, max_length=8)
    billing_address: AddressFields | None = None
    shipping_address: AddressFields | None = None
    extended_attributes: list[ExtendedAttribute] = Field(default_factory=list, max_length=MAX_EXTENDED_ATTRIBUTES)


class ConsumerReplacement(Command):
    """A full update: what is left out is cleared (the email, the profile's identity, is kept unless given)."""

    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    phone_number: str | None = Field(default=None, max_length=40)
    email: Email | None = None
    extended_attributes: list[ExtendedAttribute] = Field(max_length=MAX_EXTENDED_ATTRIBUTES)
    revision: int = Field(ge=0)


class ConsumerQuery(Command):
    q: str | None = Field(default=None, min_length=1, max_length=200)
    sort_field: ConsumerSortField | None = None
    sort_direction: SortDirection = "desc"
    created_by: str | None = Field(default=None, min_length=1, max_length=64)
    attribute_name: str | None = Field(default=None, min_length=1, max_length=100)
    attribute_value: str | None = Field(default=None, max_length=search.MAX_INDEXED_ATTRIBUTE)
    offset: int = Field(default=0, ge=0)
    count: int = Field(default=10, ge=1, le=PAGE_MAX)

    @model_validator(mode="after")
    def _within_window(self) -> ConsumerQuery:
        if self.offset + self.count > WINDOW:
            raise ValueError(f"offset + count may reach at most {WINDOW} profiles deep; narrow the search instead")
        if self.attribute_value is not None and self.attribute_name is None:
            raise ValueError("filter[extended_attributes.value] needs filter[extended_attributes.name]")
        if self.sort_field and self.filtered:
            raise ValueError("sort applies to the whole list; with q or a filter the index's order is used")
        return self

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.created_by or self.attribute_name)


class PageWindow(Command):
    offset: int = Field(default=0, ge=0)
    count: int = Field(default=10, ge=1, le=PAGE_MAX)

    @model_validator(mode="after")
    def _within_window(self) -> PageWindow:
        if self.offset + self.count > WINDOW:
            raise ValueError(f"offset + count may reach at most {WINDOW} deep")
        return self


@dataclass(frozen=True)
class Consumer:
    """A profile with the store it belongs to (its name is shown beside it)."""

    profile: Profile
    store: Store


@dataclass(frozen=True)
class ConsumerPage:
    items: list[Profile]
    store: Store
    # Without q or filters, the store's profile count; with them, the driving index's entries up to the end of
    # this page, plus one when it holds more (a full count would read every match).
    total: int


@dataclass(frozen=True)
class AddressView:
    address: dict[str, object]
    profile: Profile


class ConsumerProfiles:
    def __init__(self, profiles: ProfileRepository, stores: StoreRepository, commerce: ProfileCommerceRepository,
                 erasure: ErasureRequests) -> None:
        self.profiles = profiles
        self.stores = stores
        self.commerce = commerce
        self.erasure = erasure
        self.room = ProfileRoom(profiles, stores)

    # ------------------------------------------------------------------ reads
    def find(self, store_id: str, q: ConsumerQuery) -> ConsumerPage:
        """The store and its profile count in one BatchGetItem; then, without q or filters, the entries before
        `offset` are passed over (counted, not returned) and one Query reads `count` profiles. With q or
        filters, one index drives (a contact term, the creating client, or an extended attribute): its entries
        passed over the same way, then `count` of them read, and their profiles (BatchGetItem, 100 a call);
        the other conditions filter that page, so it may hold fewer than `count`."""
        found = self.profiles.read([self.stores.item_key(store_id), *self.profiles.count_keys(store_id)])
        store = self._existing(self.stores.from_item(found.get(self.stores.item_key(store_id))))
        if not q.filtered:
            field = q.sort_field or "created_at"
            items = self.profiles.offset_page(store_id, field, forward=q.sort_direction == "asc", offset=q.offset,
                                              count=q.count)
            total = self.profiles.count_from_items(store_id, found)
            return ConsumerPage(items, store, total)
        ids, matches = self._driving_ids(store_id, q)
        loaded = self.profiles.read([self.profiles.item_key(i) for i in ids]) if ids else {}
        profiles = [p for i in ids if (p := self.profiles.from_item(loaded.get(self.profiles.item_key(i))))]
        items = [p for p in profiles if p.store_id == store_id and self._matches(p, q)]
        return ConsumerPage(items, store, matches)

    def _driving_ids(self, store_id: str, q: ConsumerQuery) -> tuple[list[str], int]:
        if q.attribute_name:
            return self.profiles.attribute_ids(store_id, q.attribute_name, q.attribute_value, offset=q.offset,
                                               count=q.count)
        if q.created_by:
            return self.profiles.created_by_ids(store_id, q.created_by, forward=q.sort_direction == "asc",
                                                offset=q.offset, count=q.count)
        assert q.q is not None
        kind, term, _ = self._contact_query(q.q)
        return self.profiles.contact_ids(store_id, kind, term, whole=kind != "n", offset=q.offset, count=q.count)

    @staticmethod
    def _contact_query(q: str) -> tuple[str, str, list[str]]:
        try:
            return search.contact_query(q)
        except ValueError as exc:
            raise ValidationFailed.on("q", str(exc)) from None

    def _matches(self, profile: Profile, q: ConsumerQuery) -> bool:
        """Every condition holds (the driving one too: the index may lag a profile changed since)."""
        if q.created_by and profile.created_by != q.created_by:
            return False
        wanted_value = q.attribute_value.lower() if q.attribute_value is not None else None
        if q.attribute_name and not any(a.name == q.attribute_name and wanted_value in (None, a.value.lower())
                                        for a in profile.extended_attributes):
            return False
        if q.q:
            kind, term, others = self._contact_query(q.q)
            terms = search.contact_terms(profile)
            hit = any(k == kind and (t.startswith(term) if kind == "n" else t == term) for k, t in terms)
            return hit and search.name_words_match(profile, others)
        return True

    def get(self, store_id: str, profile_id: str, *, writing: bool = False) -> Consumer:
        """Profile and store in one BatchGetItem; to change it, the store's plan must not have lapsed (an API
        client writes under the plan as staff do)."""
        if len(profile_id) > ID_MAX:  # no profile has one; and a key that long is refused by DynamoDB
            raise NotFound(PROFILE_NOT_FOUND, "PROFILE.NOT_FOUND")
        key, store_key = self.profiles.item_key(profile_id), self.stores.item_key(store_id)
        found = self.profiles.read([key, store_key])
        store = self._existing(self.stores.from_item(found.get(store_key)), writing=writing)
        return Consumer(self._in_store(self.profiles.from_item(found.get(key)), store_id), store)

    # ------------------------------------------------------------------ writes
    def create(self, store_id: str, created_by: str, data: NewConsumer) -> Consumer:
        """The store read, then one transaction: record, email and display id markers, index items, the store's
        count and the event. A display id met before is drawn again."""
        counts = self.room.keys(store_id)  # under a plan's profile cap, the count is read with the store
        store_key = self.stores.item_key(store_id)
        found = self.profiles.read([store_key, *counts]) if counts else {}
        store = self._existing(self.stores.from_item(found.get(store_key)) if counts else self.stores.get(store_id),
                               writing=True)
        at = now()
        addresses = [_address(a, at) for a in (data.billing_address, data.shipping_address) if a is not None]

        def make(slot: ProfileSlot | None) -> Profile:
            profile = Profile(id=self.room.new_id(slot), store_id=store_id, email=data.email,
                              first_name=data.first_name, last_name=data.last_name, phone=data.phone_number,
                              country_code=data.country_code, extended_attributes=data.extended_attributes,
                              addresses=addresses, created_by=created_by, display_id=new_display_id(), created_at=at,
                              updated_at=at)
            for _ in range(DISPLAY_ID_TRIES):
                try:
                    # NewStore's sign-up: the profile's `signup` activity joins the creating transaction.
                    self.profiles.create(profile, [profile_event("profile.created", profile)], slot,
                                         also=activity_writes(store_id, profile.id, "signup", at=at,
                                                              retention_days=store.activity_retention_days))
                except Conflict as error:
                    if error.code != "PROFILE.DISPLAY_ID_TAKEN":
                        raise
                    profile = profile.model_copy(update={"display_id": new_display_id()})
                    continue
                return profile
            raise Conflict("No free display id was found; try again", "PROFILE.CONFLICT")

        profile = self.room.create(store_id, self.room.slot(store, found) if counts else None, make)
        metrics.count(metrics.PROFILES_CREATED)
        return Consumer(profile, store)

    def replace(self, store_id: str, profile_id: str, data: ConsumerReplacement) -> Consumer:
        """Read (one BatchGetItem), then one transaction conditional on the revision read. A profile another
        dialect made gets its display id here."""
        current = self.get(store_id, profile_id, writing=True)
        profile = current.profile
        self._check_revision(profile, data.revision, "revision")
        changes: dict[str, object] = {"first_name": data.first_name, "last_name": data.last_name,
                                      "phone": data.phone_number, "extended_attributes": data.extended_attributes}
        if data.email is not None and data.email != profile.email:
            changes |= {"email": data.email, "verified": False}  # what was verified was the old address
        updated = self._save(profile, changes, sorted(changes))
        return Consumer(updated, current.store)

    def request_deletion(self, store_id: str, profile_id: str) -> None:
        profile = self.get(store_id, profile_id, writing=True).profile
        self.erasure.request(profile)

    # ------------------------------------------------------------------ addresses
    def add_address(self, store_id: str, profile_id: str, data: AddressWrite) -> AddressView:
        profile = self.get(store_id, profile_id, writing=True).profile
        self._check_revision(profile, data.profile_revision, "profile_revision")
        if len(profile.addresses) >= MAX_ADDRESSES:
            raise ValidationFailed.on("type", f"a profile holds at most {MAX_ADDRESSES} addresses")
        address = _address(data, now())
        updated = self._save(profile, {"addresses": [*profile.addresses, address]}, ["addresses"])
        return AddressView(address, updated)

    def address(self, store_id: str, profile_id: str, address_id: str) -> AddressView:
        profile = self.get(store_id, profile_id).profile
        return AddressView(_find_address(profile, address_id), profile)

    def update_address(self, store_id: str, profile_id: str, address_id: str, data: AddressChanges) -> AddressView:
        profile = self.get(store_id, profile_id, writing=True).profile
        self._check_revision(profile, data.profile_revision, "profile_revision")
        current = _find_address(profile, address_id)
        given = data.model_dump(exclude_none=True, exclude={"profile_revision"})
        address = {**current, **given, "updated_at": now()}
        addresses = [address if a.get("id") == address_id else a for a in profile.addresses]
        return AddressView(address, self._save(profile, {"addresses": addresses}, ["addresses"]))

    def delete_address(self, store_id: str, profile_id: str, address_id: str, profile_revision: int) -> Profile:
        profile = self.get(store_id, profile_id, writing=True).profile
        self._check_revision(profile, profile_revision, "profile_revision")
        _find_address(profile, address_id)
        return self._save(profile, {"addresses": [a for a in profile.addresses if a.get("id") != address_id]},
                          ["addresses"])

    # ------------------------------------------------------------------ orders
    def orders(self, store_id: str, profile_id: str, window: PageWindow) -> tuple[list[Order], int]:
        """The profile's orders, newest first: the profile read, the profile's orders counted on its index,
        the entries before `offset` passed over, and one Query of `count` orders."""
        self.get(store_id, profile_id)
        return self.commerce.orders_window(store_id, profile_id, offset=window.offset, count=window.count,
                                           counted=ORDERS_COUNTED)

    # ------------------------------------------------------------------ helpers
    def _save(self, profile: Profile, changes: dict[str, object], changed: list[str]) -> Profile:
        """Writes the changes on the revision read, with a display id for a profile that has none yet."""
        for _ in range(DISPLAY_ID_TRIES):
            extra = {} if profile.display_id else {"display_id": new_display_id()}
            updated = profile.model_validate({**profile.model_dump(), **changes, **extra, "updated_at": now(),
                                              "revision": profile.revision + 1})
            try:
                self.profiles.update(updated, profile, [profile_event("profile.updated", updated, changed=changed)])
            except Conflict as error:
                if error.code != "PROFILE.DISPLAY_ID_TAKEN":
                    raise
                continue
            return updated
        raise Conflict("No free display id was found; try again", "PROFILE.CONFLICT")

    @staticmethod
    def _check_revision(profile: Profile, given: int | None, field_name: str) -> None:
        if given is not None and given != profile.revision:
            raise Conflict(f"The profile is at revision {profile.revision}, not {given} ({field_name}); read it "
                           "again and retry", "PROFILE.REVISION_MISMATCH")

    @staticmethod
    def _existing(store: Store | None, *, writing: bool = False) -> Store:
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        if writing:
            check_not_lapsed(store, Action.MANAGE_PROFILES)
        return store

    @staticmethod
    def _in_store(profile: Profile | None, store_id: str) -> Profile:
        if profile is None or profile.store_id != store_id:
            raise NotFound(PROFILE_NOT_FOUND, "PROFILE.NOT_FOUND")
        return profile


def _address(data: AddressFields, at: int) -> dict[str, object]:
    fields = AddressFields.model_validate(data.model_dump(include=set(AddressFields.model_fields)))
    return {**fields.model_dump(), "id": new_id(), "created_at": at, "updated_at": at}


def _find_address(profile: Profile, address_id: str) -> dict[str, object]:
    for address in profile.addresses:
        if address.get("id") == address_id:
            return address
    raise NotFound("The profile has no such address", "ADDRESS.NOT_FOUND")
