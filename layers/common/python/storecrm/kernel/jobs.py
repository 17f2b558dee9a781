"""The scheduler's run: each step on its own, and each job of a step on its own.

A step (store purges, ended payment holds, media uploads never completed, profile erasures) is a generator of
`Jobs`: before each job it yields the key of the item whose DueIndex entry makes the job due, then does the job.
The runner resumes it one job at a time, so:
- before each job it checks the step's share of the run's time; once that is spent the step stops there and the
  rest stays due for the next run;
- a job that raises is logged (its step, its key, the error's type and where it was raised; never the error's
  message, which may hold an address) and its due entry moves later with its attempt count (1, 2, 4, 8 minutes
  later), or after its MAX_ATTEMPTS-th failure into the parked partition, where it waits for an operator (README,
  *Operating it*); then the step starts again, and what it lists as due no longer holds that job;
- a step that raises outside a job (its listing failed) is logged; the other steps still run, and the run says
  which steps failed (the handler then fails the invocation, so the function's errors alarm fires).

The due minutes (order reminders, idle carts) are walked by DueScheduler, whose page of one kind's entries is
done again entry by entry when it raises, so the failing entries are found and moved or parked the same way.
Data migrations (migrations.py) come last and get what is left of the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from storecrm import metrics
from storecrm.clock import now
from storecrm.kernel.job_failures import JobFailures, described

if TYPE_CHECKING:
    from storecrm.kernel.due import DueRun, DueScheduler
    from storecrm.kernel.migrations import Migrations, MigrationsRun
    from storecrm.kernel.repositories.due import ParkedJob
    from storecrm.kernel.repositories.keys import Key

log = logging.getLogger(__name__)

# A step: yields the key of each job's item before doing that job.
Jobs = Generator["Key", None, None]

# A step whose jobs fail this often in one run stops there until the next run.
MAX_FAILURES_PER_STEP = 10
# Parked jobs listed or put back per call of the operator's actions.
PARKED_PAGE = 100


@dataclass
class StepRun:
    done: int = 0
    failed: int = 0
    out_of_time: bool = False


class StepRunner:
    def __init__(self, failures: JobFailures, clock: Callable[[], float]) -> None:
        self.failures = failures
        self.clock = clock

    def run(self, name: str, step: Callable[[], Jobs], deadline: float) -> StepRun:
        """Resumes the step job by job until it has no more or `deadline` passes; a job that raises is recorded
        (moved later or parked) and the step starts again. An error before the step's first job is its own: it
        is raised."""
        result = StepRun()
        failed: set[Key] = set()
        while True:
            jobs = step()
            in_hand: Key | None = None
            try:
                for key in jobs:  # resuming the step finishes the job in hand and names the next
                    if in_hand is not None:
                        result.done += 1
                    in_hand = None
                    if key in failed:
                        # Listed again (the index had not caught up with its move): the next run will see.
                        jobs.close()
                        return result
                    if self.clock() >= deadline:
                        result.out_of_time = True
                        jobs.close()
                        return result
                    in_hand = key
                if in_hand is not None:
                    result.done += 1
                return result
            except Exception as error:
                if in_hand is None:
                    raise
                failed.add(in_hand)
                result.failed += 1
                self.failures.record(name, in_hand, error)
                if len(failed) >= MAX_FAILURES_PER_STEP:
                    log.error("Scheduler step stopped after failed jobs", extra={"step": name, "failed": len(failed)})
                    return result


@dataclass
class SchedulerRun:
    jobs: dict[str, StepRun] = field(default_factory=dict)
    due: DueRun | None = None
    migrations: MigrationsRun | None = None
    failed_steps: list[str] = field(default_factory=list)
    parked: int = 0

    def done(self, step: str) -> int:
        found = self.jobs.get(step)
        return found.done if found else 0


class Scheduler:
    """Every step of one scheduler run in turn, each with an equal share of the time left (what one leaves
    unused goes to those after it), then the due minutes, then the data migrations."""

    def __init__(self, steps: Sequence[tuple[str, Callable[[], Jobs]]], due: DueScheduler, migrations: Migrations,
                 failures: JobFailures, *, clock: Callable[[], float] | None = None) -> None:
        self.steps = steps
        self.due = due
        self.migrations = migrations
        self.failures = failures
        # Seconds, for the run's time budget only (monotonic in Lambda; a test may step it).
        self.clock = clock or time.monotonic

    def run(self, budget_seconds: float) -> SchedulerRun:
        deadline = self.clock() + budget_seconds
        result = SchedulerRun()
        runner = StepRunner(self.failures, self.clock)
        parts: list[tuple[str, Callable[[SchedulerRun, float], None]]] = [
            *[(name, partial(self._jobs, runner, name, step)) for name, step in self.steps],
            ("due_minutes", self._due_minutes), ("migrations", self._migrations)]
        for index, (name, part) in enumerate(parts):
            started = self.clock()
            until = started + max(deadline - started, 0) / (len(parts) - index)
            try:
                part(result, until)
            except Exception as error:
                log.error("Scheduler step failed", extra={"step": name, "error": described(error)})
                result.failed_steps.append(name)
        result.parked = self.failures.entries.count_parked()
        metrics.count(metrics.PARKED_JOBS, result.parked)
        return result

    @staticmethod
    def _jobs(runner: StepRunner, name: str, step: Callable[[], Jobs], result: SchedulerRun, until: float) -> None:
        result.jobs[name] = runner.run(name, step, until)

    def _due_minutes(self, result: SchedulerRun, until: float) -> None:
        result.due = self.due.run(until - self.clock())

    def _migrations(self, result: SchedulerRun, until: float) -> None:
        result.migrations = self.migrations.run(until)

    # ------------------------------------------------------------------ the operator's actions
    def parked(self) -> list[ParkedJob]:
        """The longest parked first (at most PARKED_PAGE)."""
        return self.failures.entries.parked(PARKED_PAGE)[0]

    def retry_parked(self, wanted: Sequence[Key] | None = None) -> int:
        """Puts parked jobs (all, or those named) back in their queues, due now with all their attempts again."""
        jobs = (self.parked() if wanted is None
                else [j for key in wanted if (j := self.failures.entries.parked_job(key)) is not None])
        at = now()
        retried = sum(1 for job in jobs if self.failures.entries.put_back(job, at))
        log.info("Parked jobs put back", extra={"count": retried})
        return retried

    def drop_parked(self, wanted: Sequence[Key]) -> int:
        """Takes the named parked jobs out of the index for good (their items stay): for a job an operator finished
        by hand, or one that has nothing left to do."""
        dropped = sum(1 for key in wanted if self.failures.entries.drop(key))
        log.warning("Parked jobs dropped", extra={"count": dropped, "jobs": [list(k) for k in wanted]})
        return dropped
