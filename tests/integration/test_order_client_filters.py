"""Order find filters the arky client (0.9.1 GetOrdersParams) sends beyond the indexed ones: `item_statuses`,
`verified` and `audience_id` are applied on the staff and the storefront find (never ignored), bad values are a
400 naming them; and `order.update` with `items` (UpdateOrderParams.items) takes the lines the order has and
answers any other list with a 409 naming the routes that change lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import login
from tests.integration.test_carts import line
from tests.integration.test_orders import orders_path, own_path, place, shop  # noqa: F401 - the fixture
from tests.support import Api


def _ids(api: Api, path: str, token: str, **query: Any) -> set[str]:
    reply = api.call("GET", path, token=token, query=query)
    assert reply.status == 200, (query, reply.body)
    return {o["id"] for o in reply.body["items"]}


def test_item_statuses_verified_and_audience_id_filter_staff_and_storefront_finds(
        api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:  # noqa: F811
    token = shop["token"]
    bearer, first = place(api, store, shop, email="ada@example.com")
    _, second = place(api, store, shop, 1, bearer=bearer)
    _, other = place(api, store, shop, 1, email="bob@example.com")
    assert api.call("PUT", orders_path(store, f"/{second['order_id']}"), {"confirm": True}, token=token).status == 200
    everything = {first["order_id"], second["order_id"], other["order_id"]}

    staff = orders_path(store)
    assert _ids(api, staff, token) == everything
    assert _ids(api, staff, token, item_statuses=json.dumps(["confirmed"])) == {second["order_id"]}
    assert _ids(api, staff, token, item_statuses=json.dumps(["pending"])) == {first["order_id"], other["order_id"]}
    assert _ids(api, staff, token, item_statuses=json.dumps(["cancelled"])) == set()
    # Guests' and unverified sessions' orders are unverified.
    assert _ids(api, staff, token, verified="false") == everything
    assert _ids(api, staff, token, verified="true") == set()
    # No order here was placed at an audience's prices.
    assert _ids(api, staff, token, audience_id="some-audience") == set()

    own = own_path(store)
    assert _ids(api, own, bearer) == {first["order_id"], second["order_id"]}
    assert _ids(api, own, bearer, item_statuses=json.dumps(["confirmed"])) == {second["order_id"]}
    assert _ids(api, own, bearer, verified="true") == set()
    assert _ids(api, own, bearer, verified="false") == {first["order_id"], second["order_id"]}
    assert _ids(api, own, bearer, audience_id="some-audience") == set()


@pytest.mark.parametrize("query, field", [({"item_statuses": "[\"shipped\"]"}, "item_statuses.0"),
                                          ({"item_statuses": "not json"}, "item_statuses"),
                                          ({"verified": "maybe"}, "verified"),
                                          ({"audience_id": "x" * 65}, "audience_id")])
def test_bad_filters_are_a_400_naming_them(api: Api, store: dict[str, Any], shop: dict[str, Any],  # noqa: F811
                                           query: dict[str, Any], field: str) -> None:
    bearer, _ = place(api, store, shop)
    for path, token in [(orders_path(store), shop["token"]), (own_path(store), bearer)]:
        reply = api.call("GET", path, token=token, query=query)
        assert (reply.status, reply.error) == (400, "GENERAL.VALIDATION_ERROR"), (query, reply.body)
        assert reply.body["validationErrors"][0]["field"] == field, reply.body


def test_filters_do_not_widen_what_another_store_or_session_reads(api: Api, store: dict[str, Any],
                                                                  shop: dict[str, Any]) -> None:  # noqa: F811
    _, placed = place(api, store, shop)
    stranger = login(api, "stranger@example.com")["access_token"]
    query = {"verified": "false", "item_statuses": json.dumps(["pending"])}
    assert api.call("GET", orders_path(store), token=stranger, query=query).status == 404
    other_session = place(api, store, shop, email="eve@example.com")[0]
    assert placed["order_id"] not in _ids(api, own_path(store), other_session, **query)


def test_update_with_items_takes_the_orders_own_lines_and_refuses_others_with_a_409(
        api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:  # noqa: F811
    token = shop["token"]
    _, placed = place(api, store, shop, 2)
    path = orders_path(store, f"/{placed['order_id']}")
    order = api.call("GET", path, token=token).body

    # eshop.updateOrder({id, confirm, items}): what an admin form read, sent back (the client adds `type`).
    same = api.call("PUT", path, {"id": order["id"], "confirm": True, "items": order["items"]}, token=token)
    assert same.status == 200, same.body
    assert same.body["status"] == "confirmed" and same.body["items"][0]["quantity"] == 2
    as_input = api.call("PUT", path, {"items": [{"type": "product", **line(shop, 2)}]}, token=token)
    assert as_input.status == 200 and as_input.body["revision"] == same.body["revision"], as_input.body

    for items in ([{"type": "product", **line(shop, 3)}], [], [{**line(shop, 2)}, {**line(shop, 1)}]):
        reply = api.call("PUT", path, {"items": items, "confirm": True}, token=token)
        assert (reply.status, reply.error) == (409, "ORDER.ITEMS_NOT_CHANGEABLE"), (items, reply.body)
        assert "cancel_items" in reply.body["message"] and "move_items" in reply.body["message"]
        assert "/refund" in reply.body["message"]
    assert api.call("GET", path, token=token).body["revision"] == same.body["revision"]
    # Malformed items stay a 400; another store's staff still reads nothing.
    bad = api.call("PUT", path, {"items": ["not an object"]}, token=token)
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"].startswith("items")
    stranger = login(api, "stranger@example.com")["access_token"]
    assert api.call("PUT", path, {"items": order["items"]}, token=stranger).status == 404
