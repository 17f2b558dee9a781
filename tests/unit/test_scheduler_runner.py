"""The scheduler's step runner (storecrm/kernel/jobs.py) with steps of its own making: a failing job does not stop
the others, a step that runs long stops at its share of the run's time so the steps after it still run, and a step
that fails outright is reported after the others ran."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from storecrm.kernel.due import DueRun
from storecrm.kernel.job_failures import described, retry_delay
from storecrm.kernel.jobs import Jobs, Scheduler, StepRunner
from storecrm.kernel.migrations import MigrationsRun


class Clock:
    """The run's budget clock: each job takes `per_job` seconds of it."""

    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


@dataclass
class Failures:
    """Records failed jobs and takes them out of what is due, as moving their entry later does."""

    due: dict[str, list[str]]
    recorded: list[tuple[str, Any]] = field(default_factory=list)
    entries: Any = None

    def __post_init__(self) -> None:
        self.entries = self

    def record(self, step: str, key: Any, error: BaseException, seen: Any = None) -> str:
        self.recorded.append((step, key))
        self.due[step].remove(key[0])
        return "retried"

    def count_parked(self) -> int:
        return 0


def queue(due: dict[str, list[str]], name: str, clock: Clock, done: list[str], *, poisoned: set[str] = frozenset(),
          per_job: float = 0.0) -> Callable[[], Jobs]:
    """A step over `due[name]`: each job it does leaves the queue."""

    def step() -> Iterator[tuple[str, str]]:
        for job in list(due[name]):
            yield job, name
            clock.at += per_job
            if job in poisoned:
                raise RuntimeError(f"{job} is poisoned, mail ada@example.com")
            due[name].remove(job)
            done.append(job)

    return step


class Walk:
    def __init__(self) -> None:
        self.budgets: list[float] = []

    def run(self, budget_seconds: float) -> DueRun:
        self.budgets.append(budget_seconds)
        return DueRun()


class NoMigrations:
    def __init__(self) -> None:
        self.deadlines: list[float] = []

    def run(self, deadline: float) -> MigrationsRun:
        self.deadlines.append(deadline)
        return MigrationsRun()


def test_a_poisoned_job_is_recorded_and_the_rest_of_its_step_is_done() -> None:
    due = {"erasures": ["a", "b", "c", "d", "e"]}
    done: list[str] = []
    clock = Clock()
    failures = Failures(due)
    result = StepRunner(failures, clock).run("erasures", queue(due, "erasures", clock, done, poisoned={"b"}), 60)
    assert done == ["a", "c", "d", "e"] and (result.done, result.failed) == (4, 1)
    assert failures.recorded == [("erasures", ("b", "erasures"))]


def test_a_long_step_stops_at_its_share_and_the_steps_after_it_still_run() -> None:
    due = {"purges": [f"p{n}" for n in range(1000)], "erasures": ["a", "b"]}
    done: list[str] = []
    clock = Clock()
    walk, migrations = Walk(), NoMigrations()
    scheduler = Scheduler([("purges", queue(due, "purges", clock, done, per_job=1.0)),
                           ("erasures", queue(due, "erasures", clock, done, per_job=1.0))],
                          walk, migrations, Failures(due), clock=clock)
    run = scheduler.run(100)
    # Four parts (two steps, the due minutes, the migrations): the purges get a quarter of the run, then stop.
    assert run.done("purges") == 25 and run.jobs["purges"].out_of_time
    assert run.done("erasures") == 2 and due["erasures"] == []
    assert walk.budgets and migrations.deadlines == [100.0]  # what the others left goes to the last
    assert clock.at <= 100 and not run.failed_steps


def test_a_step_that_fails_outright_is_reported_after_the_others_ran() -> None:
    due = {"erasures": ["a"]}
    done: list[str] = []
    clock = Clock()

    def broken() -> Iterator[tuple[str, str]]:
        raise RuntimeError("the listing failed")
        yield  # a generator

    walk = Walk()
    scheduler = Scheduler([("purges", broken), ("erasures", queue(due, "erasures", clock, done))], walk,
                          NoMigrations(), Failures(due), clock=clock)
    run = scheduler.run(100)
    assert run.failed_steps == ["purges"] and done == ["a"] and walk.budgets


def test_back_off_doubles_to_an_hour_and_errors_are_told_without_their_message() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4, 10)] == [60, 120, 240, 480, 3600]
    try:
        raise ValueError("ada@example.com is not verified")
    except ValueError as error:
        told = described(error)
    assert told.startswith("ValueError at test_scheduler_runner.py:") and "ada@" not in told
