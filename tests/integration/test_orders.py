"""Orders (arky-sdk 0.9.1 admin getOrders/getOrder/updateOrder, storefront eshop.order): staff find by index,
confirm, cancel (stock back in the same transaction, order.updated), stale revisions; a shopper reads only the
orders its own session placed; another store's staff reads none; bad input names the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import login
from tests.integration.test_carts import ADDRESS, current, line, make_product, set_up_market, sf, shopper
from tests.support import Api, counting_calls


def _table() -> Any:
    from storecrm.kernel.repositories.base import default_table

    return default_table()


def outbox(store_id: str, type_: str) -> list[dict[str, Any]]:
    return [i for i in _table().query_all(f"STORE#{store_id}#EVENT") if i["type"] == type_]


def stock(api: Api, token: str, store: dict[str, Any], product_id: str) -> tuple[int, int]:
    product = api.call("GET", f"/v1/stores/{store['id']}/products/{product_id}", token=token).body
    found = product["variants"][0]["inventory"][0]
    return found["available"], found["reserved"]


def place(api: Api, store: dict[str, Any], shop: dict[str, Any], quantity: int = 2, *, email: str | None = None,
          bearer: str | None = None, method: str = "cash") -> tuple[str, dict[str, Any]]:
    """A shopper's checkout: its bearer and the checkout result."""
    bearer = bearer or shopper(api, store, email)
    cart = current(api, store, bearer)
    reply = api.call("PUT", sf(store, f"/{cart['id']}"), {
        "items": [line(shop, quantity)], "shipping_address": ADDRESS, "shipping_method_id": "standard",
        "payment_method_id": method}, token=bearer)
    assert reply.status == 200, reply.body
    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert reply.status == 200, reply.body
    return bearer, dict(reply.body)


def orders_path(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/stores/{store['id']}/orders{tail}"


def own_path(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/storefront/{store['id']}/orders{tail}"


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    set_up_market(api, token, store, [{"id": "cash"}])
    product = make_product(api, token, store)
    return {"token": token, "product": product, "small": product["variants"][0]}


def test_staff_find_by_profile_status_number_email_and_time(api: Api, store: dict[str, Any],
                                                            shop: dict[str, Any]) -> None:
    token = shop["token"]
    ada_bearer, first = place(api, store, shop, email="ada@example.com")
    _, second = place(api, store, shop, 1, email="bob@example.com")
    _, third = place(api, store, shop, 1, bearer=ada_bearer)
    assert api.call("PUT", orders_path(store, f"/{second['order_id']}"), {"confirm": True}, token=token).status == 200

    with counting_calls() as log:
        everything = api.call("GET", orders_path(store), token=token)
    assert everything.status == 200, everything.body
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    assert {o["id"] for o in everything.body["items"]} == {first["order_id"], second["order_id"], third["order_id"]}
    ada = everything.body["items"][[o["id"] for o in everything.body["items"]].index(first["order_id"])]
    assert (ada["number"], ada["email"], ada["status"], ada["revision"]) == ("#1001", "ada@example.com", "pending", 1)
    assert "session_id" not in ada and "stripe" not in ada

    def ids(**query: Any) -> set[str]:
        reply = api.call("GET", orders_path(store), token=token, query=query)
        assert reply.status == 200, reply.body
        return {o["id"] for o in reply.body["items"]}

    assert ids(profile_id=ada["profile_id"]) == {first["order_id"], third["order_id"]}
    assert ids(statuses=json.dumps(["confirmed"])) == {second["order_id"]}
    assert ids(statuses=json.dumps(["pending", "cancelled"])) == {first["order_id"], third["order_id"]}
    assert ids(query="1002") == ids(query="#1002") == {second["order_id"]}
    assert ids(query="ADA@example.com") == {first["order_id"], third["order_id"]}
    assert ids(query="ada@example.com", statuses=json.dumps(["confirmed"])) == set()
    assert ids(product_ids=json.dumps([shop["product"]["id"]])) == ids()
    assert ids(product_ids=json.dumps(["no-such-product"])) == set()
    created = ada["created_at"]
    assert ids(created_at_from=created + 3600) == set()
    assert ids(created_at_from=created - 5, created_at_to=created + 5) == ids()

    # Pages of one follow a cursor through the whole list, oldest first when asked.
    seen, cursor = [], None
    for _ in range(5):
        query: dict[str, Any] = {"limit": 1, "sort_direction": "asc", **({"cursor": cursor} if cursor else {})}
        page = api.call("GET", orders_path(store), token=token, query=query).body
        seen += [o["number"] for o in page["items"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert sorted(seen) == ["#1001", "#1002", "#1003"] and len(seen) == 3


def test_find_refuses_bad_input(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token = shop["token"]
    for query, field in [({"statuses": "[\"shipped\"]"}, "statuses.0"), ({"statuses": "not json"}, "statuses"),
                         ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"), ({"limit": 0}, "limit"),
                         ({"sort_field": "total"}, "sort_field"),
                         ({"created_at_from": 20, "created_at_to": 10}, "created_at_to")]:
        reply = api.call("GET", orders_path(store), token=token, query=query)
        assert (reply.status, reply.error) == (400, "GENERAL.VALIDATION_ERROR"), (query, reply.body)
        assert reply.body["validationErrors"][0]["field"] == field, (query, reply.body)
    # A cursor of one list is refused on another.
    place(api, store, shop)
    place(api, store, shop)
    cursor = api.call("GET", orders_path(store), token=token, query={"limit": 1}).body["cursor"]
    reply = api.call("GET", orders_path(store), token=token, query={"limit": 1, "cursor": cursor,
                                                                      "sort_direction": "asc"})
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "cursor"


def test_confirm_cancel_and_addresses(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token, product_id = shop["token"], shop["product"]["id"]
    _, placed = place(api, store, shop, 3)
    path = orders_path(store, f"/{placed['order_id']}")
    assert stock(api, token, store, product_id) == (9, 3)

    with counting_calls() as log:
        got = api.call("GET", path, token=token)
    assert got.status == 200 and log.calls == ["dynamodb.BatchGetItem"]
    assert got.body["items"][0]["status"]["status"] == "pending"

    moved = {**ADDRESS, "street1": "2 Side St"}
    reply = api.call("PUT", path, {"id": placed["order_id"], "shipping_address": moved, "confirm": True,
                                   "revision": 1}, token=token)
    assert reply.status == 200, reply.body
    order = reply.body
    assert (order["status"], order["revision"], order["shipping_address"]["street1"]) == ("confirmed", 2, "2 Side St")
    assert order["items"][0]["status"] == {"status": "confirmed"}
    assert [h["action"] for h in order["history"]] == ["created", "confirmed"]
    stale = api.call("PUT", path, {"billing_address": ADDRESS, "revision": 1}, token=token)
    assert (stale.status, stale.error) == (409, "ORDER.CONFLICT")

    with counting_calls() as log:
        reply = api.call("PUT", path, {"cancel": True}, token=token)
    assert reply.status == 200, reply.body
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    assert reply.body["status"] == "cancelled"
    assert reply.body["items"][0]["status"] == {"status": "cancelled", "reason": "admin_rejected"}
    assert stock(api, token, store, product_id) == (12, 0)
    updates = outbox(store["id"], "order.updated")
    assert [e["data"]["reason"] for e in sorted(updates, key=lambda e: e["data"]["order"]["revision"])] == [
        "confirmed", "cancelled"]
    assert updates[0]["data"]["order"]["id"] == placed["order_id"] and "session_id" not in updates[0]["data"]["order"]

    again = api.call("PUT", path, {"cancel": True}, token=token)
    assert (again.status, again.error) == (409, "ORDER.CANCELLED")
    confirm = api.call("PUT", path, {"confirm": True}, token=token)
    assert (confirm.status, confirm.error) == (409, "ORDER.CANCELLED")
    assert stock(api, token, store, product_id) == (12, 0)


def test_update_refuses_bad_input(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token = shop["token"]
    _, placed = place(api, store, shop)
    path = orders_path(store, f"/{placed['order_id']}")
    for body, field in [({"confirm": True, "cancel": True}, "cancel"),
                        ({"id": "another"}, "id"), ({"confirm": "yes"}, "confirm"),
                        ({"revision": "1"}, "revision"), ({"payment": {"paid": -1}}, "payment.paid"),
                        ({"payment": {"paid": 10**9}}, "payment.paid"),
                        ({"shipping_address": {"name": "x" * 201}}, "shipping_address.name")]:
        reply = api.call("PUT", path, body, token=token)
        assert reply.status == 400, (body, reply.body)
        assert reply.body["validationErrors"][0]["field"] == field, (body, reply.body)
    assert api.call("GET", path, token=token).body["revision"] == 1
    assert api.call("PUT", orders_path(store, "/no-such-order"), {"confirm": True}, token=token).status == 404
    assert outbox(store["id"], "order.updated") == []


def test_staff_of_another_store_and_shoppers_read_no_staff_order_route(api: Api, store: dict[str, Any],
                                                                       shop: dict[str, Any]) -> None:
    bearer, placed = place(api, store, shop)
    stranger = login(api, "stranger@example.com")["access_token"]
    path = orders_path(store, f"/{placed['order_id']}")
    for method, route, body in [("GET", orders_path(store), None), ("GET", path, None),
                                ("PUT", path, {"cancel": True})]:
        assert api.call(method, route, body, token=stranger).status == 404
        assert api.call(method, route, body, token=bearer).status in (401, 403)
        assert api.call(method, route, body).status == 401
    # The stranger's own store does not hold the order either.
    other = api.call("POST", "/v1/stores", {"key": "stranger-shop", "timezone": "UTC",
                                            "billing_email": "stranger@example.com"}, token=stranger).body
    assert api.call("GET", f"/v1/stores/{other['id']}/orders/{placed['order_id']}", token=stranger).status == 404
    assert api.call("GET", f"/v1/stores/{other['id']}/orders", token=stranger).body["items"] == []
    assert api.call("GET", path, token=shop["token"]).body["status"] == "pending"


def test_a_shopper_reads_only_the_orders_its_session_placed(api: Api, store: dict[str, Any],
                                                            shop: dict[str, Any]) -> None:
    bearer, first = place(api, store, shop, email="ada@example.com")
    _, second = place(api, store, shop, 1, bearer=bearer)
    other_bearer, other = place(api, store, shop, email="bob@example.com")
    # Another session naming the same email is another caller.
    same_email = shopper(api, store, "ada@example.com")

    with counting_calls() as log:
        mine = api.call("GET", own_path(store), token=bearer)
    assert mine.status == 200, mine.body
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    assert [o["id"] for o in mine.body["items"]] == [second["order_id"], first["order_id"]]
    assert [o["id"] for o in api.call("GET", own_path(store), token=bearer, query={"query": "1001"}).body[
        "items"]] == [first["order_id"]]
    assert api.call("GET", own_path(store), token=same_email).body["items"] == []

    with counting_calls() as log:
        got = api.call("GET", own_path(store, f"/{first['order_id']}"), token=bearer)
    assert got.status == 200 and got.body["number"] == "#1001" and log.calls == ["dynamodb.BatchGetItem"]
    for token in (other_bearer, same_email):
        reply = api.call("GET", own_path(store, f"/{first['order_id']}"), token=token)
        assert (reply.status, reply.error) == (404, "ORDER.NOT_FOUND")
    assert api.call("GET", own_path(store, f"/{other['order_id']}"), token=other_bearer).status == 200
    # No bearer, a staff token, a bearer of another store: 401.
    assert api.call("GET", own_path(store)).status == 401
    assert api.call("GET", own_path(store), token=shop["token"]).status == 401
    other_store = api.call("POST", "/v1/stores", {"key": "second-shop", "timezone": "UTC",
                                                  "billing_email": "owner@example.com"}, token=shop["token"]).body
    assert api.call("GET", f"/v1/storefront/{other_store['id']}/orders/{first['order_id']}",
                    token=bearer).status == 401
    bad = api.call("GET", own_path(store), token=bearer, query={"statuses": "[1]"})
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "statuses.0"
