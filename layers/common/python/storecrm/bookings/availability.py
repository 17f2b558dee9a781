"""When a provider may be booked for a service (pure rules, no reads): its working windows per local day in the
store's timezone (zoneinfo, so a day of a DST change has its true length), the slots those windows offer, and
whether a slot asked for is one of them.

A day's windows come from its specific date when the terms list one (no hours: closed), else from its weekday. A
slot starts at a window's start plus a whole number of slot intervals and ends (start plus the booking's length)
inside that window. Booked time is kept in 5-minute cells (`cells`), which is how overlaps are found.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storecrm.bookings.models.bookings import WEEKDAYS, ServiceProvider, WorkingHour

CELL_SECONDS = 300
DAY_SECONDS = 24 * 3600


def cells(start: int, end: int) -> list[int]:
    """The starts of the 5-minute cells [start, end) covers."""
    first = start - start % CELL_SECONDS
    return list(range(first, end, CELL_SECONDS))


def _at(day: date, minute: int, zone: ZoneInfo) -> int:
    """The Unix second of a local wall-clock minute (1440: the next midnight). A minute a DST change skips is
    read as the same offset as before it (zoneinfo's fold 0)."""
    if minute >= 24 * 60:
        return _at(day + timedelta(days=1), minute - 24 * 60, zone)
    return int(datetime.combine(day, time(minute // 60, minute % 60), zone).timestamp())


def hours_on(link: ServiceProvider, day: date, zone: ZoneInfo) -> list[WorkingHour]:
    for specific in link.specific_dates:
        if datetime.fromtimestamp(specific.date, zone).date() == day:
            return specific.working_hours
    weekday = WEEKDAYS[day.weekday()]
    return next((d.working_hours for d in link.working_days if d.day == weekday), [])


def windows(link: ServiceProvider, day: date, zone: ZoneInfo) -> list[tuple[int, int]]:
    return [(_at(day, h.from_, zone), _at(day, h.to, zone)) for h in hours_on(link, day, zone)]


def local_days(start: int, end: int, zone: ZoneInfo) -> Iterator[date]:
    """The local days [start, end) touches, and the day before (a window may run into the next day)."""
    day = datetime.fromtimestamp(start, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(max(start, end - 1), zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def slots(link: ServiceProvider, start: int, end: int, zone: ZoneInfo) -> Iterator[tuple[date, int, int]]:
    """Every slot of the terms that starts in [start, end): (local day, from, to), in time order."""
    length = link.length_minutes * 60
    step = link.slot_interval * 60
    for day in local_days(start, end, zone):
        for window_start, window_end in windows(link, day, zone):
            at = window_start
            while at + length <= window_end:
                if start <= at < end:
                    yield day, at, at + length
                at += step


def bookable_from(link: ServiceProvider, now: int) -> tuple[int, int | None]:
    """The earliest and (None: no limit) latest start the advances allow at `now`; never in the past."""
    earliest = max(now + 1, now + link.min_advance)
    return earliest, now + link.max_advance if link.max_advance else None


def slot_problem(link: ServiceProvider, start: int, end: int, now: int, zone: ZoneInfo) -> str | None:
    """Why the terms do not offer [start, end) at `now` (None: they do); booked time is checked apart."""
    if end - start != link.length_minutes * 60:
        return f"a booking lasts {link.length_minutes} minutes"
    earliest, latest = bookable_from(link, now)
    if start < now:
        return "is in the past"
    if start < earliest:
        return f"must start at least {link.min_advance} seconds from now"
    if latest is not None and start > latest:
        return f"must start at most {link.max_advance} seconds from now"
    if not any(at == start for _, at, _ in slots(link, start, start + 1, zone)):
        return "is not one of the provider's available slots"
    return None


def free(start: int, end: int, taken: Container[int]) -> bool:
    return not any(cell in taken for cell in cells(start, end))
