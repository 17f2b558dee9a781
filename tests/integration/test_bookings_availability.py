"""Availability (arky-sdk 0.9.1 getServiceAvailability): free slots of a service's providers in a time range, from
their working hours in the store's timezone (DST-correct) minus booked time; at most 31 days per request."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.integration.conftest import login
from tests.integration.test_bookings_checkout import _at, _cart_with, _line, _ok, salon  # noqa: F401 - a fixture
from tests.integration.test_carts import sf
from tests.support import Api

NEW_YORK = ZoneInfo("America/New_York")


def _availability(api: Api, store: dict[str, Any], salon: dict[str, Any], start: int, end: int,  # noqa: F811
                  token: str | None = None, **query: Any) -> Any:
    path = (f"/v1/stores/{store['id']}/services/availability" if token
            else f"/v1/storefront/{store['id']}/services/availability")
    return api.call("GET", path, token=token, query={"service_id": salon["service"]["id"], "from": start,
                                                     "to": end, **query})


def test_free_slots_are_working_hours_minus_booked_time(api: Api, store: dict[str, Any],
                                                        salon: dict[str, Any]) -> None:  # noqa: F811
    day_start, day_end = _at(2, 0), _at(3, 0)
    answer = _ok(_availability(api, store, salon, day_start, day_end))
    [provider] = answer["providers"]
    assert provider["provider_id"] == salon["provider"]["id"] and provider["provider_key"] == "alice"
    [day] = provider["days"]
    starts = [s["from"] for s in day["slots"]]
    assert starts == [_at(2, 9) + n * 1800 for n in range(15)]  # 9:00 .. 16:00, an hour each, every 30 minutes
    assert day["slots"][0] == {"from": _at(2, 9), "to": _at(2, 10), "spots": 1}
    assert day["date"] == datetime.fromtimestamp(_at(2, 9), NEW_YORK).date().isoformat()

    bearer, cart, _ = _cart_with(api, store, [_line(salon, _at(2, 10))])
    _ok(api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer))
    [day] = _ok(_availability(api, store, salon, day_start, day_end))["providers"][0]["days"]
    starts = [s["from"] for s in day["slots"]]
    assert len(starts) == 12 and not {_at(2, 9, 30), _at(2, 10), _at(2, 10, 30)} & set(starts)
    # Staff read the same; a provider filter keeps only that provider.
    staff = _ok(_availability(api, store, salon, day_start, day_end, token=salon["token"],
                              provider_id=salon["provider"]["id"]))
    assert [s["from"] for s in staff["providers"][0]["days"][0]["slots"]] == starts


def test_a_day_of_a_dst_change_keeps_its_local_hours(api: Api, store: dict[str, Any],
                                                     salon: dict[str, Any]) -> None:  # noqa: F811
    # New York moves its clocks forward at 2:00 on Sunday 14 March 2027 and back on Sunday 7 November 2027.
    for before, after in (((2027, 3, 13), (2027, 3, 14)), ((2027, 11, 6), (2027, 11, 7))):
        start = int(datetime(*before, tzinfo=NEW_YORK).timestamp())
        end = int(datetime(*after, 23, 59, tzinfo=NEW_YORK).timestamp())
        days = _ok(_availability(api, store, salon, start, end))["providers"][0]["days"]
        assert [d["date"] for d in days] == [f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in (before, after)]
        for day, (y, m, d) in zip(days, (before, after), strict=True):
            first, last = day["slots"][0], day["slots"][-1]
            assert first["from"] == int(datetime(y, m, d, 9, tzinfo=NEW_YORK).timestamp())
            assert last["to"] == int(datetime(y, m, d, 17, tzinfo=NEW_YORK).timestamp())
            assert len(day["slots"]) == 15


def test_bad_ranges_and_other_stores(api: Api, store: dict[str, Any], salon: dict[str, Any]) -> None:  # noqa: F811
    start = _at(2, 0)
    for end, field in ((start, "to"), (start + 32 * 86400, "to")):
        reply = _availability(api, store, salon, start, end)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, reply.body
    unknown = api.call("GET", f"/v1/storefront/{store['id']}/services/availability",
                       query={"service_id": "nope", "from": start, "to": start + 86400})
    assert unknown.status == 400 and unknown.body["validationErrors"][0]["field"] == "service_id"
    missing = api.call("GET", f"/v1/storefront/{store['id']}/services/availability", query={"service_id": "x"})
    assert missing.status == 400
    rival_token = login(api, "rival@example.com")["access_token"]
    assert _availability(api, store, salon, start, start + 86400, token=rival_token).status == 404
    # A draft service is not offered to shoppers; staff still see its providers' slots.
    assert api.call("PUT", f"/v1/stores/{store['id']}/services/{salon['service']['id']}", {"status": "draft"},
                    token=salon["token"]).status == 200
    assert _availability(api, store, salon, start, start + 86400).status == 400
    assert _availability(api, store, salon, start, start + 86400, token=salon["token"]).status == 200
