"""Data migrations' cursor items (one per migration, all in one partition) and the pages of the table they read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table
from storecrm.kernel.repositories.table import ConditionFailed, Item, Table, put


@dataclass(frozen=True)
class MigrationState:
    """Where a migration got to: the table position to read on from (None: from the start, or, once finished,
    nothing left) and what it did so far."""

    version: str
    cursor: dict[str, Any] | None = None
    pages: int = 0
    scanned: int = 0
    changed: int = 0
    started_at: int | None = None
    updated_at: int | None = None
    finished_at: int | None = None

    def after_page(self, cursor: dict[str, Any] | None, scanned: int, changed: int, at: int) -> MigrationState:
        return replace(self, cursor=cursor, pages=self.pages + 1, scanned=self.scanned + scanned,
                       changed=self.changed + changed, started_at=self.started_at or at, updated_at=at,
                       finished_at=None if cursor else at)


class MigrationRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def states(self, versions: Sequence[str]) -> dict[str, MigrationState]:
        """These migrations' cursor items in one BatchGetItem (consistent: each follows its last save); one never
        started is at the start."""
        found = self.table.get_many([keys.migration(v) for v in versions], consistent=True)
        return {v: _state(item) if (item := found.get(keys.migration(v))) else MigrationState(v) for v in versions}

    def save(self, state: MigrationState, seen_pages: int) -> bool:
        """The state after a page, unless another run saved a page since `seen_pages` were (False)."""
        pk, sk = keys.migration(state.version)
        item: Item = {"PK": pk, "SK": sk, "entity": "MIGRATION", "cursor": state.cursor, "pages": state.pages,
                      "scanned": state.scanned, "changed": state.changed, "started_at": state.started_at,
                      "updated_at": state.updated_at, "finished_at": state.finished_at}
        condition = "attribute_not_exists(PK)" if seen_pages == 0 else "pages = :seen"
        try:
            self.table.write(put(item, condition=condition, values={":seen": seen_pages} if seen_pages else None))
        except ConditionFailed:
            return False
        return True

    def page(self, after: dict[str, Any] | None, limit: int,
             entities: Sequence[str]) -> tuple[list[Item], dict[str, Any] | None, int]:
        """One page of the table (a Scan of `limit` items from `after`), the items of these kinds in it, where the
        next page starts (None: the table ended) and how many items were read."""
        page, scanned = self.table.scan_page(limit=limit, start_key=after, entities=entities)
        return page.items, page.last_key, scanned


def _state(item: Item) -> MigrationState:
    return MigrationState(version=str(item["SK"]), cursor=item.get("cursor"), pages=int(item.get("pages", 0)),
                          scanned=int(item.get("scanned", 0)), changed=int(item.get("changed", 0)),
                          started_at=item.get("started_at"), updated_at=item.get("updated_at"),
                          finished_at=item.get("finished_at"))
