"""Work due at a minute: pages of one minute's DueIndex shards, and the scheduler's cursor (the last minute whose
work is all done), so a run that was missed or cut short is caught up by the next."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from storecrm.repositories import keys
from storecrm.repositories.base import default_table
from storecrm.repositories.table import ConditionFailed, Table, update


@dataclass(frozen=True)
class DueEntry:
    """One due item as the keys-only index answers it: its table key and its DueIndex sort key."""

    key: keys.Key
    sort: str

    @property
    def kind(self) -> str:
        return self.sort.split("#", 2)[1]

    @property
    def parts(self) -> list[str]:
        """What the sort key names after the due second and the kind."""
        return self.sort.split("#")[2:]


class DueRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def page(self, minute: int, shard: int, *, limit: int, after: dict[str, Any] | None,
             due_by: int | None = None) -> tuple[list[DueEntry], dict[str, Any] | None]:
        """One Query of a minute's shard (keys only); with `due_by`, only the work due by that second."""
        between = ("0", f"{due_by:010d}~") if due_by is not None else None
        found = self.table.query(keys.minute_due(minute, shard), index="DueIndex", sk_between=between, limit=limit,
                                 start_key=after)
        return ([DueEntry((str(i["PK"]), str(i["SK"])), str(i["DUESK"])) for i in found.items], found.last_key)

    def done_through(self) -> int | None:
        """The last minute all of whose work is done (None: the scheduler never finished one)."""
        item = self.table.get(keys.due_minutes_cursor(), consistent=True)
        return int(item["minute"]) if item else None

    def advance(self, minute: int) -> None:
        """Records `minute` as done, unless a later one is recorded already (runs may overlap)."""
        with suppress(ConditionFailed):  # an overlapping run got further
            self.table.write(update(keys.due_minutes_cursor(), "SET #minute = :minute",
                                    condition="attribute_not_exists(#minute) OR #minute < :minute",
                                    names={"#minute": "minute"}, values={":minute": minute}))
