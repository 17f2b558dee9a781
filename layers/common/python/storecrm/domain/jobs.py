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
import traceback
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from storecrm import metrics
from storecrm.clock import now

if TYPE_CHECKING:
    from storecrm.domain.due import DueRun, DueScheduler
    from storecrm.domain.migrations import Migrations, MigrationsRun
    from storecrm.repositories.due import DueEntry, JobEntries, ParkedJob
    from storecrm.repositories.keys import Key

log = logging.getLogger(__name__)

# A step: yields the key of each job's item before doing that job.
Jobs = Generator["Key", None, None]

# A job is tried this many times in all; the last failure parks it.
MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 3600
# A step whose jobs fail this often in one run stops there until the next run.
MAX_FAILURES_PER_STEP = 10
# Parked jobs listed or put back per call of the operator's actions.
PARKED_PAGE = 100

FailureOutcome = Literal["retried", "parked", "gone"]


def retry_delay(attempts: int) -> int:
    """Seconds until a job that failed `attempts` times is due again: 1, 2, 4, 8 minutes, at most an hour."""
    return int(min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS))


def described(error: BaseException) -> str:
    """The error's type and where it was raised: its message may hold personal data (an address SES refused, a
    value DynamoDB rejected), so it is never logged or stored."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    last = frames[-1]
    return f"{type(error).__name__} at {Path(last.filename).name}:{last.lineno} in {last.name}"


class JobFailures:
    """A failed job's due entry: moved later with its attempt count, or parked after the last attempt."""

    def __init__(self, entries: JobEntries) -> None:
        self.entries = entries

    def record(self, step: str, key: Key, error: BaseException, seen: tuple[str, str] | None = None) -> FailureOutcome:
        """`seen`: the entry (DueIndex partition and sort key) the job was found by, when the caller knows it; a job
        whose entry is no longer that one (or none) was done or changed meanwhile and is left as it is."""
        at = now()
        state = self.entries.state(key)
        attempts = state.attempts + 1 if state else 0
        outcome: FailureOutcome = "gone"
        due_at = None
        if state is not None and (seen is None or (state.partition, state.sort) == seen):
            error_text = described(error)
            if attempts >= MAX_ATTEMPTS:
                if self.entries.park(key, state, attempts=attempts, parked_at=at, error=error_text):
                    outcome = "parked"
            else:
                due_at = at + retry_delay(attempts)
                if self.entries.move(key, state, due_at=due_at, attempts=attempts, failed_at=at, error=error_text):
                    outcome = "retried"
        if outcome != "gone":
            metrics.count(metrics.SCHEDULED_JOB_FAILURES, outcome=outcome)
        log.log(logging.ERROR if outcome == "parked" else logging.WARNING, "Scheduled job failed", extra={
            "step": step, "job": list(key), "attempts": attempts, "outcome": outcome, "due_again_at": due_at,
            "error": described(error)})
        return outcome

    def still_due(self, entries: Sequence[DueEntry]) -> list[DueEntry]:
        """The entries whose items are still due as they were found (one BatchGetItem)."""
        states = self.entries.states([e.key for e in entries])
        return [e for e in entries
                if (state := states.get(e.key)) is not None and (state.partition, state.sort) == (e.partition, e.sort)]


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
