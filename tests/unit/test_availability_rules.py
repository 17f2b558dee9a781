"""Availability rules without AWS: a day's windows (a specific date replaces its weekday, DST days keep their local
hours), the slots they offer, why a slot is refused, and the 5-minute cells bookings are kept in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from storecrm.bookings.availability import cells, free, slot_problem, slots, windows
from storecrm.bookings.models.bookings import ServiceDuration, ServiceProvider, SpecificDate, WorkingDay, WorkingHour

PARIS = ZoneInfo("Europe/Paris")


def _terms(**changes: object) -> ServiceProvider:
    values: dict[str, object] = {
        "id": "t", "service_id": "s", "provider_id": "p", "store_id": "st", "slot_interval": 30,
        "working_days": [WorkingDay(day="monday", working_hours=[WorkingHour(from_=540, to=720)])],
        "durations": [ServiceDuration(duration=45), ServiceDuration(duration=15, is_pause=True)],
        "created_at": 0, "updated_at": 0, **changes}
    return ServiceProvider.model_validate(values)


def _at(y: int, m: int, d: int, h: int, minute: int = 0) -> int:
    return int(datetime(y, m, d, h, minute, tzinfo=PARIS).timestamp())


def test_a_monday_offers_its_hours_on_the_slot_grid() -> None:
    terms = _terms()
    offered = [(start, end) for _, start, end in slots(terms, _at(2027, 3, 1, 0), _at(2027, 3, 2, 0), PARIS)]
    assert offered == [(_at(2027, 3, 1, 9), _at(2027, 3, 1, 10)), (_at(2027, 3, 1, 9, 30), _at(2027, 3, 1, 10, 30)),
                       (_at(2027, 3, 1, 10), _at(2027, 3, 1, 11)), (_at(2027, 3, 1, 10, 30), _at(2027, 3, 1, 11, 30)),
                       (_at(2027, 3, 1, 11), _at(2027, 3, 1, 12))]
    assert list(slots(terms, _at(2027, 3, 2, 0), _at(2027, 3, 3, 0), PARIS)) == []  # a Tuesday: no hours


def test_a_specific_date_replaces_its_weekday() -> None:
    closed = _terms(specific_dates=[SpecificDate(date=_at(2027, 3, 1, 12), working_hours=[])])
    assert windows(closed, date(2027, 3, 1), PARIS) == []
    late = _terms(specific_dates=[SpecificDate(date=_at(2027, 3, 2, 3), working_hours=[WorkingHour(from_=1200,
                                                                                                  to=1440)])])
    assert windows(late, date(2027, 3, 2), PARIS) == [(_at(2027, 3, 2, 20), _at(2027, 3, 3, 0))]


def test_a_dst_day_keeps_its_local_hours() -> None:
    # Paris moves its clocks forward at 2:00 on Sunday 28 March 2027: that day is 23 hours long.
    terms = _terms(working_days=[WorkingDay(day="sunday", working_hours=[WorkingHour(from_=0, to=1440)])])
    [(start, end)] = windows(terms, date(2027, 3, 28), PARIS)
    assert (start, end) == (_at(2027, 3, 28, 0), _at(2027, 3, 29, 0)) and end - start == 23 * 3600


def test_why_a_slot_is_refused() -> None:
    terms = _terms(min_advance=3600, max_advance=30 * 86400)
    now = _at(2027, 3, 1, 8)
    assert slot_problem(terms, _at(2027, 3, 1, 9, 30), _at(2027, 3, 1, 10, 30), now, PARIS) is None
    assert slot_problem(terms, _at(2027, 3, 1, 7), _at(2027, 3, 1, 8), now, PARIS) == "is in the past"
    assert "at least" in (slot_problem(terms, _at(2027, 3, 1, 8, 30), _at(2027, 3, 1, 9, 30), now, PARIS) or "")
    assert "at most" in (slot_problem(terms, _at(2027, 4, 5, 9), _at(2027, 4, 5, 10), now, PARIS) or "")
    assert "lasts" in (slot_problem(terms, _at(2027, 3, 1, 9), _at(2027, 3, 1, 9, 45), now, PARIS) or "")
    assert "available" in (slot_problem(terms, _at(2027, 3, 1, 9, 10), _at(2027, 3, 1, 10, 10), now, PARIS) or "")
    assert "available" in (slot_problem(terms, _at(2027, 3, 1, 11, 30), _at(2027, 3, 1, 12, 30), now, PARIS) or "")


def test_bookings_are_kept_in_five_minute_cells() -> None:
    assert cells(600, 1800) == [600, 900, 1200, 1500]
    assert cells(700, 1000) == [600, 900]  # a part of a cell holds all of it
    assert free(1800, 2400, {600, 900, 1200, 1500}) and not free(1500, 2100, {1500})
