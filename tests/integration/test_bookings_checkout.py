"""Service lines in carts, quotes and checkout: a slot must be one the provider's terms offer, in the future and
free; checkout books it in the order's transaction with one item per 5-minute cell of provider time, so two
orders never hold the same time (20 concurrent checkouts of one slot make one order); a cancellation frees it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.conftest import login
from tests.integration.test_carts import current, set_up_market, sf, shopper
from tests.integration.test_checkout import (
    checkouts_at_once,
    serialized_transactions,  # noqa: F401 - a fixture this module uses
)
from tests.support import Api

EVERY_DAY = [{"day": day, "working_hours": [{"from": 9 * 60, "to": 17 * 60}]}
             for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]


def _ok(reply: Any) -> Any:
    assert reply.status == 200, reply.body
    return reply.body


def _at(days_ahead: int, hour: int, minute: int = 0, zone: str = "America/New_York") -> int:
    day = (datetime.now(ZoneInfo(zone)) + timedelta(days=days_ahead)).date()
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp())


@pytest.fixture
def salon(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}"
    set_up_market(api, token, store, [{"id": "cash"}])
    service = _ok(api.call("POST", f"{base}/services", {"key": "haircut", "status": "active"}, token=token))
    provider = _ok(api.call("POST", f"{base}/providers", {"key": "alice", "status": "active"}, token=token))
    terms = _ok(api.call("POST", f"{base}/service-providers", {
        "service_id": service["id"], "provider_id": provider["id"], "working_days": EVERY_DAY, "specific_dates": [],
        "slot_interval": 30, "durations": [{"duration": 60}], "reminders": [600],
        "prices": [{"currency": "USD", "market": "us", "amount": 5000}]}, token=token))
    return {"token": token, "service": service, "provider": provider, "terms": terms}


def _line(salon: dict[str, Any], start: int, minutes: int = 60, **changes: Any) -> dict[str, Any]:
    return {"type": "service", "service_id": salon["service"]["id"], "provider_id": salon["provider"]["id"],
            "slots": [{"from": start, "to": start + minutes * 60}], **changes}


def _cart_with(api: Api, store: dict[str, Any], items: list[dict[str, Any]]) -> tuple[str, dict[str, Any], Any]:
    bearer = shopper(api, store)
    cart = current(api, store, bearer)
    return bearer, cart, api.call("PUT", sf(store, f"/{cart['id']}"), {"items": items}, token=bearer)


def _cells(store_id: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    return list(default_table().query_all(f"STORE#{store_id}", sk_prefix="BOOKING#"))


def test_a_booked_slot_goes_through_quote_and_checkout_and_cannot_be_booked_again(
        api: Api, store: dict[str, Any], salon: dict[str, Any]) -> None:
    start = _at(2, 10)
    bearer, cart, reply = _cart_with(api, store, [_line(salon, start)])
    assert reply.status == 200, reply.body
    assert reply.body["items"][0]["slots"] == [{"from": start, "to": start + 3600}]
    assert reply.body["item_count"] == 1
    quoted = _ok(api.call("POST", sf(store, f"/{cart['id']}/quote"), {}, token=bearer))
    [line] = quoted["items"]
    assert (line["type"], line["from"], line["to"], line["unit_price"]) == ("service", start, start + 3600, 5000)
    assert line["availability"] == {"ok": True, "spots": 1, "reason": None}
    assert line["snapshot"]["service_key"] == "haircut" and line["snapshot"]["provider_key"] == "alice"
    done = _ok(api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer))
    order = _ok(api.call("GET", f"/v1/stores/{store['id']}/orders/{done['order_id']}", token=salon["token"]))
    [item] = order["items"]
    assert (item["type"], item["from"], item["to"], item["provider_id"]) == ("service", start, start + 3600,
                                                                            salon["provider"]["id"])
    assert order["payment"]["total"] == 5000 and order["fired_reminders"] == []
    assert len(_cells(store["id"])) == 12

    # The same time, or a slot overlapping it, is refused naming the slot; nothing is written.
    for overlapping in (start, start + 1800, start - 1800):
        _, other, refused = _cart_with(api, store, [_line(salon, overlapping)])
        assert refused.status == 400, refused.body
        assert refused.body["validationErrors"][0]["field"] == "items.0.slots.0"
        assert _ok(api.call("GET", f"/v1/stores/{store['id']}/carts/{other['id']}", token=salon["token"]))[
            "items"] == []
    # The slot just after is free.
    assert _cart_with(api, store, [_line(salon, start + 3600)])[2].status == 200

    # Cancelling the order frees the time.
    cancelled = api.call("PUT", f"/v1/stores/{store['id']}/orders/{order['id']}", {"cancel": True},
                         token=salon["token"])
    assert cancelled.status == 200, cancelled.body
    assert _cells(store["id"]) == []
    assert _cart_with(api, store, [_line(salon, start)])[2].status == 200


def test_a_slot_booked_after_the_cart_was_filled_is_quoted_unavailable_and_refused(
        api: Api, store: dict[str, Any], salon: dict[str, Any]) -> None:
    start = _at(2, 11)
    first_bearer, first, _ = _cart_with(api, store, [_line(salon, start)])
    second_bearer, second, _ = _cart_with(api, store, [_line(salon, start + 1800)])
    _ok(api.call("POST", sf(store, f"/{first['id']}/checkout"), {}, token=first_bearer))
    quoted = _ok(api.call("POST", sf(store, f"/{second['id']}/quote"), {}, token=second_bearer))
    assert quoted["items"][0]["availability"] == {"ok": False, "spots": None, "reason": "is booked already"}
    refused = api.call("POST", sf(store, f"/{second['id']}/checkout"), {}, token=second_bearer)
    assert (refused.status, refused.error) == (409, "CART.SLOT_UNAVAILABLE")
    assert refused.body["validationErrors"][0]["field"] == "items.0.slots.0"
    assert {c["order_id"] for c in _cells(store["id"])} == {first["converted_order_id"] or _ok(api.call(
        "GET", sf(store, f"/{first['id']}"), token=first_bearer))["converted_order_id"]}


def test_slots_the_terms_do_not_offer_are_refused_naming_the_field(api: Api, store: dict[str, Any],
                                                                   salon: dict[str, Any]) -> None:
    past = _at(-1, 10)
    cases = [
        (_line(salon, past), "items.0.slots.0"),  # in the past
        (_line(salon, _at(2, 8)), "items.0.slots.0"),  # before opening
        (_line(salon, _at(2, 16, 30)), "items.0.slots.0"),  # runs past closing
        (_line(salon, _at(2, 10, 10)), "items.0.slots.0"),  # off the 30-minute grid
        (_line(salon, _at(2, 10), minutes=45), "items.0.slots.0"),  # not the booking's length
        (_line(salon, _at(2, 10), service_id="nope"), "items.0.service_id"),
        (_line(salon, _at(2, 10), provider_id="nope"), "items.0.provider_id"),
        ({**_line(salon, _at(2, 10)), "slots": [{"from": _at(2, 10), "to": _at(2, 11)},
                                                {"from": _at(2, 10, 30), "to": _at(2, 11, 30)}]},
         "items.0.slots.1"),  # two slots of the cart overlap
    ]
    for item, field in cases:
        _, cart, reply = _cart_with(api, store, [item])
        assert reply.status == 400, (item, reply.body)
        assert reply.body["validationErrors"][0]["field"] == field, (item, reply.body)
        assert _ok(api.call("GET", f"/v1/stores/{store['id']}/carts/{cart['id']}", token=salon["token"]))[
            "items"] == []
    # Another store's provider is unknown here.
    rival_token = login(api, "rival@example.com")["access_token"]
    rival = _ok(api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC",
                                                "billing_email": "r@example.com"}, token=rival_token))
    theirs = _ok(api.call("POST", f"/v1/stores/{rival['id']}/providers", {"key": "eve", "status": "active"},
                          token=rival_token))
    _, _, reply = _cart_with(api, store, [_line(salon, _at(2, 10), provider_id=theirs["id"])])
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "items.0.provider_id"
    assert _cells(store["id"]) == []


def test_twenty_concurrent_checkouts_of_one_slot_make_one_order(api: Api, store: dict[str, Any],
                                                                salon: dict[str, Any],
                                                                serialized_transactions: None) -> None:  # noqa: F811
    start = _at(3, 14)
    carts = []
    for _ in range(20):
        bearer, cart, reply = _cart_with(api, store, [_line(salon, start)])
        assert reply.status == 200, reply.body
        carts.append((bearer, cart))
    outcomes = checkouts_at_once(store["id"], carts)
    numbers = [o for o in outcomes if o.startswith("#")]
    assert len(numbers) == 1, outcomes
    assert set(outcomes) - set(numbers) == {"CART.SLOT_UNAVAILABLE"}
    from storecrm.kernel.repositories.base import default_table

    assert len(list(default_table().query_all(f"STORE#{store['id']}", sk_prefix="ORDER#"))) == 1
    assert {c["order_id"] for c in _cells(store["id"])} == {o["id"] for o in default_table().query_all(
        f"STORE#{store['id']}", sk_prefix="ORDER#")}


def test_lines_that_would_not_fit_in_one_order_transaction_are_refused_at_the_cart(
        api: Api, store: dict[str, Any], salon: dict[str, Any]) -> None:
    """An hour's slot writes 12 cells and its reminder (13 items): seven fit beside the order's own writes in one
    transaction of at most 100 items, an eighth does not. The cart refuses it naming `items`, rather than the
    checkout (or the release of the order) failing later."""
    seven = {**_line(salon, _at(2, 9)), "slots": [{"from": _at(2, hour), "to": _at(2, hour + 1)}
                                                  for hour in range(9, 16)]}
    bearer, cart, reply = _cart_with(api, store, [seven])
    assert reply.status == 200, reply.body
    eighth = _line(salon, _at(3, 10))
    refused = api.call("POST", sf(store, f"/{cart['id']}/items"), {"item": eighth}, token=bearer)
    assert refused.status == 400, refused.body
    [error] = refused.body["validationErrors"]
    assert error["field"] == "items" and "room for 93" in error["error"] and "need 104" in error["error"]
    _, _, at_once = _cart_with(api, store, [seven, eighth])
    assert at_once.status == 400 and at_once.body["validationErrors"][0]["field"] == "items"
    assert _ok(api.call("GET", sf(store, f"/{cart['id']}"), token=bearer))["items"][0]["slots"] == seven["slots"]
    done = _ok(api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer))
    assert len(_cells(store["id"])) == 7 * 12 and done["number"] == "#1001"
