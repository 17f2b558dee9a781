"""A scheduled job that failed: its due entry moves later with its attempt count, or is parked after the last
attempt (storecrm.kernel.jobs runs the steps; storecrm.kernel.due walks the due minutes)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from storecrm import metrics
from storecrm.clock import now

if TYPE_CHECKING:
    from storecrm.kernel.repositories.due import DueEntry, JobEntries
    from storecrm.kernel.repositories.keys import Key

log = logging.getLogger(__name__)

# A job is tried this many times in all; the last failure parks it.
MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 3600
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
