"""Writers in different functions on the same items at once, over HTTP against the local runner: every answer
of 200 is visible afterwards, unique numbers stay unique and stock never goes below zero, as on DynamoDB.

(The runner used to lose acknowledged writes here: a cancelled transaction in one function put back a copy
of the whole table while other functions wrote.)"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_newstore_profile_flow import _client_token
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token

TIMEOUT = 60
RUN = uuid.uuid4().hex[:8]  # store keys of their own, whatever runner the suite is pointed at


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Runs the calls in threads started together; their results (or the exception each raised)."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


def _request(method: str, url: str, token: str | None, body: Any = None) -> requests.Response:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    reply = requests.request(method, url, json=body, headers=headers, timeout=TIMEOUT)
    assert reply.status_code < 500, f"{method} {url} -> {reply.status_code} {reply.text}"
    return reply


def test_profile_updates_from_two_dialects_are_all_kept(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, f"racing-updates-shop-{RUN}")
    owner = _owner_token(runner_url, mailbox, f"racing-updates-shop-{RUN}")
    back_office = _client_token(runner_url, store_id, owner)
    arky = f"{runner_url}/v1/stores/{store_id}/profiles"
    v0 = f"{runner_url}/v0/consumer_profiles"
    profile = _post(arky, {"email": "raced@example.com"}, owner).json()
    start_revision = _get(f"{v0}/{profile['id']}", back_office).json()["revision"]

    def arky_update(n: int) -> Callable[[], list[int]]:
        def updates() -> list[int]:
            body = {"taxonomies": [{"taxonomy_id": "race", "fields": [{"key": "n", "type": "text", "value": str(n)}]}]}
            return [_request("PUT", f"{arky}/{profile['id']}", owner, body).status_code for _ in range(3)]
        return updates

    def v0_update(n: int) -> Callable[[], list[int]]:
        def updates() -> list[int]:
            answers = []
            for _ in range(3):
                revision = _request("GET", f"{v0}/{profile['id']}", back_office).json()["revision"]
                reply = _request("PUT", f"{v0}/{profile['id']}", back_office, {
                    "first_name": f"N{n}", "last_name": "Race", "extended_attributes": [], "revision": revision})
                answers.append(reply.json()["revision"] if reply.status_code == 200 else reply.status_code)
            return answers
        return updates

    results = _at_once([*(arky_update(n) for n in range(6)), *(v0_update(n) for n in range(6))])
    arky_ok = sum(answer == 200 for answers in results[:6] for answer in answers)
    v0_revisions = [answer for answers in results[6:] for answer in answers if answer not in (409,)]
    assert all(answer in (200, 409) for answers in results[:6] for answer in answers), results
    # Each acknowledged update wrote one revision on top of the last: none was lost or written twice.
    assert len(set(v0_revisions)) == len(v0_revisions), v0_revisions
    final = _get(f"{v0}/{profile['id']}", back_office).json()["revision"]
    assert final == start_revision + arky_ok + len(v0_revisions), (start_revision, arky_ok, v0_revisions, final)


def test_creates_of_one_email_from_three_routes_make_one_profile(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, f"racing-creates-shop-{RUN}")
    owner = _owner_token(runner_url, mailbox, f"racing-creates-shop-{RUN}")
    back_office = _client_token(runner_url, store_id, owner)
    arky = f"{runner_url}/v1/stores/{store_id}/profiles"
    email = "one@example.com"
    guests = [_post(f"{arky}/initialize").json()["access_token"] for _ in range(4)]

    def staff() -> requests.Response:
        return _request("POST", arky, owner, {"email": email})

    def back() -> requests.Response:
        return _request("POST", f"{runner_url}/v0/consumer_profiles", back_office, {"email": email})

    def connect(guest: str) -> Callable[[], requests.Response]:
        return lambda: _request("POST", f"{arky}/connect", guest, {"email": email})

    replies = _at_once([*(staff for _ in range(4)), *(back for _ in range(4)), *(connect(g) for g in guests)])
    found = _request("GET", arky, owner, None).json()["items"]
    [holder] = [p for p in found if p["email"] == email]
    acknowledged = [reply.json()["id"] for reply in replies if reply.status_code == 200]
    assert acknowledged and set(acknowledged) == {holder["id"]}, [(r.status_code, r.text) for r in replies]
    assert all(reply.status_code in (200, 409) for reply in replies), [(r.status_code, r.text) for r in replies]
    assert _get(f"{arky}/{holder['id']}", owner).status_code == 200


def test_checkouts_of_the_last_units_during_product_edits(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, f"racing-checkout-shop-{RUN}")
    owner = _owner_token(runner_url, mailbox, f"racing-checkout-shop-{RUN}")
    admin = f"{runner_url}/v1/stores/{store_id}"
    [us] = [m for m in _get(f"{admin}/markets", owner).json() if m["key"] == "us"]
    assert _request("PUT", f"{admin}/markets/{us['id']}", owner, {
        "payment_methods": [{"id": "cash"}], "zones": [{"countries": ["US"], "tax_bps": 0}]}).status_code == 200
    product = _post(f"{admin}/products", {"key": "last-mugs", "status": "active", "variants": [
        {"prices": [{"currency": "USD", "market": "us", "amount": 900}],
         "inventory": [{"location_id": "main", "available": 3}]}]}, owner).json()
    shop = f"{runner_url}/v1/storefront/{store_id}/carts"
    carts = []
    for n in range(7):
        guest = _post(f"{admin}/profiles/initialize").json()
        bearer = _post(f"{admin}/profiles/connect", {"email": f"buyer{n}@example.com"},
                       guest["access_token"]).json()["access_token"]
        cart = _post(f"{shop}/current", {"store_id": store_id, "market": "us"}, bearer).json()
        _request("PUT", f"{shop}/{cart['id']}", bearer, {"id": cart["id"], "store_id": store_id, "items": [
            {"type": "product", "product_id": product["id"], "variant_id": product["variants"][0]["id"],
             "quantity": 1}], "shipping_address": {"name": "Sam", "country": "US"}})
        carts.append((cart["id"], bearer))

    def checkout(cart_id: str, bearer: str) -> Callable[[], requests.Response]:
        return lambda: _request("POST", f"{shop}/{cart_id}/checkout", bearer, {
            "id": cart_id, "store_id": store_id, "payment_method_id": None})

    def edit() -> requests.Response:
        return _request("PUT", f"{admin}/products/{product['id']}", owner, {"id": product["id"], "status": "active"})

    replies = _at_once([*(checkout(c, b) for c, b in carts), *(edit for _ in range(4))])
    orders = [reply.json() for reply in replies[:len(carts)] if reply.status_code == 200]
    assert 1 <= len(orders) <= 3, [(r.status_code, r.text) for r in replies]
    assert len({order["number"] for order in orders}) == len(orders)
    for order in orders:
        assert _get(f"{admin}/orders/{order['order_id']}", owner).status_code == 200
    stock = _get(f"{admin}/products/{product['id']}", owner).json()["variants"][0]["inventory"][0]
    assert (stock["available"], stock["reserved"]) == (3 - len(orders), len(orders)), stock
