"""Order reminders: a due item per booked line and offset, written in the order's transaction; the every-minute
scheduler walks the due minutes (only their DueIndex shards, page by page, within a time budget) and fires each
reminder once: `fired_reminders`, `order.reminder` in the outbox and a mail to the customer (in the mail outbox, sent
by the mail function), even when two runs
overlap or one stops half way; a cancelled booking sends nothing and a reminder already past is never written."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.test_bookings_checkout import EVERY_DAY, _ok
from tests.integration.test_carts import current, set_up_market, sf, shopper
from tests.integration.test_checkout import serialized_transactions  # noqa: F401 - a fixture this module uses
from tests.support import Api, MailPipeline, sent_mail

ALL_DAY = [{**day, "working_hours": [{"from": 0, "to": 1440}]} for day in EVERY_DAY]


_pipelines: list[MailPipeline] = []


@pytest.fixture(autouse=True)
def _mail_function(mails: MailPipeline) -> Iterator[None]:
    """Reminder mails go through the mail outbox: `_sent` runs the mail function first."""
    _pipelines.append(mails)
    yield
    _pipelines.remove(mails)


def _sent(email: str) -> list[dict[str, Any]]:
    for pipeline in _pipelines:
        pipeline.run()
    return sent_mail(email)


def _table() -> Any:
    from storecrm.kernel.repositories.base import default_table

    return default_table()


@pytest.fixture
def studio(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}"
    set_up_market(api, token, store, [{"id": "cash"}])
    service = _ok(api.call("POST", f"{base}/services", {"key": "lesson", "status": "active"}, token=token))
    provider = _ok(api.call("POST", f"{base}/providers", {"key": "bob", "status": "active"}, token=token))
    _ok(api.call("POST", f"{base}/service-providers", {
        "service_id": service["id"], "provider_id": provider["id"], "working_days": ALL_DAY, "specific_dates": [],
        "slot_interval": 5, "durations": [{"duration": 5}], "reminders": [600, 86400],
        "prices": [{"currency": "USD", "market": "us", "amount": 1000}]}, token=token))
    return {"token": token, "service": service, "provider": provider}


def _book(api: Api, store: dict[str, Any], studio: dict[str, Any], start: int, email: str) -> dict[str, Any]:
    bearer = shopper(api, store, email)
    cart = current(api, store, bearer)
    line = {"type": "service", "service_id": studio["service"]["id"], "provider_id": studio["provider"]["id"],
            "slots": [{"from": start, "to": start + 300}]}
    _ok(api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line]}, token=bearer))
    done = _ok(api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer))
    return dict(_ok(api.call("GET", f"/v1/stores/{store['id']}/orders/{done['order_id']}", token=studio["token"])))


def _eleven_minutes_ahead(now: int) -> int:
    return (now + 11 * 60 + 299) // 300 * 300


def _reminders(store_id: str) -> list[dict[str, Any]]:
    return list(_table().query_all(f"STORE#{store_id}", sk_prefix="REMINDER#"))


def _events(store_id: str) -> list[dict[str, Any]]:
    return [i for i in _table().query_all(f"STORE#{store_id}#EVENT") if i["type"] == "order.reminder"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The scheduler's idea of now (seconds), set by the test."""
    from storecrm.clock import now
    from storecrm.kernel import due

    moment = {"now": now()}
    monkeypatch.setattr(due, "now", lambda: moment["now"])
    return moment


def _run(page_size: int = 100, budget: float = 60.0, step: float = 0.0) -> Any:
    """One scheduler run; `step` seconds pass on its budget clock at each look."""
    from storecrm.kernel.due import DueScheduler
    from storecrm.services import due_scheduler

    built = due_scheduler()
    ticks = iter(range(10**6))
    return DueScheduler(built.due, built.work, shards=built.shards, page_size=page_size,
                        clock=(lambda: next(ticks) * step) if step else None).run(budget)


def test_a_reminder_fires_once_within_a_minute_of_its_time(api: Api, store: dict[str, Any],
                                                           studio: dict[str, Any], clock: dict[str, int]) -> None:
    start = _eleven_minutes_ahead(clock["now"])
    order = _book(api, store, studio, start, "ada@example.com")
    # The day-ahead reminder had passed when it was booked: only the 10-minute one is due.
    [due] = _reminders(store["id"])
    assert (due["offset"], due["due_at"], due["line_id"]) == (600, start - 600, order["items"][0]["id"])
    assert due["DUEPK"].startswith(f"DUEMIN#{(start - 600) // 60:09d}#") and due["DUESK"].startswith(str(start - 600))

    clock["now"] = start - 600 - 1  # a second before it is due
    _run()
    assert _events(store["id"]) == [] and _sent("ada@example.com") == []
    clock["now"] = start - 600  # due now
    assert _run().done == {"REMINDER": 1}
    got = _ok(api.call("GET", f"/v1/stores/{store['id']}/orders/{order['id']}", token=studio["token"]))
    assert got["fired_reminders"] == [600]
    [event] = _events(store["id"])
    assert event["data"]["offset"] == 600 and event["data"]["starts_at"] == start
    [mail] = _sent("ada@example.com")
    assert "lesson" in mail["subject"]
    assert _reminders(store["id"]) == []
    # Later runs find nothing more to do.
    clock["now"] += 300
    assert _run().done == {}
    assert len(_events(store["id"])) == 1 and len(_sent("ada@example.com")) == 1


def test_a_cancelled_booking_sends_nothing(api: Api, store: dict[str, Any], studio: dict[str, Any],
                                           clock: dict[str, int]) -> None:
    start = _eleven_minutes_ahead(clock["now"])
    order = _book(api, store, studio, start, "bo@example.com")
    assert len(_reminders(store["id"])) == 1
    _ok(api.call("PUT", f"/v1/stores/{store['id']}/orders/{order['id']}", {"cancel": True}, token=studio["token"]))
    assert _reminders(store["id"]) == []
    clock["now"] = start
    _run()
    assert _events(store["id"]) == [] and _sent("bo@example.com") == []


def test_the_stores_template_overrides_the_mail(api: Api, store: dict[str, Any], studio: dict[str, Any],
                                                clock: dict[str, int]) -> None:
    template = api.call("POST", f"/v1/stores/{store['id']}/email-templates", {
        "key": "order-reminder", "subject": {"en": "See you at {{starts_at}}"},
        "body": "<p>{{service_key}} soon</p>", "from_name": "Acme", "from_email": "hi@acme.example.com"},
        token=studio["token"])
    assert template.status == 200, template.body
    start = _eleven_minutes_ahead(clock["now"])
    _book(api, store, studio, start, "cy@example.com")
    clock["now"] = start
    _run()
    [mail] = _sent("cy@example.com")
    assert mail["subject"].startswith("See you at ")


def _due_items(store_id: str, count: int, due_at: int) -> None:
    """`count` reminders due in one minute, of orders that no longer exist (the work just removes them)."""
    from storecrm.bookings.repositories.bookings import BookingLedger

    ledger = BookingLedger()
    for n in range(count):
        ledger.transact(ledger.reminder_writes(store_id, f"gone-{n:03d}", [("line", 600, due_at)]))


def test_a_busy_minute_is_worked_in_pages_and_what_is_left_waits_for_the_next_run(
        store: dict[str, Any], clock: dict[str, int]) -> None:
    from storecrm.kernel.repositories.due import DueRepository

    _run()  # the cursor reaches the minute before now
    due_at = clock["now"] // 60 * 60 + 5
    _due_items(store["id"], 30, due_at)
    clock["now"] = due_at + 60
    # Every look at the budget clock costs a second: 12 pages of two items, where 30 items on 8 shards need 15.
    first = _run(page_size=2, budget=12, step=1)
    assert first.out_of_time and first.finished_through is None
    left = len(_reminders(store["id"]))
    assert 0 < left < 30
    cursor = DueRepository().done_through()
    assert cursor is None or cursor < due_at // 60
    second = _run(page_size=2)
    assert not second.out_of_time and second.finished_through == due_at // 60
    assert _reminders(store["id"]) == [] and DueRepository().done_through() == due_at // 60


def test_a_missed_run_is_caught_up(store: dict[str, Any], clock: dict[str, int]) -> None:
    due_at = clock["now"] + 120
    _due_items(store["id"], 3, due_at)
    clock["now"] = due_at + 60
    _run()  # nothing was due before; the cursor moves on through due_at's minute
    _due_items(store["id"], 2, due_at + 600)
    clock["now"] = due_at + 3600  # runs were missed for an hour
    assert _run().finished_through == (due_at + 3600) // 60 - 1
    assert _reminders(store["id"]) == []


def test_overlapping_runs_fire_each_reminder_once(api: Api, store: dict[str, Any], studio: dict[str, Any],
                                                  clock: dict[str, int],
                                                  serialized_transactions: None) -> None:  # noqa: F811
    start = _eleven_minutes_ahead(clock["now"])
    orders = [_book(api, store, studio, start + n * 300, f"p{n}@example.com") for n in range(3)]
    clock["now"] = start + 3 * 300
    gate = threading.Barrier(4)

    def run() -> Any:
        gate.wait()
        return _run(page_size=1)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: run(), range(4)))
    assert sum(r.done.get("REMINDER", 0) for r in results) == 3
    assert len(_events(store["id"])) == 3
    for n, order in enumerate(orders):
        assert len(_sent(f"p{n}@example.com")) == 1
        got = _ok(api.call("GET", f"/v1/stores/{store['id']}/orders/{order['id']}", token=studio["token"]))
        assert got["fired_reminders"] == [600]


def test_a_run_that_stops_half_way_leaves_the_rest_for_the_next(api: Api, store: dict[str, Any],
                                                                studio: dict[str, Any], clock: dict[str, int],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.bookings.repositories.bookings import BookingLedger

    start = _eleven_minutes_ahead(clock["now"])
    orders = [_book(api, store, studio, start + n * 300, f"q{n}@example.com") for n in range(3)]
    clock["now"] = start + 3 * 300
    original = BookingLedger.transact
    calls = {"n": 0}

    def crash_on_the_second(self: BookingLedger, writes: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the run was stopped")
        original(self, writes)

    monkeypatch.setattr(BookingLedger, "transact", crash_on_the_second)
    with pytest.raises(RuntimeError):
        _run(page_size=1)
    assert len(_events(store["id"])) == 1
    monkeypatch.setattr(BookingLedger, "transact", original)
    _run()
    assert len(_events(store["id"])) == 3
    for n, order in enumerate(orders):
        assert len(_sent(f"q{n}@example.com")) == 1
        got = _ok(api.call("GET", f"/v1/stores/{store['id']}/orders/{order['id']}", token=studio["token"]))
        assert got["fired_reminders"] == [600]


def test_cancelling_a_line_frees_its_time_and_drops_its_reminders(api: Api, store: dict[str, Any],
                                                                  studio: dict[str, Any],
                                                                  clock: dict[str, int]) -> None:
    start = _eleven_minutes_ahead(clock["now"])
    bearer = shopper(api, store, "di@example.com")
    cart = current(api, store, bearer)
    line = {"type": "service", "service_id": studio["service"]["id"], "provider_id": studio["provider"]["id"],
            "slots": [{"from": start, "to": start + 300}, {"from": start + 600, "to": start + 900}]}
    _ok(api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line]}, token=bearer))
    done = _ok(api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer))
    path = f"/v1/stores/{store['id']}/orders/{done['order_id']}"
    first, second = _ok(api.call("GET", path, token=studio["token"]))["items"]
    assert len(_reminders(store["id"])) == 2
    bad = api.call("PUT", path, {"cancel_items": ["nope"]}, token=studio["token"])
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "cancel_items.0"
    changed = _ok(api.call("PUT", path, {"cancel_items": [first["id"]]}, token=studio["token"]))
    assert changed["status"] == "partially_cancelled"
    assert [i["status"]["status"] for i in changed["items"]] == ["cancelled", "pending"]
    assert [r["line_id"] for r in _reminders(store["id"])] == [second["id"]]
    cells = list(_table().query_all(f"STORE#{store['id']}", sk_prefix="BOOKING#"))
    assert {int(c["cell"]) for c in cells} == {start + 600}
    clock["now"] = start + 900
    _run()
    assert [e["data"]["line_id"] for e in _events(store["id"])] == [second["id"]]
    assert len(_sent("di@example.com")) == 1


def test_moving_a_booking_moves_its_cells_and_reminders(api: Api, store: dict[str, Any], studio: dict[str, Any],
                                                        clock: dict[str, int]) -> None:
    start = _eleven_minutes_ahead(clock["now"])
    order = _book(api, store, studio, start, "ed@example.com")
    blocker = _book(api, store, studio, start + 3600, "fi@example.com")
    path = f"/v1/stores/{store['id']}/orders/{order['id']}"
    line_id = order["items"][0]["id"]
    for move, field in (({"id": "nope", "from": start + 1800, "to": start + 2100}, "move_items.0.id"),
                        ({"id": line_id, "from": start + 1800, "to": start + 2400}, "move_items.0.from"),
                        ({"id": line_id, "from": clock["now"] - 600, "to": clock["now"] - 300}, "move_items.0.from")):
        bad = api.call("PUT", path, {"move_items": [move]}, token=studio["token"])
        assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == field, bad.body
    taken = api.call("PUT", path, {"move_items": [{"id": line_id, "from": start + 3600, "to": start + 3900}]},
                     token=studio["token"])
    assert (taken.status, taken.error) == (409, "ORDER.SLOT_UNAVAILABLE")
    moved = _ok(api.call("PUT", path, {"move_items": [{"id": line_id, "from": start + 1800, "to": start + 2100}]},
                         token=studio["token"]))
    assert (moved["items"][0]["from"], moved["items"][0]["to"]) == (start + 1800, start + 2100)
    mine = {int(c["cell"]) for c in _table().query_all(f"STORE#{store['id']}", sk_prefix="BOOKING#")
            if c["order_id"] == order["id"]}
    assert mine == {start + 1800}
    due = [r for r in _reminders(store["id"]) if r["order_id"] == order["id"]]
    assert [r["due_at"] for r in due] == [start + 1800 - 600]
    clock["now"] = start  # the old reminder time (and more) has passed: nothing for the moved booking yet
    _run()
    assert _sent("ed@example.com") == []
    clock["now"] = start + 1800
    _run()
    assert len(_sent("ed@example.com")) == 1 and blocker["id"] != order["id"]


def test_over_the_stores_mail_quota_a_reminder_fires_without_its_mail(
        api: Api, owner: dict[str, Any], store: dict[str, Any], studio: dict[str, Any], clock: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from storecrm import services

    start = _eleven_minutes_ahead(clock["now"])
    order = _book(api, store, studio, start, "quota@example.com")
    monkeypatch.setenv("BILLING_PLANS", json.dumps([{"id": "plan_free", "name": "Free", "tier": 0, "amount": 0,
                                                     "currency": "USD", "interval": "month", "interval_count": 1,
                                                     "limits": {"mails_per_day": 0}}]))
    services.reset()
    clock["now"] = start - 600
    assert _run().done == {"REMINDER": 1}
    assert len(_events(store["id"])) == 1 and _sent("quota@example.com") == []
    got = _ok(api.call("GET", f"/v1/stores/{store['id']}/orders/{order['id']}", token=studio["token"]))
    assert got["fired_reminders"] == [600]
    quota = api.call("GET", f"/v1/stores/{store['id']}", token=owner["access_token"]).body["mail_quota"]
    assert (quota["limit"], quota["sent"], quota["refused"]) == (0, 0, 1)
