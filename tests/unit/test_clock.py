"""Ids in the order they were made (storecrm.clock.new_id)."""

from __future__ import annotations

import time
import uuid

import pytest

from storecrm.clock import new_id


def test_ids_are_version_7_and_sort_in_the_order_they_were_made() -> None:
    made = []
    for _ in range(5):
        made.append(new_id())
        time.sleep(0.002)
    assert made == sorted(made) and len(set(made)) == 5
    parsed = uuid.UUID(made[0])
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert abs((parsed.int >> 80) - time.time_ns() // 1_000_000) < 60_000


def test_the_local_runners_clock_rate_speeds_up_now(monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import clock

    monkeypatch.setattr(clock.time, "time", lambda: 1_000_100.0)
    assert clock.now() == 1_000_100
    monkeypatch.setenv(clock.CLOCK_START, "1000000")
    monkeypatch.setenv(clock.CLOCK_RATE, "12")
    assert clock.now() == 1_000_000 + 100 * 12
