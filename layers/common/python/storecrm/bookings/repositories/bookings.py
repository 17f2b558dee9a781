"""Services, providers and their service providers: items in the store partition (purged with it), unique key and
slug markers, and the booked-time cells that keep two bookings of a provider from overlapping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from storecrm.deferred import DeferredModule
from storecrm.kernel.errors import Conflict, DomainError
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, check, delete, put
from storecrm.profiles.repositories.taxonomy_use import use_writes

if TYPE_CHECKING:
    from storecrm.bookings.models import bookings as booking_models
    from storecrm.bookings.models.bookings import CatalogEntry, Provider, Service, ServiceProvider
else:  # carts use the ledger for every line, and read these models only for service lines
    booking_models = DeferredModule("storecrm.bookings.models.bookings")

Position = dict[str, str]
E = TypeVar("E", bound="CatalogEntry")

LINK_CHANGED = Conflict("The service provider changed meanwhile; read it again and retry", "SERVICE_PROVIDER.CONFLICT")


class CatalogEntries(Generic[E]):
    """Services or providers (`kind` SERVICE or PROVIDER): the same layout for both."""

    def __init__(self, model: type[E], kind: str, table: Table | None = None) -> None:
        self.model = model
        self.kind = kind
        self.label = kind.lower()
        self.table = table or default_table()

    def item_key(self, store_id: str, entry_id: str) -> keys.Key:
        return keys.catalog_entry(store_id, self.kind, entry_id)

    def marker_key(self, store_id: str, key: str) -> keys.Key:
        return keys.catalog_entry_key(store_id, self.kind, key)

    def slug_key(self, store_id: str, language: str, slug: str) -> keys.Key:
        return keys.catalog_entry_slug(store_id, self.kind, language, slug)

    def from_item(self, item: Item | None) -> E | None:
        return from_item(self.model, item)

    @staticmethod
    def id_from_marker(item: Item | None) -> str | None:
        return str(item["entry_id"]) if item else None

    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        return self.table.get_many(wanted)

    def get(self, store_id: str, entry_id: str) -> E | None:
        return self.from_item(self.table.get(self.item_key(store_id, entry_id)))

    def list_page(self, store_id: str, *, limit: int, after: Position | None,
                  forward: bool = True) -> tuple[list[E], Position | None]:
        """Oldest first (UUIDv7 ids sort by creation; newest first unless `forward`): one Query of the store
        partition's entries."""
        page = self.table.query(keys.store_partition(store_id), sk_prefix=f"{self.kind}#", limit=limit,
                                start_key=after, forward=forward)
        entries = [e for item in page.items if (e := self.from_item(item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return entries, last

    def create(self, entry: E, events: Sequence[OutboxEvent]) -> None:
        self.table.transact([
            put(self._item(entry), unless_exists=Conflict(f"{self.kind.title()} id collision")),
            put(self._marker(entry, self.marker_key(entry.store_id, entry.key)),
                unless_exists=self._key_taken(entry.key)),
            *[put(self._marker(entry, self.slug_key(entry.store_id, language, slug)),
                  unless_exists=self._slug_taken(language, slug)) for language, slug in entry.slug.items()],
            *use_writes(entry.store_id, self.kind, entry.id, [], entry.taxonomies),
            *[outbox_write(e) for e in events],
        ])

    def update(self, entry: E, previous: E, events: Sequence[OutboxEvent]) -> None:
        """Writes `entry` if nobody wrote it since `previous` was read; moves the markers that changed."""
        changed = Conflict(f"The {self.label} changed meanwhile; read it again and retry",
                           f"{self.kind}.CONFLICT")
        writes = [put(self._item(entry), condition="revision = :seen", values={":seen": previous.revision},
                      error=changed)]
        if entry.key != previous.key:
            writes += [delete(self.marker_key(previous.store_id, previous.key)),
                       put(self._marker(entry, self.marker_key(entry.store_id, entry.key)),
                           unless_exists=self._key_taken(entry.key))]
        old_slugs, new_slugs = set(previous.slug.items()), set(entry.slug.items())
        writes += [delete(self.slug_key(previous.store_id, language, slug))
                   for language, slug in sorted(old_slugs - new_slugs)]
        writes += [put(self._marker(entry, self.slug_key(entry.store_id, language, slug)),
                       unless_exists=self._slug_taken(language, slug))
                   for language, slug in sorted(new_slugs - old_slugs)]
        writes += use_writes(entry.store_id, self.kind, entry.id, previous.taxonomies, entry.taxonomies)
        self.table.transact([*writes, *[outbox_write(e) for e in events]])

    def delete(self, entry: E, more: Sequence[Write], events: Sequence[OutboxEvent]) -> None:
        """The entry and its markers, with `more` (its service providers' terms) and the events."""
        changed = Conflict(f"The {self.label} changed meanwhile; read it again and retry", f"{self.kind}.CONFLICT")
        self.table.transact([delete(self.item_key(entry.store_id, entry.id), condition="revision = :seen",
                       values={":seen": entry.revision}, error=changed),
                delete(self.marker_key(entry.store_id, entry.key)),
                *[delete(self.slug_key(entry.store_id, language, slug)) for language, slug in entry.slug.items()],
                *use_writes(entry.store_id, self.kind, entry.id, entry.taxonomies, []),
                *more, *[outbox_write(e) for e in events]])

    def _item(self, entry: E) -> Item:
        return to_item(entry, self.item_key(entry.store_id, entry.id), self.kind)

    def _marker(self, entry: E, key: keys.Key) -> Item:
        return {"PK": key[0], "SK": key[1], "entity": f"{self.kind}MARKER", "entry_id": entry.id}

    def _key_taken(self, key: str) -> Conflict:
        return Conflict(f"A {self.label} with key '{key}' already exists in this store", f"{self.kind}.KEY_TAKEN")

    def _slug_taken(self, language: str, slug: str) -> Conflict:
        return Conflict(f"Another {self.label} of this store has the {language} slug '{slug}'",
                        f"{self.kind}.SLUG_TAKEN")


class ServiceProviderRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, service_id: str, provider_id: str) -> keys.Key:
        return keys.service_provider(store_id, service_id, provider_id)

    @staticmethod
    def id_key(store_id: str, link_id: str) -> keys.Key:
        return keys.service_provider_id(store_id, link_id)

    @staticmethod
    def from_item(item: Item | None) -> ServiceProvider | None:
        return from_item(booking_models.ServiceProvider, item)

    @staticmethod
    def pair_from_marker(item: Item | None) -> tuple[str, str] | None:
        return (str(item["service_id"]), str(item["provider_id"])) if item else None

    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        return self.table.get_many(wanted)

    def get(self, store_id: str, service_id: str, provider_id: str) -> ServiceProvider | None:
        return self.from_item(self.table.get(self.item_key(store_id, service_id, provider_id)))

    def of_service(self, store_id: str, service_id: str) -> list[ServiceProvider]:
        """One Query: the service's providers' terms (a store's service has a handful)."""
        items = self.table.query_all(keys.store_partition(store_id),
                                     sk_prefix=f"{keys.SERVICE_PROVIDER_PREFIX}{service_id}#")
        return [link for item in items if (link := self.from_item(item)) is not None]

    def of_provider(self, store_id: str, provider_id: str) -> list[ServiceProvider]:
        """One Query of GSI1: the provider's terms for each service it performs."""
        items = self.table.query_all(keys.services_of_provider(store_id, provider_id), index="GSI1")
        return [link for item in items if (link := self.from_item(item)) is not None]

    def of_store(self, store_id: str) -> list[ServiceProvider]:
        items = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.SERVICE_PROVIDER_PREFIX)
        return [link for item in items if (link := self.from_item(item)) is not None]

    def create(self, link: ServiceProvider, still_there: Sequence[keys.Key], gone: DomainError) -> None:
        """The terms and their id marker, unless the pair has terms already, on the condition that the items
        `still_there` (the service and the provider) are (else `gone`)."""
        taken = Conflict("This provider already has terms for this service; update them", "SERVICE_PROVIDER.EXISTS")
        self.table.transact([put(_link_item(link), unless_exists=taken),
                             put(_id_marker(link), unless_exists=Conflict("Service provider id collision")),
                             *[check(key, "attribute_exists(PK)", error=gone) for key in still_there]])

    def update(self, link: ServiceProvider, previous: ServiceProvider) -> None:
        self.table.transact([put(_link_item(link), condition="revision = :seen",
                                 values={":seen": previous.revision}, error=LINK_CHANGED)])

    def delete_writes(self, link: ServiceProvider) -> list[Write]:
        return [delete(self.item_key(link.store_id, link.service_id, link.provider_id)),
                delete(self.id_key(link.store_id, link.id))]

    def transact(self, writes: Sequence[Write]) -> None:
        self.table.transact(writes)


def _link_item(link: ServiceProvider) -> Item:
    return to_item(link, keys.service_provider(link.store_id, link.service_id, link.provider_id), "SERVICEPROVIDER",
                   GSI1PK=keys.services_of_provider(link.store_id, link.provider_id), GSI1SK=link.service_id)


def _id_marker(link: ServiceProvider) -> Item:
    pk, sk = keys.service_provider_id(link.store_id, link.id)
    return {"PK": pk, "SK": sk, "entity": "SERVICEPROVIDERID", "service_id": link.service_id,
            "provider_id": link.provider_id}


class BookingLedger:
    """What carts and orders read and write about bookings: the catalog items a service line names, and the
    5-minute cells of a provider's booked time (one item each, written only if absent, so two orders can never
    hold the same provider's time; each expires a day after the cell)."""

    @staticmethod
    def service_key(store_id: str, service_id: str) -> keys.Key:
        return keys.catalog_entry(store_id, "SERVICE", service_id)

    @staticmethod
    def provider_key(store_id: str, provider_id: str) -> keys.Key:
        return keys.catalog_entry(store_id, "PROVIDER", provider_id)

    @staticmethod
    def terms_key(store_id: str, service_id: str, provider_id: str) -> keys.Key:
        return keys.service_provider(store_id, service_id, provider_id)

    @staticmethod
    def cell_key(store_id: str, provider_id: str, cell: int) -> keys.Key:
        return keys.booked_cell(store_id, provider_id, cell)

    @staticmethod
    def service_from(item: Item | None) -> Service | None:
        return from_item(booking_models.Service, item)

    @staticmethod
    def provider_from(item: Item | None) -> Provider | None:
        return from_item(booking_models.Provider, item)

    @staticmethod
    def terms_from(item: Item | None) -> ServiceProvider | None:
        return from_item(booking_models.ServiceProvider, item)

    @staticmethod
    def taken_cells(found: dict[keys.Key, Item]) -> dict[str, set[int]]:
        """The booked cells among items read, per provider."""
        taken: dict[str, set[int]] = {}
        for item in found.values():
            if item.get("entity") == "BOOKING":
                taken.setdefault(str(item["provider_id"]), set()).add(int(item["cell"]))
        return taken

    @staticmethod
    def cells_of_others(found: dict[keys.Key, Item], order_id: str) -> dict[str, set[int]]:
        """The booked cells among items read that another order holds, per provider."""
        taken: dict[str, set[int]] = {}
        for item in found.values():
            if item.get("entity") == "BOOKING" and item.get("order_id") != order_id:
                taken.setdefault(str(item["provider_id"]), set()).add(int(item["cell"]))
        return taken

    @staticmethod
    def booked_writes(store_id: str, order_id: str, bookings: Sequence[tuple[str, str, Sequence[int]]],
                      taken: Callable[[str], DomainError]) -> list[Write]:
        """The cells of each (line id, provider id, cells), each only if nobody holds it (else `taken(line id)`)."""
        writes = []
        for line_id, provider_id, cells in bookings:
            for cell in cells:
                pk, sk = keys.booked_cell(store_id, provider_id, cell)
                writes.append(put({"PK": pk, "SK": sk, "entity": "BOOKING", "provider_id": provider_id, "cell": cell,
                                   "order_id": order_id, "line_id": line_id,
                                   "expires_at": cell + keys.BOOKING_CELL_SECONDS + 24 * 3600},
                                  unless_exists=taken(line_id)))
        return writes

    @staticmethod
    def released_writes(store_id: str, order_id: str, bookings: Sequence[tuple[str, Sequence[int]]]) -> list[Write]:
        """Deletes of the cells (provider id, cells) the order holds; a cell another order holds stays."""
        return [delete(keys.booked_cell(store_id, provider_id, cell), condition="attribute_not_exists(PK) OR "
                       "order_id = :order", values={":order": order_id})
                for provider_id, cells in bookings for cell in cells]

    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        return self.table.get_many(wanted)

    def busy(self, store_id: str, provider_id: str, start: int, end: int) -> set[int]:
        """The provider's booked cells in [start, end): one Query of its cells (the pages it spans)."""
        partition, low = keys.booked_cell(store_id, provider_id, start - start % keys.BOOKING_CELL_SECONDS)
        _, high = keys.booked_cell(store_id, provider_id, max(start, end - 1))
        return {int(item["cell"]) for item in self.table.query_all(partition, sk_between=(low, high))}

    # ------------------------------------------------------------------ reminders
    @staticmethod
    def reminder_writes(store_id: str, order_id: str, reminders: Sequence[tuple[str, int, int]]) -> list[Write]:
        """A due item per (line id, offset, due at): the scheduler's DueIndex finds it in the minute it is due."""
        writes = []
        for line_id, offset, due_at in reminders:
            pk, sk = keys.order_reminder(store_id, order_id, line_id, offset)
            work = f"{REMINDER_KIND}#{store_id}#{order_id}#{line_id}#{offset}"
            writes.append(put({"PK": pk, "SK": sk, "entity": REMINDER_KIND, "store_id": store_id, "order_id": order_id,
                               "line_id": line_id, "offset": offset, "due_at": due_at,
                               **keys.minute_due_attributes(due_at, work)}))
        return writes

    @staticmethod
    def reminders_dropped(store_id: str, order_id: str, reminders: Sequence[tuple[str, int]]) -> list[Write]:
        """Deletes of the due items of (line id, offset) (a fired or past one is gone already: no condition)."""
        return [delete(keys.order_reminder(store_id, order_id, line_id, offset)) for line_id, offset in reminders]

    @staticmethod
    def reminder_taken(key: keys.Key, gone: DomainError) -> Write:
        """Removes a due reminder on the condition that it is still there (else `gone`: another run fired it)."""
        return delete(key, condition="attribute_exists(PK)", error=gone)

    def dismiss(self, key: keys.Key) -> None:
        self.table.write(delete(key))

    def transact(self, writes: Sequence[Write]) -> None:
        self.table.transact(writes)


REMINDER_KIND = "REMINDER"
