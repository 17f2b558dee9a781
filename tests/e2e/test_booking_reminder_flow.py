"""Issue 13's "done when", over HTTP against a local runner whose clock runs 12 times faster (`--clock-rate`):
a service with a provider and a 10-minute reminder, a slot about 11 minutes ahead booked through cart checkout, and
within a minute or two of running time the order shows the fired offset, `order.reminder` reaches a webhook and
the mail is in /_dev/mailbox; an overlapping booking is refused and a cancelled one sends nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from tests.e2e.conftest import LatestCode, RunnerProcess
from tests.e2e.test_store_flow import _call, _login
from tests.support import Receiver

RATE = 12
ALL_DAY = [{"day": day, "working_hours": [{"from": 0, "to": 1440}]}
           for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]


@pytest.fixture(scope="module")
def fast_runner() -> Iterator[str]:
    runner = RunnerProcess("--clock-rate", str(RATE), "--schedule-seconds", "2")
    try:
        runner.wait_healthy()
        yield runner.url
    finally:
        runner.stop()
        runner.log_path.unlink(missing_ok=True)


def _ok(reply: requests.Response) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()


def _wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def _book(url: str, store_id: str, email: str, line: dict[str, Any]) -> tuple[str, str, requests.Response]:
    shopper = _ok(_call(url, "POST", f"/v1/storefront/{store_id}/profiles/identify", None,
                        {"store_id": store_id, "market": "us", "email": email}))["token"]["token"]
    carts = f"/v1/storefront/{store_id}/carts"
    cart = _ok(_call(url, "POST", f"{carts}/current", shopper, {"store_id": store_id, "market": "us"}))
    return shopper, cart["id"], _call(url, "PUT", f"{carts}/{cart['id']}", shopper, {"items": [line]})


def test_a_booked_slot_is_reminded_once_and_a_cancelled_one_not(fast_runner: str) -> None:
    url, mailbox = fast_runner, LatestCode(fast_runner)
    token = _login(url, mailbox, "salon-owner@example.com")["access_token"]
    store = _ok(_call(url, "POST", "/v1/stores", token, {"key": "salon-shop", "timezone": "Europe/Paris",
                                                         "billing_email": "b@example.com"}))
    admin = f"/v1/stores/{store['id']}"
    [us] = [m for m in _ok(_call(url, "GET", f"{admin}/markets", token)) if m["key"] == "us"]
    _ok(_call(url, "PUT", f"{admin}/markets/{us['id']}", token, {"payment_methods": [{"id": "cash"}]}))
    service = _ok(_call(url, "POST", f"{admin}/services", token, {"key": "lesson", "status": "active"}))
    provider = _ok(_call(url, "POST", f"{admin}/providers", token, {"key": "bob", "status": "active"}))
    _ok(_call(url, "POST", f"{admin}/service-providers", token, {
        "service_id": service["id"], "provider_id": provider["id"], "working_days": ALL_DAY, "specific_dates": [],
        "slot_interval": 5, "durations": [{"duration": 5}], "reminders": [600],
        "prices": [{"currency": "USD", "market": "us", "amount": 1000}]}))
    receiver = Receiver()
    try:
        _ok(_call(url, "POST", f"{admin}/webhooks", token, {
            "key": "reminders", "url": receiver.url, "events": [{"event": "order.reminder"}], "headers": {},
            "secret": "whsec_e2e_reminders", "enabled": True}))
        # The first free slot starts within 5 minutes of the store's now: book the one 10 minutes after it.
        free = _ok(_call(url, "GET", f"/v1/storefront/{store['id']}/services/availability", None, params={
            "service_id": service["id"], "from": int(time.time()), "to": int(time.time()) + 86400}))
        start = free["providers"][0]["days"][0]["slots"][0]["from"] + 600
        line = {"type": "service", "service_id": service["id"], "provider_id": provider["id"],
                "slots": [{"from": start, "to": start + 300}]}
        shopper, cart_id, filled = _book(url, store["id"], "ada@example.com", line)
        assert filled.status_code == 200, filled.text
        order_id = _ok(_call(url, "POST", f"/v1/storefront/{store['id']}/carts/{cart_id}/checkout", shopper,
                             {}))["order_id"]
        # An overlapping booking is refused, naming the slot.
        _, _, overlapping = _book(url, store["id"], "eve@example.com", {
            **line, "slots": [{"from": start, "to": start + 300}]})
        assert overlapping.status_code == 400 and overlapping.json()["validationErrors"][0]["field"] == \
            "items.0.slots.0"
        # A booking of the next slot, cancelled: its reminder (due five store minutes later) never goes.
        later = {**line, "slots": [{"from": start + 300, "to": start + 600}]}
        other_shopper, other_cart, _ = _book(url, store["id"], "cy@example.com", later)
        other_id = _ok(_call(url, "POST", f"/v1/storefront/{store['id']}/carts/{other_cart}/checkout",
                             other_shopper, {}))["order_id"]
        _ok(_call(url, "PUT", f"{admin}/orders/{other_id}", token, {"cancel": True}))

        def reminded() -> list[Any]:
            return [r for r in receiver.received if r.json()["type"] == "order.reminder"]

        _wait_for(reminded, timeout=600 / RATE + 30)
        [event] = reminded()
        assert event.json()["data"]["order"]["id"] == order_id and event.json()["data"]["offset"] == 600
        _wait_for(lambda: mailbox.count("ada@example.com") > 0, timeout=10)
        token = _login(url, mailbox, "salon-owner@example.com")["access_token"]  # the fast clock ages tokens
        assert _ok(_call(url, "GET", f"{admin}/orders/{order_id}", token))["fired_reminders"] == [600]
        time.sleep(300 / RATE + 5)  # past the cancelled booking's reminder time
        assert mailbox.count("cy@example.com") == 0 and len(reminded()) == 1
        assert _ok(_call(url, "GET", f"{admin}/orders/{other_id}", token))["fired_reminders"] == []
    finally:
        receiver.close()
