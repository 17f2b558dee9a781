"""Bookable services (arky-sdk 0.9.1 `eshop` services, providers and service providers): staff create, read, find,
update and delete them under /v1/stores/{storeId}/...; storefronts read the active ones.

A service or provider is named in a path by its id, `{storeId}:{key}` or `{storeId}:{language}:{slug}` (the
client's forms, as for products). A service provider (one per service and provider) holds the provider's terms for
the service: working days with hours, specific dates that replace a weekday's hours, the parts of a booking
(durations), the slot interval, how far ahead a slot may be booked, prices per market, and reminders.

Times of day are minutes after local midnight in the store's timezone; durations and the slot interval are
minutes; advances and reminders are seconds. All are whole multiples of 5 minutes (the grid bookings are kept on),
so overlapping hours and bookings are found exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field

from storecrm.bookings.availability import bookable_from, free, slots
from storecrm.bookings.models.bookings import (
    CatalogEntry,
    Provider,
    ProviderStatus,
    Service,
    ServiceDuration,
    ServiceProvider,
    ServiceStatus,
    SpecificDate,
    Weekday,
    WorkingDay,
    WorkingHour,
    ZoneLocation,
)
from storecrm.catalog.models.products import Price
from storecrm.catalog.products import CatalogEntryChanges, CatalogEntryIn
from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import FieldError, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, Currency, MarketKey, SortDirection, WholeNumber
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.rules import key_in_ref
from storecrm.profiles.search import TaxonomyQuery, taxonomies_match
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.bookings.repositories.bookings import BookingLedger, CatalogEntries, ServiceProviderRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item
    from storecrm.profiles.models.taxonomies import TaxonomyEntry
    from storecrm.profiles.taxonomies import TaxonomyValues
    from storecrm.stores.access import StoreAccess, StoreGuard
    from storecrm.stores.models.stores import Market
    from storecrm.stores.repositories.markets import MarketRepository
    from storecrm.stores.repositories.stores import StoreRepository

GRID_MINUTES = 5
DAY_MINUTES = 24 * 60
# A booking's cells go into its checkout's transaction (100 writes): 6 hours is 72 of them.
MAX_BOOKING_MINUTES = 6 * 60
MAX_REMINDERS = 10
MIN_REMINDER = 5 * 60
MAX_REMINDER = 30 * 24 * 3600
MAX_ADVANCE = 365 * 24 * 3600
# The links a service or provider deletion removes in its transaction (two writes each).
MAX_LINKS = 40

Id = Annotated[str, Field(min_length=1, max_length=64)]
Minutes = Annotated[WholeNumber, Field(ge=0, le=DAY_MINUTES)]
Seconds = Annotated[WholeNumber, Field(ge=0, le=MAX_ADVANCE)]


# ---------------------------------------------------------------- commands
class ZoneLocationIn(Command):
    """The client's ZoneLocation: where a service is performed."""

    country: str | None = Field(default=None, max_length=64)
    state: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)

    def location(self) -> ZoneLocation:
        return ZoneLocation(**self.model_dump())


class NewService(CatalogEntryIn):
    status: ServiceStatus = Field(default="draft", description="Storefronts see active services only")
    location: ZoneLocationIn | None = None


class NewProvider(CatalogEntryIn):
    status: ProviderStatus = Field(default="draft", description="Storefronts see active providers only")


class ServiceChanges(CatalogEntryChanges):
    status: ServiceStatus | None = None
    location: ZoneLocationIn | None = Field(default=None, description="null removes it")


class ProviderChanges(CatalogEntryChanges):
    status: ProviderStatus | None = None


class WorkingHourIn(Command):
    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True, validate_by_name=True,
                              validate_by_alias=True)
    from_: Minutes = Field(alias="from", description="Minutes after local midnight")
    to: Minutes = Field(description="Minutes after local midnight (1440: midnight at the day's end)")


class WorkingDayIn(Command):
    day: Weekday
    working_hours: list[WorkingHourIn] = Field(default_factory=list, max_length=24)


class SpecificDateIn(Command):
    date: WholeNumber = Field(ge=0, le=10**10, description="Any Unix second of the local day")
    working_hours: list[WorkingHourIn] = Field(default_factory=list, max_length=24,
                                               description="None: closed that day")


class DurationIn(Command):
    duration: WholeNumber = Field(ge=GRID_MINUTES, le=MAX_BOOKING_MINUTES, description="Minutes")
    is_pause: bool = False


class PriceIn(Command):
    currency: Currency
    market: MarketKey = Field(description="The key of one of the store's markets; currency must be its currency")
    amount: WholeNumber = Field(ge=0, le=100_000_000, description="Smallest currency unit (cents)")
    compare_at: WholeNumber | None = Field(default=None, ge=0, le=100_000_000)


class _TermsIn(Command):
    working_days: list[WorkingDayIn] | None = Field(default=None, max_length=7)
    specific_dates: list[SpecificDateIn] | None = Field(default=None, max_length=366)
    prices: list[PriceIn] | None = Field(default=None, max_length=50)
    durations: list[DurationIn] | None = Field(default=None, max_length=20)
    slot_interval: WholeNumber | None = Field(default=None, ge=GRID_MINUTES, le=DAY_MINUTES, description="Minutes")
    forms: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    reminders: list[WholeNumber] | None = Field(default=None, description="Seconds before a booking starts, each "
                                                "5 minutes to 30 days, at most 10")
    min_advance: Seconds | None = Field(default=None, description="Seconds")
    max_advance: Seconds | None = Field(default=None, description="Seconds (0: no limit)")


class NewServiceProvider(_TermsIn):
    service_id: Id
    provider_id: Id
    working_days: list[WorkingDayIn] = Field(default_factory=list, max_length=7)
    specific_dates: list[SpecificDateIn] = Field(default_factory=list, max_length=366)
    slot_interval: WholeNumber = Field(ge=GRID_MINUTES, le=DAY_MINUTES, description="Minutes")


class ServiceProviderChanges(_TermsIn):
    id: Id | None = Field(default=None, description="May repeat the id in the path; must match it")


TERMS = ("working_days", "specific_dates", "prices", "durations", "slot_interval", "forms", "reminders",
         "min_advance", "max_advance")


class CatalogQuery(Command):
    """The client's GetServicesParams / GetProvidersParams (the filters this store answers)."""

    ids: list[Id] | None = Field(default=None, max_length=98)
    query: str | None = Field(default=None, max_length=128, description="Prefix of keys")
    status: ServiceStatus | None = None
    service_id: Id | None = Field(default=None, description="Providers: those with terms for this service")
    provider_id: Id | None = Field(default=None, description="Services: those this provider performs")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None
    # Entries are listed in creation order (their UUIDv7 ids): that is the one sort there is an index for.
    sort_field: Literal["created_at"] | None = Field(default=None, description="Only created_at (the default)")
    sort_direction: SortDirection | None = Field(default=None, description="Default asc (oldest first)")
    created_at_from: int | None = Field(default=None, ge=0)
    created_at_to: int | None = Field(default=None, ge=0)
    taxonomy_query: list[TaxonomyQuery] | None = Field(default=None, max_length=10)
    match_all: bool = Field(default=True, description="Every taxonomy query must match (else any one)")
    # The client's time window of booked time (arky answers it as a provider timeline): not served here.
    window: tuple[int | None, int | None] = (None, None)

    @property
    def forward(self) -> bool:
        return self.sort_direction != "desc"

    def check(self) -> None:
        """Refuses what this find cannot answer rather than ignoring it."""
        for name, given in zip(("from", "to"), self.window, strict=True):
            if given is not None:
                raise ValidationFailed.on(name, "not served by this find: free and booked time is answered by "
                                                "GET /v1/stores/{storeId}/services/availability")
        if (self.created_at_from is not None and self.created_at_to is not None
                and self.created_at_from > self.created_at_to):
            raise ValidationFailed.on("created_at_to", "must not be before created_at_from")

    def matches(self, entry: CatalogEntry) -> bool:
        return ((not self.query or entry.key.startswith(self.query))
                and (self.status is None or entry.status == self.status)
                and (self.created_at_from is None or entry.created_at >= self.created_at_from)
                and (self.created_at_to is None or entry.created_at <= self.created_at_to)
                and (not self.taxonomy_query or taxonomies_match(entry.taxonomies, self.taxonomy_query,
                                                                 match_all=self.match_all)))


class _Position(Model):
    model_config = {"extra": "forbid"}
    key: dict[str, str]
    forward: bool = True  # cursors from before sort_direction existed are oldest first


# ---------------------------------------------------------------- rules
def _hours(given: Sequence[WorkingHourIn], field: str, errors: list[FieldError]) -> list[WorkingHour]:
    hours = []
    for i, hour in enumerate(given):
        if hour.from_ % GRID_MINUTES or hour.to % GRID_MINUTES:
            errors.append(FieldError(f"{field}.{i}", f"hours are whole multiples of {GRID_MINUTES} minutes"))
        if hour.from_ >= hour.to:
            errors.append(FieldError(f"{field}.{i}.to", "must be after from"))
        hours.append(WorkingHour(from_=hour.from_, to=hour.to))
    ordered = sorted(range(len(hours)), key=lambda i: hours[i].from_)
    for before, after in pairwise(ordered):
        if hours[after].from_ < hours[before].to:
            errors.append(FieldError(f"{field}.{after}", f"overlaps working hours {before}"))
    return sorted(hours, key=lambda h: h.from_)


def local_day(at: int, timezone: str) -> str:
    return datetime.fromtimestamp(at, ZoneInfo(timezone)).date().isoformat()


def check_terms(terms: _TermsIn, markets: dict[str, Market | None], timezone: str) -> dict[str, Any]:
    """The terms given, checked: every mistake is a 400 naming its field, and nothing is written."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if terms.working_days is not None:
        days = [d.day for d in terms.working_days]
        for i, day in enumerate(days):
            if day in days[:i]:
                errors.append(FieldError(f"working_days.{i}.day", "a day is listed twice"))
        values["working_days"] = [WorkingDay(day=d.day, working_hours=_hours(d.working_hours,
                                                                             f"working_days.{i}.working_hours",
                                                                             errors))
                                  for i, d in enumerate(terms.working_days)]
    if terms.specific_dates is not None:
        seen: list[str] = []
        dates = []
        for i, date in enumerate(terms.specific_dates):
            local = local_day(date.date, timezone)
            if local in seen:
                errors.append(FieldError(f"specific_dates.{i}.date", "a date is listed twice"))
            seen.append(local)
            dates.append(SpecificDate(date=date.date, working_hours=_hours(
                date.working_hours, f"specific_dates.{i}.working_hours", errors)))
        values["specific_dates"] = dates
    if terms.durations is not None:
        for i, part in enumerate(terms.durations):
            if part.duration % GRID_MINUTES:
                errors.append(FieldError(f"durations.{i}.duration", f"a whole multiple of {GRID_MINUTES} minutes"))
        if terms.durations and all(p.is_pause for p in terms.durations):
            errors.append(FieldError("durations", "a booking needs a part that is not a pause"))
        if sum(p.duration for p in terms.durations) > MAX_BOOKING_MINUTES:
            errors.append(FieldError("durations", f"a booking lasts at most {MAX_BOOKING_MINUTES} minutes"))
        values["durations"] = [ServiceDuration(duration=p.duration, is_pause=p.is_pause) for p in terms.durations]
    if terms.slot_interval is not None:
        if terms.slot_interval % GRID_MINUTES:
            errors.append(FieldError("slot_interval", f"a whole multiple of {GRID_MINUTES} minutes"))
        values["slot_interval"] = terms.slot_interval
    if terms.reminders is not None:
        if len(terms.reminders) > MAX_REMINDERS:
            errors.append(FieldError("reminders", f"at most {MAX_REMINDERS} reminders"))
        for i, offset in enumerate(terms.reminders):
            if not MIN_REMINDER <= offset <= MAX_REMINDER:
                errors.append(FieldError(f"reminders.{i}", f"between {MIN_REMINDER} seconds (5 minutes) and "
                                                           f"{MAX_REMINDER} seconds (30 days)"))
            elif offset % 60:
                errors.append(FieldError(f"reminders.{i}", "whole minutes (a multiple of 60 seconds)"))
            elif offset in terms.reminders[:i]:
                errors.append(FieldError(f"reminders.{i}", "listed twice"))
        values["reminders"] = sorted(set(terms.reminders), reverse=True)
    if terms.prices is not None:
        seen_markets: set[str] = set()
        for i, price in enumerate(terms.prices):
            market = markets.get(price.market)
            if market is None:
                errors.append(FieldError(f"prices.{i}.market", "no market with this key in this store"))
            elif price.currency != market.currency:
                errors.append(FieldError(f"prices.{i}.currency", f"the '{market.key}' market sells in "
                                                                 f"{market.currency}"))
            if price.market in seen_markets:
                errors.append(FieldError(f"prices.{i}", "a second price for the same market"))
            seen_markets.add(price.market)
        values["prices"] = [Price(currency=p.currency, market=p.market, amount=p.amount, compare_at=p.compare_at)
                            for p in terms.prices]
    for name in ("forms", "min_advance", "max_advance"):
        if getattr(terms, name) is not None:
            values[name] = getattr(terms, name)
    if errors:
        raise ValidationFailed("Invalid service provider terms", errors)
    return values


def check_advance(link: ServiceProvider) -> None:
    if link.max_advance and link.max_advance < link.min_advance:
        raise ValidationFailed.on("max_advance", "must not be before min_advance (0: no limit)")
    if not link.durations:
        raise ValidationFailed.on("durations", "a booking needs at least one part")


def catalog_event(type_: str, kind: str, entry: CatalogEntry) -> OutboxEvent:
    if type_.endswith(".deleted"):
        return OutboxEvent.new(type_, entry.store_id, {f"{kind}_id": entry.id, "key": entry.key})
    return OutboxEvent.new(type_, entry.store_id, {kind: entry.model_dump(mode="json", exclude={"revision"})})


E = TypeVar("E", bound=CatalogEntry)


# ---------------------------------------------------------------- lookup by id, key or slug
class EntryLookup(Generic[E]):
    """One read asks for the entry by id and for its key (or slug) marker; a key or slug costs one more."""

    def __init__(self, entries: CatalogEntries[E]) -> None:
        self.entries = entries
        self.missing = NotFound(f"{entries.kind.title()} not found", f"{entries.kind}.NOT_FOUND")

    def keys(self, store_id: str, ref: str) -> list[Key]:
        return [self.entries.item_key(store_id, ref), self._marker_key(store_id, ref)]

    def pick(self, store_id: str, ref: str, found: dict[Key, Item]) -> E:
        entry = self.entries.from_item(found.get(self.entries.item_key(store_id, ref)))
        if entry is None:
            entry_id = self.entries.id_from_marker(found.get(self._marker_key(store_id, ref)))
            entry = self.entries.get(store_id, entry_id) if entry_id else None
        if entry is None or entry.store_id != store_id:
            raise self.missing
        return entry

    def _marker_key(self, store_id: str, ref: str) -> Key:
        named = key_in_ref(store_id, ref)
        language, colon, slug = named.partition(":")
        if colon:
            return self.entries.slug_key(store_id, language, slug)
        return self.entries.marker_key(store_id, named)


class CatalogEntryService(Generic[E]):
    """Staff create, read, find, update and delete services or providers (`kind` service or provider)."""

    def __init__(self, entries: CatalogEntries[E], links: ServiceProviderRepository, guard: StoreGuard,
                 taxonomy_values: TaxonomyValues | None = None) -> None:
        self.entries = entries
        self.links = links
        self.guard = guard
        self.lookup = EntryLookup(entries)
        self.kind = entries.label
        self.taxonomy_values = taxonomy_values  # checks taxonomy values against their schemas

    def create(self, principal: Principal, store_id: str, data: NewService | NewProvider) -> E:
        taxonomies, where = (data.taxonomies, "taxonomies") if data.taxonomies is not None else (data.filters,
                                                                                                 "filters")
        access = self.guard.enter(principal, store_id, Action.MANAGE_SERVICES,
                                  extra=self._taxonomy_keys(store_id, taxonomies))
        if self.taxonomy_values:
            self.taxonomy_values.check(store_id, taxonomies, access.view.extras, where)
        at = now()
        entry = self.entries.model(
            id=new_id(), store_id=store_id, key=data.key, slug=data.slug, blocks=[b.block() for b in data.blocks],
            taxonomies=data.taxonomies if data.taxonomies is not None else data.filters or [], status=data.status,
            created_at=at, updated_at=at,
            **({"location": data.location.location()} if isinstance(data, NewService) and data.location else {}))
        self.entries.create(entry, [catalog_event(f"{self.kind}.created", self.kind, entry)])
        return entry

    def get(self, principal: Principal, store_id: str, ref: str) -> E:
        """One BatchGetItem by id (the store, membership and entry); a key or slug costs one more read."""
        return self._load(principal, store_id, ref, Action.READ_STORE)

    def find(self, principal: Principal, store_id: str, q: CatalogQuery) -> tuple[list[E], str | None]:
        return find_entries(self.entries, self.links, store_id, q, lambda wanted: self.guard.enter(
            principal, store_id, Action.READ_STORE, extra=wanted).view.extras)

    def update(self, principal: Principal, store_id: str, ref: str,
               changes: ServiceChanges | ProviderChanges) -> E:
        given = changes.model_dump(exclude_unset=True)
        for required in ("key", "slug", "blocks", "taxonomies", "status"):
            if required in given and given[required] is None:
                raise ValidationFailed.on(required, "cannot be removed")
        taxonomies = changes.taxonomies if changes.taxonomies is not None else changes.filters
        access = self.guard.enter(principal, store_id, Action.MANAGE_SERVICES,
                                  extra=[*self.lookup.keys(store_id, ref), *self._taxonomy_keys(store_id, taxonomies)])
        current = self.lookup.pick(store_id, ref, access.view.extras)
        if self.taxonomy_values:
            self.taxonomy_values.check(store_id, taxonomies, access.view.extras,
                                       "taxonomies" if changes.taxonomies is not None else "filters")
        if changes.id is not None and changes.id != current.id:
            raise ValidationFailed.on("id", f"does not match the {self.kind} in the path")
        values: dict[str, Any] = changes.model_dump(include={"key", "slug", "status"}, exclude_unset=True)
        if changes.blocks is not None:
            values["blocks"] = [b.block() for b in changes.blocks]
        if taxonomies is not None:
            values["taxonomies"] = taxonomies
        if isinstance(changes, ServiceChanges) and "location" in changes.model_fields_set:
            values["location"] = changes.location.location() if changes.location else None
        if current.model_copy(update=values) == current:
            return current
        updated: E = current.model_copy(update={**values, "revision": current.revision + 1, "updated_at": now()})
        self.entries.update(updated, current, [catalog_event(f"{self.kind}.updated", self.kind, updated)])
        return updated

    def delete(self, principal: Principal, store_id: str, ref: str) -> None:
        """The entry, its markers and its service providers' terms in one transaction (booked orders keep
        what they booked)."""
        entry = self._load(principal, store_id, ref, Action.MANAGE_SERVICES)
        links = (self.links.of_service(store_id, entry.id) if self.kind == "service"
                 else self.links.of_provider(store_id, entry.id))
        if len(links) > MAX_LINKS:
            raise ValidationFailed.on("id", f"remove its service providers first (it has {len(links)})")
        self.entries.delete(entry, [w for link in links for w in self.links.delete_writes(link)],
                            [catalog_event(f"{self.kind}.deleted", self.kind, entry)])

    def _load(self, principal: Principal, store_id: str, ref: str, action: Action) -> E:
        access = self.guard.enter(principal, store_id, action, extra=self.lookup.keys(store_id, ref))
        return self.lookup.pick(store_id, ref, access.view.extras)

    def _taxonomy_keys(self, store_id: str, entries: list[TaxonomyEntry] | None) -> list[Key]:
        return self.taxonomy_values.keys(store_id, entries) if self.taxonomy_values else []


def find_entries(entries: CatalogEntries[E], links: ServiceProviderRepository, store_id: str, q: CatalogQuery,
                 load: Any) -> tuple[list[E], str | None]:
    """`ids`, or the service's providers / the provider's services (one Query, then one read of them), in one
    answer; otherwise one Query of the store's entries in creation order, its filters thinning the page."""
    wanted_ids: list[str] | None = list(dict.fromkeys(q.ids)) if q.ids is not None else None
    if q.service_id is not None and entries.kind == "PROVIDER":
        wanted_ids = [link.provider_id for link in links.of_service(store_id, q.service_id)
                      if wanted_ids is None or link.provider_id in wanted_ids]
    if q.provider_id is not None and entries.kind == "SERVICE":
        wanted_ids = [link.service_id for link in links.of_provider(store_id, q.provider_id)
                      if wanted_ids is None or link.service_id in wanted_ids]
    q.check()
    if wanted_ids is not None:
        wanted = [entries.item_key(store_id, i) for i in wanted_ids[:98]]
        found = load(wanted)
        listed = [e for k in wanted if (e := entries.from_item(found.get(k))) is not None and e.store_id == store_id]
        if q.sort_field or q.sort_direction:
            listed.sort(key=lambda e: (e.created_at, e.id), reverse=not q.forward)
        return [e for e in listed if q.matches(e)], None
    start = cursors.decode(q.cursor, _Position)
    if start is not None and not start.key.get("SK", "").startswith(f"{entries.kind}#"):
        raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
    if start is not None and (start.key.get("PK") != f"STORE#{store_id}" or start.forward != q.forward):
        raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
    load([])
    page, last = entries.list_page(store_id, limit=q.limit, after=start.key if start else None, forward=q.forward)
    return ([e for e in page if q.matches(e)],
            cursors.encode(_Position(key=last, forward=q.forward)) if last else None)


# ---------------------------------------------------------------- service providers
class ServiceProviderService:
    def __init__(self, links: ServiceProviderRepository, services: CatalogEntries[Service],
                 providers: CatalogEntries[Provider], markets: MarketRepository, guard: StoreGuard) -> None:
        self.links = links
        self.services = services
        self.providers = providers
        self.markets = markets
        self.guard = guard
        self.missing = NotFound("Service provider not found", "SERVICE_PROVIDER.NOT_FOUND")

    def create(self, principal: Principal, store_id: str, data: NewServiceProvider) -> ServiceProvider:
        """The store, membership, service, provider and the markets the prices name in one read; one
        transaction that keeps the service and provider there."""
        service_key = self.services.item_key(store_id, data.service_id)
        provider_key = self.providers.item_key(store_id, data.provider_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_SERVICES,
                                  extra=[service_key, provider_key, *self._market_keys(store_id, data)])
        found = access.view.extras
        if self.services.from_item(found.get(service_key)) is None:
            raise ValidationFailed.on("service_id", "no service with this id in this store")
        if self.providers.from_item(found.get(provider_key)) is None:
            raise ValidationFailed.on("provider_id", "no provider with this id in this store")
        values = check_terms(data, self._markets(access, data), access.store.timezone)
        at = now()
        link = ServiceProvider(id=new_id(), service_id=data.service_id, provider_id=data.provider_id,
                               store_id=store_id, created_at=at, updated_at=at,
                               **{"durations": [ServiceDuration(duration=data.slot_interval)], **values})
        check_advance(link)
        self.links.create(link, [service_key, provider_key],
                          ValidationFailed.on("service_id", "the service or provider was deleted meanwhile"))
        return link

    def get(self, principal: Principal, store_id: str, link_id: str) -> ServiceProvider:
        return self._load(principal, store_id, link_id, Action.READ_STORE)[1]

    def find(self, principal: Principal, store_id: str, service_id: str | None,
             provider_id: str | None) -> list[ServiceProvider]:
        """One Query: the service's (or the provider's, or the store's) terms; a plain array, as the client
        reads it."""
        self.guard.enter(principal, store_id, Action.READ_STORE)
        return terms_of(self.links, store_id, service_id, provider_id)

    def update(self, principal: Principal, store_id: str, link_id: str,
               changes: ServiceProviderChanges) -> ServiceProvider:
        if changes.id is not None and changes.id != link_id:
            raise ValidationFailed.on("id", "does not match the service provider in the path")
        for name in TERMS:
            if name in changes.model_fields_set and getattr(changes, name) is None:
                raise ValidationFailed.on(name, "cannot be removed")
        access, current = self._load(principal, store_id, link_id, Action.MANAGE_SERVICES,
                                     extra=self._market_keys(store_id, changes))
        values = check_terms(changes, self._markets(access, changes), access.store.timezone)
        updated = current.model_copy(update=values)
        check_advance(updated)
        if updated == current:
            return current
        updated = updated.model_copy(update={"revision": current.revision + 1, "updated_at": now()})
        self.links.update(updated, current)
        return updated

    def delete(self, principal: Principal, store_id: str, link_id: str) -> None:
        _, link = self._load(principal, store_id, link_id, Action.MANAGE_SERVICES)
        self.links.transact(self.links.delete_writes(link))

    def _load(self, principal: Principal, store_id: str, link_id: str, action: Action,
              extra: Sequence[Key] = ()) -> tuple[StoreAccess, ServiceProvider]:
        """The id marker with the access check, then the terms it names (two reads)."""
        marker_key = self.links.id_key(store_id, link_id)
        access = self.guard.enter(principal, store_id, action, extra=[marker_key, *extra])
        pair = self.links.pair_from_marker(access.view.extras.get(marker_key))
        link = self.links.get(store_id, *pair) if pair else None
        if link is None or link.store_id != store_id:
            raise self.missing
        return access, link

    def _market_keys(self, store_id: str, terms: _TermsIn) -> list[Key]:
        return [self.markets.marker_key(store_id, p.market) for p in terms.prices or []]

    def _markets(self, access: StoreAccess, terms: _TermsIn) -> dict[str, Market | None]:
        return {p.market: self.markets.from_marker(access.view.extras.get(
            self.markets.marker_key(access.store.id, p.market))) for p in terms.prices or []}


def terms_of(links: ServiceProviderRepository, store_id: str, service_id: str | None,
             provider_id: str | None) -> list[ServiceProvider]:
    if service_id is not None:
        return [link for link in links.of_service(store_id, service_id)
                if provider_id is None or link.provider_id == provider_id]
    if provider_id is not None:
        return links.of_provider(store_id, provider_id)
    return links.of_store(store_id)


# ---------------------------------------------------------------- storefront
class BookingCatalog:
    """What shoppers see: active services and providers only; drafts and archived ones answer like unknown ones."""

    def __init__(self, services: CatalogEntries[Service], providers: CatalogEntries[Provider],
                 links: ServiceProviderRepository, stores: StoreRepository) -> None:
        self.services = services
        self.providers = providers
        self.links = links
        self.stores = stores

    def service(self, store_id: str, ref: str) -> Service:
        return self._shown(EntryLookup(self.services), store_id, ref)

    def provider(self, store_id: str, ref: str) -> Provider:
        return self._shown(EntryLookup(self.providers), store_id, ref)

    def find_services(self, store_id: str, q: CatalogQuery) -> tuple[list[Service], str | None]:
        return self._listed(self.services, store_id, q)

    def find_providers(self, store_id: str, q: CatalogQuery) -> tuple[list[Provider], str | None]:
        return self._listed(self.providers, store_id, q)

    def service_providers(self, store_id: str, service_id: str | None) -> list[Provider]:
        """The active providers with terms for the service (the client reads Provider[] here)."""
        found, _ = self._listed(self.providers, store_id, CatalogQuery(service_id=service_id or "", limit=100))
        return found

    def _shown(self, lookup: EntryLookup[E], store_id: str, ref: str) -> E:
        entry = lookup.pick(store_id, ref, self._with_store(store_id, lookup.keys(store_id, ref)))
        if entry.status != "active":
            raise lookup.missing
        return entry

    def _listed(self, entries: CatalogEntries[E], store_id: str, q: CatalogQuery) -> tuple[list[E], str | None]:
        if q.status not in (None, "active"):
            self._with_store(store_id, [])
            return [], None
        return find_entries(entries, self.links, store_id, q.model_copy(update={"status": "active"}),
                            lambda wanted: self._with_store(store_id, wanted))

    def _with_store(self, store_id: str, wanted: list[Key]) -> dict[Key, Item]:
        store_key = self.stores.item_key(store_id)
        found = self.links.load([store_key, *wanted])
        if store_key not in found:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        return found


# ---------------------------------------------------------------- availability
MAX_AVAILABILITY_DAYS = 31


class AvailabilityQuery(Command):
    """The client's GetAvailabilityParams."""

    service_id: Id
    provider_id: Id | None = None
    from_: int = Field(alias="from", ge=0, le=10**10, description="Unix seconds")
    to: int = Field(ge=0, le=10**10, description="Unix seconds")

    model_config = ConfigDict(defer_build=True, extra="ignore", validate_by_name=True, validate_by_alias=True)


class FreeSlot(Model):
    model_config = ConfigDict(defer_build=True, serialize_by_alias=True, validate_by_name=True,
                              validate_by_alias=True)
    from_: int = Field(alias="from")
    to: int
    spots: int = 1


class DaySlots(Model):
    date: str = Field(description="The local date (store timezone), YYYY-MM-DD")
    slots: list[FreeSlot]


class ProviderAvailability(Model):
    provider_id: str
    provider_key: str
    days: list[DaySlots]


class Availability(Model):
    model_config = ConfigDict(defer_build=True, serialize_by_alias=True, validate_by_name=True,
                              validate_by_alias=True)
    from_: int = Field(alias="from")
    to: int
    providers: list[ProviderAvailability]


class AvailabilityFinder:
    """Free slots of a service (and provider) in a time range: its providers' working windows in the store's
    timezone, on their slot grid, within their advances, minus the time confirmed and held orders book."""

    def __init__(self, services: CatalogEntries[Service], providers: CatalogEntries[Provider],
                 links: ServiceProviderRepository, ledger: BookingLedger, stores: StoreRepository,
                 guard: StoreGuard) -> None:
        self.services = services
        self.providers = providers
        self.links = links
        self.ledger = ledger
        self.stores = stores
        self.guard = guard

    def staff(self, principal: Principal, store_id: str, q: AvailabilityQuery) -> Availability:
        """Staff see every provider with terms, whatever the statuses."""
        _check_range(q)
        access = self.guard.enter(principal, store_id, Action.READ_STORE,
                                  extra=[self.services.item_key(store_id, q.service_id)])
        service = self.services.from_item(access.view.extras.get(self.services.item_key(store_id, q.service_id)))
        if service is None:
            raise ValidationFailed.on("service_id", "no service with this id in this store")
        return self._free(store_id, access.store.timezone, q, active_only=False)

    def shopper(self, store_id: str, q: AvailabilityQuery) -> Availability:
        """Storefronts see active services and providers only."""
        _check_range(q)
        store_key, service_key = self.stores.item_key(store_id), self.services.item_key(store_id, q.service_id)
        found = self.links.load([store_key, service_key])
        store = self.stores.from_item(found.get(store_key))
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        service = self.services.from_item(found.get(service_key))
        if service is None or service.status != "active":
            raise ValidationFailed.on("service_id", "no active service with this id in this store")
        return self._free(store_id, store.timezone, q, active_only=True)

    def _free(self, store_id: str, timezone: str, q: AvailabilityQuery, *, active_only: bool) -> Availability:
        """One Query of the service's terms, one read of their providers, one Query of each provider's booked
        cells in the range."""
        zone, at = ZoneInfo(timezone), now()
        terms = [t for t in self.links.of_service(store_id, q.service_id)
                 if q.provider_id is None or t.provider_id == q.provider_id]
        found = self.providers.load([self.providers.item_key(store_id, t.provider_id) for t in terms]) if terms else {}
        answer = []
        for link in terms:
            provider = self.providers.from_item(found.get(self.providers.item_key(store_id, link.provider_id)))
            if provider is None or (active_only and provider.status != "active"):
                continue
            earliest, latest = bookable_from(link, at)
            start, end = max(q.from_, earliest), q.to if latest is None else min(q.to, latest + 1)
            busy = self.ledger.busy(store_id, link.provider_id, start, end + link.length_minutes * 60) \
                if start < end else set()
            days: dict[str, list[FreeSlot]] = {}
            for day, begins, ends in slots(link, start, end, zone):
                if free(begins, ends, busy):
                    days.setdefault(day.isoformat(), []).append(FreeSlot(from_=begins, to=ends))
            answer.append(ProviderAvailability(provider_id=provider.id, provider_key=provider.key, days=[
                DaySlots(date=day, slots=found_slots) for day, found_slots in days.items()]))
        return Availability(from_=q.from_, to=q.to, providers=answer)


def _check_range(q: AvailabilityQuery) -> None:
    if q.to <= q.from_:
        raise ValidationFailed.on("to", "must be after from")
    if q.to - q.from_ > MAX_AVAILABILITY_DAYS * 24 * 3600:
        raise ValidationFailed.on("to", f"at most {MAX_AVAILABILITY_DAYS} days after from")
