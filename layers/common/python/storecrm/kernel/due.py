"""The every-minute scheduler's walk through due work (order reminders, idle carts): every minute from the one
after the last it finished up to now, each minute's shards page by page, each page handed to the work of its
kind. A piece of work removes its due item in the transaction that does it, so a minute is finished when its
shards are empty; a run that runs out of time (or crashes) leaves the rest where the next run finds it, and two
overlapping runs cannot both do one piece of work (the removal is conditional).

Reads only due items: one Query per minute, shard and page, never a Scan.

A page of one kind that raises is done again entry by entry (those still due), so the entries that fail are found:
each is moved later or parked (jobs.py) and no longer holds its minute up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from storecrm.clock import now

if TYPE_CHECKING:
    from storecrm.kernel.job_failures import JobFailures
    from storecrm.kernel.repositories.due import DueEntry, DueRepository

# A first run (no cursor yet) looks back this far; later runs go on from their cursor.
FIRST_LOOK_BACK_MINUTES = 60
# A run walks at most this many minutes (a day of catch-up takes a few runs).
MAX_MINUTES_PER_RUN = 24 * 60
PAGE_SIZE = 100


class DueWork(Protocol):
    def __call__(self, entries: Sequence[DueEntry]) -> tuple[int, int]:
        """Does the work of the entries (each removing its due item with it, or only removing it when there is
        nothing left to do); answers how many it did and how many it had to leave for a later run."""
        ...


@dataclass
class DueRun:
    done: dict[str, int] = field(default_factory=dict)
    finished_through: int | None = None
    out_of_time: bool = False


class DueScheduler:
    def __init__(self, due: DueRepository, work: Mapping[str, DueWork], *, shards: int,
                 page_size: int = PAGE_SIZE, clock: Callable[[], float] | None = None,
                 failures: JobFailures | None = None) -> None:
        self.due = due
        self.work = work
        self.shards = shards
        self.page_size = page_size
        # Seconds, for the run's time budget only (monotonic in Lambda; a test may step it).
        self.clock = clock
        # Where failing entries go; without it a page that raises stops the run.
        self.failures = failures

    def run(self, budget_seconds: float) -> DueRun:
        """Walks the minutes since the cursor, up to the one in progress (read up to now), until the budget is
        spent (checked before each page). Work is written due after the time it is written at, so an ended minute
        gets no new work: once its shards are empty it is finished for good and the cursor moves past it."""
        clock = self.clock or time.monotonic
        deadline = clock() + budget_seconds
        result = DueRun()
        at = now()
        current = at // 60
        done = self.due.done_through()
        first = current - FIRST_LOOK_BACK_MINUTES if done is None else done + 1
        all_done = True  # every minute so far is empty: the cursor may move on
        for minute in range(first, min(current, first + MAX_MINUTES_PER_RUN - 1) + 1):
            minute_done = True
            for shard in range(self.shards):
                after = None
                while True:
                    if clock() >= deadline:
                        result.out_of_time = True
                        return result
                    entries, after = self.due.page(minute, shard, limit=self.page_size, after=after,
                                                   due_by=at if minute == current else None)
                    minute_done = self._do(entries, result, deadline) and minute_done
                    if after is None:
                        break
            all_done = all_done and minute_done
            if all_done and minute < current:
                self.due.advance(minute)
                result.finished_through = minute
        return result

    def _do(self, entries: Sequence[DueEntry], result: DueRun, deadline: float) -> bool:
        """Hands the page to each kind's work; true when all of it was done (nothing left in the index)."""
        by_kind: dict[str, list[DueEntry]] = {}
        for entry in entries:
            by_kind.setdefault(entry.kind, []).append(entry)
        complete = True
        for kind, group in by_kind.items():
            work = self.work.get(kind)
            if work is None:
                complete = False
                continue
            did, left = self._work(kind, work, group, deadline)
            result.done[kind] = result.done.get(kind, 0) + did
            complete = complete and left == 0
        return complete

    def _work(self, kind: str, work: DueWork, group: Sequence[DueEntry], deadline: float) -> tuple[int, int]:
        """One kind's entries of a page. When the work raises, each entry still due is done again on its own: the
        one that raises alone is recorded (moved to a later minute, or parked), the others are done."""
        try:
            return work(group)
        except Exception as error:
            if self.failures is None:
                raise
            if len(group) == 1:
                [entry] = group
                self.failures.record(kind, entry.key, error, seen=(entry.partition, entry.sort))
                return 0, 0
        did = left = 0
        clock = self.clock or time.monotonic
        for entry in self.failures.still_due(group):
            if clock() >= deadline:
                left += 1
                continue
            one_did, one_left = self._work(kind, work, [entry], deadline)
            did, left = did + one_did, left + one_left
        return did, left
