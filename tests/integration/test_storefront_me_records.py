"""storefront.crm.profile.getMe (arky-sdk 0.9.1, GET /v1/storefront/{storeId}/profiles/me): the ProfileDetail's
`carts` and `orders` are the session's records, as the staff detail lists them for a session that sees the whole
profile, and only those it created itself for one that does not (another session naming the same email); the
facts item is read with the profile, so a profile that never shopped still costs one call."""

from __future__ import annotations

from typing import Any

from tests.integration.test_carts import current, shopper
from tests.integration.test_orders import place, shop  # noqa: F401 - the fixture
from tests.support import Api, counting_calls, latest_code


def _me(api: Api, store: dict[str, Any], bearer: str) -> dict[str, Any]:
    reply = api.call("GET", f"/v1/storefront/{store['id']}/profiles/me", token=bearer)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_me_lists_the_sessions_carts_and_orders_as_the_staff_detail_does(
        api: Api, owner: dict[str, Any], store: dict[str, Any], shop: dict[str, Any]) -> None:  # noqa: F811
    guest = shopper(api, store)
    with counting_calls() as log:
        empty = _me(api, store, guest)
    assert (empty["carts"], empty["orders"]) == ([], []) and log.calls == ["dynamodb.BatchGetItem"]

    bearer, placed = place(api, store, shop, email="ada@example.com")
    open_cart = current(api, store, bearer)  # a new, empty current cart after the checkout
    with counting_calls() as log:
        me = _me(api, store, bearer)
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.Query", "dynamodb.Query"]
    assert [o["id"] for o in me["orders"]] == [placed["order_id"]]
    assert {c["id"] for c in me["carts"]} >= {open_cart["id"]}
    order = me["orders"][0]
    assert order["number"] == "#1001" and order["items"][0]["quantity"] == 2
    # The staff detail of the same profile lists the same records in the same shape.
    detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{me['profile']['id']}",
                      token=owner["access_token"]).body
    assert me["orders"] == detail["orders"] and me["carts"] == detail["carts"]


def test_another_session_naming_the_email_sees_only_what_it_created(
        api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:  # noqa: F811
    ada, first = place(api, store, shop, email="ada@example.com")
    intruder, second = place(api, store, shop, 1, email="ada@example.com")
    mine = _me(api, store, intruder)
    assert [o["id"] for o in mine["orders"]] == [second["order_id"]]
    assert first["order_id"] not in str(mine["carts"])
    theirs = _me(api, store, ada)
    assert {o["id"] for o in theirs["orders"]} == {first["order_id"], second["order_id"]}
    # A session that proves the email by its code sees the whole profile's.
    named = api.call("POST", f"/v1/storefront/{store['id']}/profiles/identify",
                     {"store_id": store["id"], "email": "ada@example.com", "verify": True})
    verified = api.call("POST", f"/v1/storefront/{store['id']}/profiles/verify",
                        {"store_id": store["id"], "code": latest_code("ada@example.com")},
                        token=named.body["token"]["token"])
    assert verified.status == 200, verified.body
    assert {o["id"] for o in _me(api, store, verified.body["token"])["orders"]} == {first["order_id"],
                                                                                     second["order_id"]}


def test_another_stores_bearer_and_no_bearer_read_nothing(api: Api, store: dict[str, Any],
                                                          shop: dict[str, Any]) -> None:  # noqa: F811
    bearer, _ = place(api, store, shop, email="ada@example.com")
    other = api.call("POST", "/v1/stores", {"key": "second-shop", "timezone": "UTC",
                                            "billing_email": "owner@example.com"}, token=shop["token"]).body
    assert api.call("GET", f"/v1/storefront/{other['id']}/profiles/me", token=bearer).status == 401
    assert api.call("GET", f"/v1/storefront/{store['id']}/profiles/me").status == 401
    assert api.call("GET", f"/v1/storefront/{store['id']}/profiles/me", token=shop["token"]).status == 401
