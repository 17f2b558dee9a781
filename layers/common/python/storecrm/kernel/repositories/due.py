"""Work due at a minute: pages of one minute's DueIndex shards, and the scheduler's cursor (the last minute whose
work is all done), so a run that was missed or cut short is caught up by the next. And the due entry of any job
that failed (kernel/jobs.py): moved later with its attempt count, parked, listed and put back."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table
from storecrm.kernel.repositories.table import ConditionFailed, Item, Table, update


@dataclass(frozen=True)
class DueEntry:
    """One due item as the keys-only index answers it: its table key and its DueIndex sort key."""

    key: keys.Key
    sort: str
    partition: str = ""  # its DueIndex partition (a minute's shard)

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
        return ([DueEntry((str(i["PK"]), str(i["SK"])), str(i["DUESK"]), str(i["DUEPK"])) for i in found.items],
                found.last_key)

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


@dataclass(frozen=True)
class DueState:
    """Where a job item is due (its DueIndex keys) and how often it failed so far."""

    partition: str
    sort: str
    attempts: int

    @property
    def work(self) -> str:
        """What its sort key names after the second it is due (its kind and ids): kept when it moves."""
        return self.sort.split("#", 1)[1]


@dataclass(frozen=True)
class ParkedJob:
    key: keys.Key
    queue: str  # the partition it was due in (MINUTE_QUEUE: the minute partitions)
    work: str
    attempts: int
    parked_at: int
    error: str


class JobEntries:
    """The due entries of jobs that failed: moved later or parked, always on the condition that the entry is still
    the one the failure was seen on (a job done or changed meanwhile is left as it is)."""

    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def state(self, key: keys.Key) -> DueState | None:
        """The job item's due entry as it is now (None: done, gone or no longer due)."""
        item = self.table.get(key, consistent=True)
        if item is None or "DUEPK" not in item or "DUESK" not in item:
            return None
        return DueState(str(item["DUEPK"]), str(item["DUESK"]), int(item.get("attempts", 0)))

    def states(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, DueState]:
        """The due entries of several job items in one BatchGetItem (consistent)."""
        found = self.table.get_many(wanted, consistent=True)
        return {key: DueState(str(item["DUEPK"]), str(item["DUESK"]), int(item.get("attempts", 0)))
                for key, item in found.items() if "DUEPK" in item and "DUESK" in item}

    def move(self, key: keys.Key, seen: DueState, *, due_at: int, attempts: int, failed_at: int,
             error: str) -> bool:
        """The job due again at `due_at` in its own queue (a minute job: that minute's partition)."""
        if keys.is_minute_due(seen.partition):
            entry = keys.minute_due_attributes(due_at, seen.work)
        else:
            entry = {"DUEPK": seen.partition, "DUESK": keys.due_sort(due_at, seen.work)}
        return self._change(key, seen, "SET DUEPK = :pk, DUESK = :sk, attempts = :attempts, failed_at = :at, "
                                        "last_error = :error",
                            {":pk": entry["DUEPK"], ":sk": entry["DUESK"], ":attempts": attempts, ":at": failed_at,
                             ":error": error})

    def park(self, key: keys.Key, seen: DueState, *, attempts: int, parked_at: int, error: str) -> bool:
        """Out of its queue into the parked partition, with what it needs to be put back."""
        queue = keys.MINUTE_QUEUE if keys.is_minute_due(seen.partition) else seen.partition
        return self._change(key, seen, "SET DUEPK = :pk, DUESK = :sk, attempts = :attempts, failed_at = :at, "
                                        "parked_at = :at, parked_from = :queue, last_error = :error",
                            {":pk": keys.PARKED_JOBS, ":sk": keys.due_sort(parked_at, seen.work),
                             ":attempts": attempts, ":at": parked_at, ":queue": queue, ":error": error})

    def _change(self, key: keys.Key, seen: DueState, expression: str, values: Item) -> bool:
        try:
            self.table.write(update(key, expression, condition="DUEPK = :seen_pk AND DUESK = :seen_sk",
                                    values={**values, ":seen_pk": seen.partition, ":seen_sk": seen.sort}))
        except ConditionFailed:
            return False
        return True

    # ------------------------------------------------------------------ parked jobs
    def parked(self, limit: int, after: dict[str, Any] | None = None) -> tuple[list[ParkedJob], dict[str, Any] | None]:
        """Parked jobs, the longest parked first: one Query of the partition, one BatchGetItem of their items."""
        page = self.table.query(keys.PARKED_JOBS, index="DueIndex", limit=limit, start_key=after)
        wanted = [(str(i["PK"]), str(i["SK"])) for i in page.items]
        found = self.table.get_many(wanted) if wanted else {}
        return [job for key in wanted if (job := _parked(found.get(key))) is not None], page.last_key

    def parked_job(self, key: keys.Key) -> ParkedJob | None:
        return _parked(self.table.get(key, consistent=True))

    def count_parked(self, most: int = 10_000) -> int:
        """How many jobs are parked (Select=COUNT: nothing is returned), up to `most`."""
        counted, _ = self.table.skip(keys.PARKED_JOBS, most, index="DueIndex")
        return counted

    def put_back(self, job: ParkedJob, due_at: int) -> bool:
        """A parked job due again at `due_at` in the queue it came from, with all its attempts again."""
        if job.queue == keys.MINUTE_QUEUE:
            entry = keys.minute_due_attributes(due_at, job.work)
        else:
            entry = {"DUEPK": job.queue, "DUESK": keys.due_sort(due_at, job.work)}
        try:
            self.table.write(update(job.key, "SET DUEPK = :pk, DUESK = :sk REMOVE attempts, parked_at, parked_from",
                                    condition="DUEPK = :parked", values={
                                        ":pk": entry["DUEPK"], ":sk": entry["DUESK"], ":parked": keys.PARKED_JOBS}))
        except ConditionFailed:
            return False  # put back already, or done meanwhile
        return True

    def drop(self, key: keys.Key) -> bool:
        """A parked job out of the index for good; its item stays."""
        try:
            self.table.write(update(key, "REMOVE DUEPK, DUESK, parked_at, parked_from", condition="DUEPK = :parked",
                                    values={":parked": keys.PARKED_JOBS}))
        except ConditionFailed:
            return False
        return True


def _parked(item: Item | None) -> ParkedJob | None:
    if item is None or item.get("DUEPK") != keys.PARKED_JOBS:
        return None
    return ParkedJob((str(item["PK"]), str(item["SK"])), str(item.get("parked_from", "")),
                     str(item["DUESK"]).split("#", 1)[1], int(item.get("attempts", 0)), int(item.get("parked_at", 0)),
                     str(item.get("last_error", "")))
