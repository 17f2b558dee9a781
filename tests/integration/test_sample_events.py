"""The sample events in events/ (for `sam local invoke`) still drive the real handlers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import HOSTS, ROUTES

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.mark.parametrize(("name", "status"), [("auth_code", 200), ("swagger", 200), ("list_stores", 401),
                                            ("audience_confirm", 400)])
def test_api_samples(provisioned: Any, name: str, status: int) -> None:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    found = ROUTES.match(event["httpMethod"], event["path"])
    assert found is not None
    assert HOSTS[found[0].function].invoke(event)["statusCode"] == status


def test_schedule_sample(provisioned: Any) -> None:
    event = json.loads((EVENTS / "schedule.json").read_text())
    assert HOSTS["SchedulerFunction"].invoke(event) == {"purged_stores": 0, "released_holds": 0, "expired_uploads": 0,
                                                        "erased_profiles": 0, "reminders_sent": 0,
                                                        "carts_recovered": 0}
