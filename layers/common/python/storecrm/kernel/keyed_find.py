"""The find that keyed, per-store collections share (email templates, products): by ids in one read,
else one Query on the index of the order asked for, with a cursor that names the list it belongs to.

A key prefix in a time order, a created_at range in another order and the collection's own filters
cannot be the index's key condition: they filter the page read, so a page may hold fewer than `limit`
items while the cursor goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from pydantic import Field

from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.fields import Command, SortDirection

if TYPE_CHECKING:
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item

# A find by ids reads them with the access check's two items in one BatchGetItem (100 keys).
FIND_MAX = 98
SortField = Literal["created_at", "updated_at", "key"]
# Reads `wanted` (with whatever the caller checks access by) in one BatchGetItem.
Load = Callable[[list["Key"]], dict["Key", "Item"]]


class Keyed(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> int: ...
    @property
    def updated_at(self) -> int: ...


E = TypeVar("E", bound=Keyed)
E_co = TypeVar("E_co", bound=Keyed, covariant=True)


class KeyedPages(Protocol[E_co]):
    """What a repository offers for the find."""

    def item_key(self, store_id: str, item_id: str) -> Key: ...
    def from_item(self, item: Item | None) -> E_co | None: ...
    def list_page(self, store_id: str, sort_field: str, status: str | None, *, key_prefix: str | None = None,
                  created: tuple[int, int] | None = None, forward: bool, limit: int,
                  after: dict[str, str] | None) -> tuple[Sequence[E_co], dict[str, str] | None]: ...


class KeyedQuery(Command):
    """The find parameters every keyed collection takes; each adds its status type and filters."""

    ids: list[str] | None = Field(default=None, max_length=FIND_MAX)
    query: str | None = Field(default=None, max_length=255, description="Prefix of keys")
    status: str | None = None  # each collection narrows it to its statuses
    sort_field: SortField | None = None
    sort_direction: SortDirection | None = None
    created_at_from: int | None = Field(default=None, ge=0)
    created_at_to: int | None = Field(default=None, ge=0)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    def ordering(self) -> tuple[SortField, bool]:
        """The order asked for, else newest first; a key prefix alone is served in key order."""
        sort = self.sort_field or ("key" if self.query else "created_at")
        direction = self.sort_direction or ("asc" if sort == "key" else "desc")
        return sort, direction == "asc"

    def created_range(self) -> tuple[int, int] | None:
        if self.created_at_from is None and self.created_at_to is None:
            return None
        return self.created_at_from or 0, self.created_at_to if self.created_at_to is not None else 10**10 - 1

    def matches(self, found: Keyed) -> bool:
        """The common filters; a collection's own ones extend this."""
        created = self.created_range()
        return ((not self.query or found.key.startswith(self.query))
                and (self.status is None or found.status == self.status)
                and (created is None or created[0] <= found.created_at <= created[1]))


class _FindPosition(Model):
    """A cursor names the list it belongs to: another order or other index filters make it a 400."""

    model_config = {"extra": "forbid"}
    sort: str
    forward: bool
    status: str | None
    query: str | None
    created: tuple[int, int] | None
    key: dict[str, str]


SORT_VALUES: dict[str, Callable[[Keyed], tuple[Any, ...]]] = {
    "created_at": lambda e: (e.created_at, e.id), "updated_at": lambda e: (e.updated_at, e.id),
    "key": lambda e: (e.key,)}


class KeyedFind(Generic[E]):
    def __init__(self, pages: KeyedPages[E]) -> None:
        self.pages = pages

    def find(self, store_id: str, q: KeyedQuery, load: Load) -> tuple[list[E], str | None]:
        """`ids`: those items (one read). Otherwise one Query on the index of the order (and status), a
        key prefix or a created_at range as its key condition where that order serves it. `load` runs
        before the page is read, so the caller's access check comes first."""
        created = q.created_range()
        if created is not None and created[0] > created[1]:
            raise ValidationFailed.on("created_at_to", "must not be before created_at_from")
        sort, forward = q.ordering()
        if q.ids is not None:
            wanted = [self.pages.item_key(store_id, i) for i in dict.fromkeys(q.ids)]
            found = load(wanted)
            listed = [e for k in wanted if (e := self.pages.from_item(found.get(k)))]
            return sorted(filter(q.matches, listed), key=SORT_VALUES[sort], reverse=not forward), None
        start = cursors.decode(q.cursor, _FindPosition)
        position = _FindPosition(sort=sort, forward=forward, status=q.status, query=q.query, created=created, key={})
        if start and start.model_dump(exclude={"key"}) != position.model_dump(exclude={"key"}):
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        load([])
        page, last = self.pages.list_page(
            store_id, sort, q.status, key_prefix=(q.query or None) if sort == "key" else None,
            created=created if sort == "created_at" else None, forward=forward, limit=q.limit,
            after=start.key if start else None)
        cursor = cursors.encode(position.model_copy(update={"key": last})) if last else None
        return list(filter(q.matches, page)), cursor
