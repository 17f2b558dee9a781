"""The scheduler runs each step and each job on its own (issue 25, part 4): a job that raises is logged, its due
entry moved later with an attempt count and parked after its last try, and it holds up neither the other jobs of
its step, nor the other steps, nor the due minute it was in; an operator lists parked jobs and puts them back; a
step that fails outright fails the invocation only after the others ran."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_newstore_profiles import BASE, create, token  # noqa: F401 - a fixture
from tests.support import HOSTS, Api


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The scheduler's idea of now (seconds) for the profile erasures and the failures' back-off (the due-minute
    walk keeps real time: every minute it walks is a Query per shard)."""
    from storecrm.clock import now

    moment = {"now": now()}
    for module in ("profile_erasure", "jobs", "job_failures"):
        monkeypatch.setattr(f"storecrm.domain.{module}.now", lambda: moment["now"])
    return moment


def run_scheduler(event: dict[str, Any] | None = None) -> Any:
    from storecrm import services

    services.reset()
    return HOSTS["SchedulerFunction"].invoke(event or {"source": "aws.events"})


def job_item(key: tuple[str, str]) -> dict[str, Any] | None:
    from storecrm.kernel.repositories.base import default_table

    return default_table().get(key, consistent=True)


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """The scheduler's log lines (its own and the shared package's, which it formats: see its app.py)."""
    HOSTS["SchedulerFunction"].load()
    [handler] = [h for h in logging.getLogger("storecrm").handlers if type(h) is logging.StreamHandler]  # not pytest's
    # Swapped without setStream, which flushes the stream the handler had: the stdout pytest captured for whichever
    # test imported the scheduler first, closed since.
    buffer = io.StringIO()
    previous, handler.stream = handler.stream, buffer
    yield buffer
    handler.stream = previous


def log_lines(logged: io.StringIO) -> list[dict[str, Any]]:
    """The log lines since the last look."""
    lines = [json.loads(line) for line in logged.getvalue().splitlines()]
    logged.seek(0)
    logged.truncate()
    return lines


def printed_metrics(capsys: pytest.CaptureFixture[str]) -> dict[tuple[str, str | None], float]:
    """(metric, outcome or None) -> the sum of its values the function printed since the last look."""
    found: dict[tuple[str, str | None], float] = {}
    for line in capsys.readouterr().out.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for named in directive["Metrics"]:
                value = document[named["Name"]]
                key = (named["Name"], document.get("outcome"))
                found[key] = found.get(key, 0) + (sum(value) if isinstance(value, list) else value)
    return found


@pytest.fixture
def poisoned(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Profile ids whose erasure fails at its last write, with an address in the error (it must not be logged)."""
    from storecrm.profiles.repositories.profiles import ProfileRepository

    ids: set[str] = set()
    finish = ProfileRepository.finish_deletion

    def failing(self: ProfileRepository, store_id: str, profile_id: str, *args: Any, **kwargs: Any) -> bool:
        if profile_id in ids:
            raise RuntimeError("SES refused jay.poisoned@example.com")
        return finish(self, store_id, profile_id, *args, **kwargs)

    monkeypatch.setattr(ProfileRepository, "finish_deletion", failing)
    return ids


def test_a_failing_erasure_is_retried_later_then_parked_and_the_others_are_erased(
        api: Api, store: dict[str, Any], token: str, clock: dict[str, int], poisoned: set[str],  # noqa: F811
        logged: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
    from storecrm.kernel.job_failures import MAX_ATTEMPTS, retry_delay
    from storecrm.kernel.repositories import keys

    made = [create(api, token, f"{name}@example.com")["id"] for name in ("ann", "bob", "cat")]
    for profile_id in made:
        assert api.call("DELETE", f"{BASE}/{profile_id}", token=token).status == 202
    bad = made[1]
    poisoned.add(bad)
    capsys.readouterr()
    log_lines(logged)

    # The first run erases the two others; the poisoned job is due again a minute later, on its first attempt.
    assert run_scheduler()["erased_profiles"] == 2
    assert [job_item(keys.profile_deletion(p)) is None for p in made] == [True, False, True]
    job = job_item(keys.profile_deletion(bad))
    assert job is not None and job["attempts"] == 1 and job["DUEPK"] == keys.PROFILE_DELETIONS_DUE
    assert job["DUESK"] == keys.due_sort(clock["now"] + retry_delay(1), keys.profile_deletion(bad)[0])
    lines = log_lines(logged)
    [failed] = [line for line in lines if line.get("message") == "Scheduled job failed"]
    assert (failed["step"], failed["job"], failed["outcome"], failed["attempts"]) == (
        "profile_erasures", list(keys.profile_deletion(bad)), "retried", 1)
    assert failed["error"].startswith("RuntimeError at test_scheduler_jobs.py:")
    assert not [line for line in lines if "poisoned@" in json.dumps(line)]  # the error's message is never logged
    counted = printed_metrics(capsys)
    assert counted[("ScheduledJobFailures", "retried")] == 1 and ("ParkedJobs", None) not in counted

    # Not due again yet: nothing happens; then each try further apart, until the last parks it.
    assert run_scheduler()["erased_profiles"] == 0 and job_item(keys.profile_deletion(bad))["attempts"] == 1
    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock["now"] += retry_delay(attempt - 1)
        assert run_scheduler()["erased_profiles"] == 0
        assert job_item(keys.profile_deletion(bad))["attempts"] == attempt
    job = job_item(keys.profile_deletion(bad))
    assert job is not None and job["DUEPK"] == keys.PARKED_JOBS and job["parked_from"] == keys.PROFILE_DELETIONS_DUE
    counted = printed_metrics(capsys)
    assert counted[("ScheduledJobFailures", "parked")] == 1 and counted[("ParkedJobs", None)] == 1
    [parked_line] = [line for line in log_lines(logged) if line.get("outcome") == "parked"]
    assert parked_line["level"] == "ERROR"
    clock["now"] += 10 * 3600
    assert run_scheduler()["erased_profiles"] == 0  # parked: no longer tried

    # The operator lists it, fixes what made it fail and puts it back.
    [listed] = run_scheduler({"action": "list_parked"})["parked"]
    assert listed["job"] == list(keys.profile_deletion(bad)) and listed["queue"] == keys.PROFILE_DELETIONS_DUE
    assert listed["attempts"] == MAX_ATTEMPTS and listed["error"].startswith("RuntimeError at ")
    poisoned.clear()
    assert run_scheduler({"action": "retry_parked", "jobs": [listed["job"]]}) == {"retried": 1}
    assert run_scheduler({"action": "list_parked"}) == {"parked": []}
    capsys.readouterr()
    assert run_scheduler()["erased_profiles"] == 1
    assert job_item(keys.profile_deletion(bad)) is None
    assert ("ParkedJobs", None) not in printed_metrics(capsys)


def test_a_step_that_fails_outright_does_not_stop_the_others(
        api: Api, store: dict[str, Any], token: str, clock: dict[str, int],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, logged: io.StringIO) -> None:
    from storecrm.kernel.repositories import keys
    from storecrm.stores.repositories.stores import StoreRepository

    made = create(api, token)["id"]
    assert api.call("DELETE", f"{BASE}/{made}", token=token).status == 202

    def unreadable(self: StoreRepository, now: int, limit: int = 50) -> list[str]:
        raise RuntimeError("throttled")

    monkeypatch.setattr(StoreRepository, "due_purges", unreadable)
    log_lines(logged)
    with pytest.raises(Exception, match="store_purges") as failed:
        run_scheduler()
    assert type(failed.value).__name__ == "SchedulerStepsFailed"
    assert job_item(keys.profile_deletion(made)) is None  # the erasure after it ran
    [line] = [line for line in log_lines(logged) if line.get("message") == "Scheduler step failed"]
    assert line["step"] == "store_purges" and line["level"] == "ERROR"


def test_a_failing_reminder_leaves_its_minute_for_a_later_one_and_the_others_are_done(
        store: dict[str, Any], clock: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.bookings.repositories.bookings import BookingLedger
    from storecrm.kernel.job_failures import MAX_ATTEMPTS, retry_delay
    from storecrm.kernel.repositories import keys
    from storecrm.services import due_scheduler

    monkeypatch.setattr("storecrm.kernel.due.now", lambda: clock["now"])
    due_scheduler().run(60)  # the cursor reaches the minute before now
    due_at = clock["now"] // 60 * 60 + 5
    ledger = BookingLedger()
    for order in ("gone-a", "gone-b", "gone-c"):  # reminders of orders that no longer exist: the work drops them
        ledger.transact(ledger.reminder_writes(store["id"], order, [("line", 600, due_at)]))
    bad = keys.order_reminder(store["id"], "gone-b", "line", 600)
    dismiss = BookingLedger.dismiss

    def failing(self: BookingLedger, key: tuple[str, str]) -> None:
        if key == bad:
            raise RuntimeError("poisoned")
        dismiss(self, key)

    monkeypatch.setattr(BookingLedger, "dismiss", failing)
    clock["now"] = due_at + 60
    run = due_scheduler().run(60)
    assert run.finished_through == due_at // 60  # the minute is done: its failed entry went to a later one
    assert job_item(keys.order_reminder(store["id"], "gone-a", "line", 600)) is None
    assert job_item(keys.order_reminder(store["id"], "gone-c", "line", 600)) is None
    moved = job_item(bad)
    assert moved is not None and moved["attempts"] == 1
    assert moved["DUEPK"].startswith(keys.minute_due((clock["now"] + retry_delay(1)) // 60, 0)[:-1])
    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock["now"] += retry_delay(attempt - 1)
        due_scheduler().run(60)
    parked = job_item(bad)
    assert parked is not None and parked["DUEPK"] == keys.PARKED_JOBS and parked["parked_from"] == keys.MINUTE_QUEUE

    monkeypatch.setattr(BookingLedger, "dismiss", dismiss)
    assert run_scheduler({"action": "retry_parked"}) == {"retried": 1}
    clock["now"] += 60
    due_scheduler().run(60)
    assert job_item(bad) is None
