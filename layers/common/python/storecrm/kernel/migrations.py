"""Versioned data migrations: records an older version wrote, brought up to what the current code writes, by the
scheduler after a deploy, in bounded pages.

Each migration is idempotent (a page done twice changes nothing the second time) and resumable: its cursor item
(kernel/repositories/migrations.py) holds where it got to and is saved after every page, on the condition that no other
run saved one meanwhile, so a run cut short (or a crash) goes on from the last saved page and at worst does one
page again. Migrations run in version order, each once the ones before it are finished (a later one may rely on an
earlier). Each page is logged ("Migration page": version, pages, items read and changed so far) and counted
(MigrationItems by outcome); every run publishes how many are not finished yet (MigrationsPending), and the last page
logs "Migration finished". Once all are finished a container stops looking.

DECISION: a migration pages through the whole table (a Scan, MIGRATION_PAGE_ITEMS items a page, filtered to the
kinds of item it changes) rather than through known partitions. Nothing lists every store (a store is found by id,
by its key or through an account's memberships), so walking stores' partitions would first need an index of all
stores, which the older records lack too; and profiles live in partitions of their own. The Scan runs only here, in
the scheduler, never in a request path; a page is bounded in items (and by DynamoDB's 1 MB) and the run in time;
a whole migration reads the table once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from storecrm import metrics
from storecrm.clock import now

if TYPE_CHECKING:
    from storecrm.kernel.repositories.migrations import MigrationRepository, MigrationState
    from storecrm.kernel.repositories.table import Item

log = logging.getLogger(__name__)

MIGRATION_PAGE_ITEMS = 200


class Migration(Protocol):
    # Sorts in the order migrations run ("0001-...", "0002-..."); never renamed once deployed.
    version: str
    # The `entity` of the items it changes (the Scan returns only those).
    entities: tuple[str, ...]

    def migrate(self, items: Sequence[Item]) -> int:
        """Brings the items up to date; answers how many it changed. Idempotent."""
        ...


@dataclass
class MigrationsRun:
    pages: int = 0
    changed: int = 0
    finished: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)


class Migrations:
    def __init__(self, repository: MigrationRepository, migrations: Sequence[Migration], *,
                 page_items: int = MIGRATION_PAGE_ITEMS, clock: Callable[[], float] | None = None) -> None:
        self.repository = repository
        self.migrations = sorted(migrations, key=lambda m: m.version)
        self.page_items = page_items
        # Seconds, for the run's time budget only (monotonic in Lambda; a test may step it).
        self.clock = clock or time.monotonic
        self.all_finished = False  # seen finished by this container: nothing left to look at

    def run(self, deadline: float) -> MigrationsRun:
        """Pages of the first unfinished migration, then of the next, until `deadline` (checked before each page)."""
        result = MigrationsRun()
        if self.all_finished or not self.migrations:
            return result
        states = self.repository.states([m.version for m in self.migrations])
        for migration in self.migrations:
            state = states[migration.version]
            while state.finished_at is None:
                if self.clock() >= deadline:
                    break
                done = self._page(migration, state, result)
                if done is None:
                    break  # another run saved this page first: it is going on with the migration
                state = done
            if state.finished_at is None:
                break  # the ones after wait for it
        result.pending = [m.version for m in self.migrations
                          if m.version not in result.finished and states[m.version].finished_at is None]
        self.all_finished = not result.pending
        metrics.count(metrics.MIGRATIONS_PENDING, len(result.pending))
        return result

    def _page(self, migration: Migration, state: MigrationState, result: MigrationsRun) -> MigrationState | None:
        items, after, scanned = self.repository.page(state.cursor, self.page_items, migration.entities)
        changed = migration.migrate(items)
        saved = state.after_page(after, scanned, changed, now())
        if not self.repository.save(saved, state.pages):
            return None
        result.pages += 1
        result.changed += changed
        metrics.count(metrics.MIGRATION_ITEMS, changed, outcome="changed")
        metrics.count(metrics.MIGRATION_ITEMS, len(items) - changed, outcome="unchanged")
        log.info("Migration page", extra={"migration": migration.version, "pages": saved.pages,
                                          "scanned": saved.scanned, "changed": saved.changed,
                                          "finished": saved.finished_at is not None})
        if saved.finished_at is not None:
            result.finished.append(migration.version)
            log.info("Migration finished", extra={"migration": migration.version, "pages": saved.pages,
                                                  "scanned": saved.scanned, "changed": saved.changed})
        return saved
