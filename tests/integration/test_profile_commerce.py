"""A profile's commerce (issue 12, sections 6 and 8): the profile detail's newest carts and orders with cursor
routes for more, profile find's has_cart and has_activity (facts kept in the cart and checkout transactions),
a merge that re-points carts and orders, and a store delete that purges them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.conftest import login
from tests.integration.test_carts import ADDRESS, current, line, make_product, set_up_market, sf
from tests.support import Api, counting_calls


def _table() -> Any:
    from storecrm.kernel.repositories.base import default_table

    return default_table()


def _profiles(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/stores/{store['id']}/profiles{tail}"


def _identify(api: Api, store: dict[str, Any], email: str | None = None) -> tuple[str, str]:
    """A storefront session: its bearer and its profile id."""
    body: dict[str, Any] = {"store_id": store["id"], "market": "us", **({"email": email} if email else {})}
    reply = api.call("POST", f"/v1/storefront/{store['id']}/profiles/identify", body)
    assert reply.status == 200, reply.body
    return str(reply.body["token"]["token"]), str(reply.body["profile"]["id"])


def _fill(api: Api, store: dict[str, Any], shop: dict[str, Any], bearer: str, quantity: int = 1) -> dict[str, Any]:
    cart = current(api, store, bearer)
    reply = api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop, quantity)], "shipping_address": ADDRESS,
                                                          "shipping_method_id": "standard"}, token=bearer)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _checkout(api: Api, store: dict[str, Any], shop: dict[str, Any], bearer: str) -> dict[str, Any]:
    cart = _fill(api, store, shop, bearer)
    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _facts(store: dict[str, Any], profile_id: str) -> dict[str, Any] | None:
    from storecrm.kernel.repositories import keys

    item: dict[str, Any] | None = _table().get(keys.profile_commerce(store["id"], profile_id), consistent=True)
    return item


def _found(api: Api, store: dict[str, Any], token: str, **query: Any) -> set[str]:
    reply = api.call("GET", _profiles(store), token=token, query={k: str(v).lower() if isinstance(v, bool) else v
                                                                   for k, v in query.items()})
    assert reply.status == 200, reply.body
    return {p["id"] for p in reply.body["items"]}


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    set_up_market(api, token, store, [{"id": "cash"}])
    product = make_product(api, token, store, variants=[
        {"sku": "TEE-S", "prices": [{"currency": "USD", "market": "us", "amount": 2500}],
         "inventory": [{"location_id": "main", "available": 500}]}])
    return {"token": token, "product": product, "small": product["variants"][0]}


@pytest.fixture
def rival(api: Api) -> dict[str, Any]:
    token = login(api, "rival@example.com")["access_token"]
    reply = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=token)
    assert reply.status == 200, reply.body
    return {"token": token, "store": reply.body}


# ---------------------------------------------------------------- profile detail and its cursor routes
def test_detail_lists_the_newest_carts_and_orders_and_the_routes_page_on(api: Api, store: dict[str, Any],
                                                                         shop: dict[str, Any]) -> None:
    from storecrm.crm.profiles import DETAIL_LIST_CAP

    token = shop["token"]
    bearer, profile_id = _identify(api, store, "ada@example.com")
    orders = [_checkout(api, store, shop, bearer) for _ in range(DETAIL_LIST_CAP + 2)]
    open_cart = _fill(api, store, shop, bearer, quantity=2)

    with counting_calls() as log:
        reply = api.call("GET", _profiles(store, f"/{profile_id}"), token=token)
    assert reply.status == 200, reply.body
    # The access check, profile, subscriptions and commerce facts in one read; one Query each for carts, orders.
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.Query", "dynamodb.Query"]
    detail = reply.body
    assert len(detail["orders"]) == DETAIL_LIST_CAP and len(detail["carts"]) == DETAIL_LIST_CAP
    newest_orders = [o["order_id"] for o in reversed(orders)]
    assert [o["id"] for o in detail["orders"]] == newest_orders[:DETAIL_LIST_CAP]
    assert detail["orders"][0]["number"] == orders[-1]["number"] and detail["orders"][0]["profile_id"] == profile_id
    assert detail["carts"][0]["id"] == open_cart["id"] and detail["carts"][0]["status"] == "active"
    assert all(c["status"] == "converted" for c in detail["carts"][1:])
    assert detail["carts_cursor"] and detail["orders_cursor"]

    rest = api.call("GET", _profiles(store, f"/{profile_id}/orders"), token=token,
                    query={"cursor": detail["orders_cursor"]}).body
    assert [o["id"] for o in rest["items"]] == newest_orders[DETAIL_LIST_CAP:] and rest["cursor"] is None
    rest_carts = api.call("GET", _profiles(store, f"/{profile_id}/carts"), token=token,
                          query={"cursor": detail["carts_cursor"]}).body
    assert len(rest_carts["items"]) == len(orders) + 1 - DETAIL_LIST_CAP and rest_carts["cursor"] is None

    # Small pages walk the whole list, newest first, one access read and one Query a page.
    seen, cursor = [], None
    while True:
        with counting_calls() as log:
            page = api.call("GET", _profiles(store, f"/{profile_id}/orders"), token=token,
                            query={"limit": 5, **({"cursor": cursor} if cursor else {})}).body
        assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
        seen += [o["id"] for o in page["items"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert seen == newest_orders


def test_detail_of_a_profile_without_carts_stays_one_call(api: Api, owner: dict[str, Any],
                                                          store: dict[str, Any]) -> None:
    token = owner["access_token"]
    profile = api.call("POST", _profiles(store), {"email": "plain@example.com"}, token=token).body
    with counting_calls() as log:
        detail = api.call("GET", _profiles(store, f"/{profile['id']}"), token=token).body
    assert log.calls == ["dynamodb.BatchGetItem"]
    assert (detail["carts"], detail["orders"], detail["carts_cursor"], detail["orders_cursor"]) == ([], [], None,
                                                                                                   None)
    assert api.call("GET", _profiles(store, f"/{profile['id']}/orders"), token=token).body == {"items": [],
                                                                                               "cursor": None}


def test_profile_records_bad_input(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token = shop["token"]
    bearer, profile_id = _identify(api, store, "ada@example.com")
    for _ in range(3):
        _checkout(api, store, shop, bearer)
    carts_page = api.call("GET", _profiles(store, f"/{profile_id}/carts"), token=token, query={"limit": 1}).body
    orders_page = api.call("GET", _profiles(store, f"/{profile_id}/orders"), token=token, query={"limit": 1}).body
    for tail, query, field in (
        ("/carts", {"limit": 0}, "limit"), ("/orders", {"limit": 101}, "limit"),
        ("/orders", {"cursor": "not-a-cursor"}, "cursor"),
        # A cursor names its list: carts' on orders, and the other way round, are refused.
        ("/orders", {"cursor": carts_page["cursor"]}, "cursor"),
        ("/carts", {"cursor": orders_page["cursor"]}, "cursor"),
    ):
        reply = api.call("GET", _profiles(store, f"/{profile_id}{tail}"), token=token, query=query)
        assert reply.status == 400, (tail, query, reply.body)
        assert field in str(reply.body), reply.body
    for tail in ("", "/carts", "/orders"):
        reply = api.call("GET", _profiles(store, f"/missing{tail}"), token=token)
        assert (reply.status, reply.error) == (404, "PROFILE.NOT_FOUND")
        assert api.call("GET", _profiles(store, f"/{profile_id}{tail}")).status == 401


def test_profile_records_stay_in_their_store_and_profile(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                         rival: dict[str, Any]) -> None:
    token = shop["token"]
    bearer, ada = _identify(api, store, "ada@example.com")
    _checkout(api, store, shop, bearer)
    _fill(api, store, shop, bearer)
    _, bob = _identify(api, store, "bob@example.com")
    # Another store's staff: their path does not reach this store's profile, this store's path is closed.
    for tail in ("", "/carts", "/orders"):
        reply = api.call("GET", f"/v1/stores/{rival['store']['id']}/profiles/{ada}{tail}", token=rival["token"])
        assert (reply.status, reply.error) == (404, "PROFILE.NOT_FOUND"), tail
        reply = api.call("GET", _profiles(store, f"/{ada}{tail}"), token=rival["token"])
        assert (reply.status, reply.error) == (404, "STORE.NOT_FOUND"), tail  # a non-member learns nothing
    # Another profile of the same store sees none of Ada's records, and her cursors do not open his lists.
    detail = api.call("GET", _profiles(store, f"/{bob}"), token=token).body
    assert (detail["carts"], detail["orders"]) == ([], [])
    ada_page = api.call("GET", _profiles(store, f"/{ada}/carts"), token=token, query={"limit": 1}).body
    assert ada_page["cursor"]
    reply = api.call("GET", _profiles(store, f"/{bob}/carts"), token=token, query={"cursor": ada_page["cursor"]})
    assert reply.status == 400


# ---------------------------------------------------------------- find: has_cart and has_activity
def test_find_by_has_cart_and_has_activity(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                           shop: dict[str, Any], rival: dict[str, Any]) -> None:
    token = shop["token"]
    quiet = api.call("POST", _profiles(store), {"email": "quiet@example.com"}, token=token).body["id"]
    browsing_bearer, browsing = _identify(api, store, "browsing@example.com")
    current(api, store, browsing_bearer)  # an empty cart: activity, but nothing held
    filling_bearer, filling = _identify(api, store, "filling@example.com")
    filled = _fill(api, store, shop, filling_bearer)
    buyer_bearer, buyer = _identify(api, store, "buyer@example.com")
    _checkout(api, store, shop, buyer_bearer)
    current(api, store, buyer_bearer)  # the next, empty cart
    everyone = {quiet, browsing, filling, buyer}

    assert _found(api, store, token, has_cart=True) == {filling}
    assert _found(api, store, token, has_cart=False) >= everyone - {filling}
    assert filling not in _found(api, store, token, has_cart=False)
    assert _found(api, store, token, has_activity=True) == {browsing, filling, buyer}
    assert quiet in _found(api, store, token, has_activity=False)
    assert _found(api, store, token, has_activity=False) & {browsing, filling, buyer} == set()
    assert _found(api, store, token, has_cart=False, has_activity=True) == {browsing, buyer}
    # With a search or another sort order the filters hold too.
    assert _found(api, store, token, query="filling", has_cart=True) == {filling}
    assert _found(api, store, token, query="buyer", has_cart=True) == set()
    assert _found(api, store, token, query="buyer", has_activity=True) == {buyer}
    assert _found(api, store, token, sort_field="email", sort_direction="asc", has_cart=True) == {filling}
    with counting_calls() as log:
        _found(api, store, token, has_cart=True)
    assert log.calls == ["dynamodb.Query", "dynamodb.BatchGetItem"]

    # Emptying the cart turns has_cart off; filling it again turns it back on; a checkout turns it off.
    api.call("POST", sf(store, f"/{filled['id']}/clear"), {}, token=filling_bearer)
    assert _found(api, store, token, has_cart=True) == set()
    api.call("POST", sf(store, f"/{filled['id']}/items"), {"item": line(shop)}, token=filling_bearer)
    assert _found(api, store, token, has_cart=True) == {filling}
    api.call("PUT", sf(store, f"/{filled['id']}"), {"shipping_method_id": "standard"}, token=filling_bearer)
    assert api.call("POST", sf(store, f"/{filled['id']}/checkout"), {}, token=filling_bearer).status == 200
    assert _found(api, store, token, has_cart=True) == set()
    assert (_facts(store, filling) or {})["open_carts"] == 0

    # A staff-made cart with items counts as well.
    reply = api.call("POST", f"/v1/stores/{store['id']}/carts", {"profile_id": quiet, "market": "us",
                                                                 "items": [line(shop)]}, token=token)
    assert reply.status == 200, reply.body
    assert _found(api, store, token, has_cart=True) == {quiet}

    # Another store's find sees none of it.
    assert _found(api, rival["store"], rival["token"], has_activity=True) == set()
    reply = api.call("GET", _profiles(store), token=rival["token"], query={"has_cart": "true"})
    assert (reply.status, reply.error) == (404, "STORE.NOT_FOUND")


def test_find_commerce_filters_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    for query in ({"has_cart": "maybe"}, {"has_activity": "2"}, {"has_cart": "true", "cursor": "garbage"}):
        reply = api.call("GET", _profiles(store), token=token, query=query)
        assert reply.status == 400, (query, reply.body)
        assert next(iter(query)) in str(reply.body) or "cursor" in str(reply.body)


def test_has_cart_stays_exact_under_concurrent_cart_writes(api: Api, store: dict[str, Any],
                                                           shop: dict[str, Any]) -> None:
    """Eight sessions of one profile fill and empty their carts at once: the count the filter reads is exact."""
    sessions = [_identify(api, store, "many@example.com") for _ in range(8)]
    profile_id = sessions[0][1]
    assert {p for _, p in sessions} == {profile_id}
    carts = [(bearer, current(api, store, bearer)["id"]) for bearer, _ in sessions]

    def fill(entry: tuple[str, str]) -> int:
        bearer, cart_id = entry
        return api.call("PUT", sf(store, f"/{cart_id}"), {"items": [line(shop)]}, token=bearer).status

    def empty(entry: tuple[str, str]) -> int:
        bearer, cart_id = entry
        return api.call("POST", sf(store, f"/{cart_id}/clear"), {}, token=bearer).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(fill, carts)) == [200] * 8
    assert (_facts(store, profile_id) or {})["open_carts"] == 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(empty, carts[:5])) == [200] * 5
    assert (_facts(store, profile_id) or {})["open_carts"] == 3
    assert _found(api, store, shop["token"], has_cart=True) == {profile_id}
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(empty, carts[5:])) == [200] * 3
    assert _found(api, store, shop["token"], has_cart=True) == set()


# ---------------------------------------------------------------- merge and purge
def _merge(api: Api, store: dict[str, Any], token: str, target: str, source: str) -> Any:
    return api.call("POST", _profiles(store, f"/{target}/merge"), {"source_id": source}, token=token)


def test_merge_re_points_carts_and_orders(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token = shop["token"]
    target_bearer, target = _identify(api, store, "main@example.com")
    target_cart = _fill(api, store, shop, target_bearer)
    source_bearer, source = _identify(api, store, "dupe@example.com")
    order = _checkout(api, store, shop, source_bearer)
    open_cart = _fill(api, store, shop, source_bearer, quantity=2)
    assert _found(api, store, token, has_cart=True) == {target, source}

    reply = _merge(api, store, token, target, source)
    assert reply.status == 200, reply.body

    detail = api.call("GET", _profiles(store, f"/{target}"), token=token).body
    assert {c["id"] for c in detail["carts"]} == {target_cart["id"], open_cart["id"], _source_cart(store, order)}
    assert all(c["profile_id"] == target for c in detail["carts"])
    assert [(o["id"], o["profile_id"]) for o in detail["orders"]] == [(order["order_id"], target)]
    # The counts moved with the carts; the source's facts, index partitions and session markers are gone.
    assert _found(api, store, token, has_cart=True) == {target}
    assert (_facts(store, target) or {})["open_carts"] == 2
    assert _facts(store, source) is None
    assert list(_table().query_all(f"STORE#{store['id']}#CARTS#{source}", index="GSI1")) == []
    assert list(_table().query_all(f"STORE#{store['id']}#ORDERS#{source}", index="GSI1")) == []
    assert [i for i in _table().query_all(f"STORE#{store['id']}", sk_prefix="CARTCURRENT#")
            if i["cart_id"] == open_cart["id"]] == []
    # The staff cart find and its profile filter follow the carts too.
    found = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token, query={"profile_id": target}).body
    assert open_cart["id"] in {c["id"] for c in found["items"]}


def _source_cart(store: dict[str, Any], order: dict[str, Any]) -> str:
    [item] = [i for i in _table().query_all(f"STORE#{store['id']}", sk_prefix="ORDER#") if i["id"] == order["order_id"]]
    return str(item["source_cart_id"])


def test_a_merge_cut_short_finishes_when_run_again(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The carts and orders move before the source is erased; if the erasing transaction fails, they stay with the
    target, the counts stay exact, and the same merge run again finishes."""
    from storecrm.profiles.repositories.profiles import ProfileRepository

    token = shop["token"]
    _, target = _identify(api, store, "main@example.com")
    source_bearer, source = _identify(api, store, "dupe@example.com")
    order = _checkout(api, store, shop, source_bearer)
    _fill(api, store, shop, source_bearer)

    real_merge = ProfileRepository.merge

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the Lambda ran out of time")

    monkeypatch.setattr(ProfileRepository, "merge", crash)
    assert _merge(api, store, token, target, source).status == 500
    assert (_facts(store, target) or {})["open_carts"] == 1 and (_facts(store, source) or {})["open_carts"] == 0
    assert api.call("GET", _profiles(store, f"/{source}"), token=token).status == 200

    monkeypatch.setattr(ProfileRepository, "merge", real_merge)
    assert _merge(api, store, token, target, source).status == 200
    detail = api.call("GET", _profiles(store, f"/{target}"), token=token).body
    assert [o["id"] for o in detail["orders"]] == [order["order_id"]] and len(detail["carts"]) == 2
    assert (_facts(store, target) or {})["open_carts"] == 1 and _facts(store, source) is None
    assert _found(api, store, token, has_cart=True) == {target}


def test_merge_refuses_a_source_of_another_store(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                 rival: dict[str, Any]) -> None:
    token = shop["token"]
    _, target = _identify(api, store, "main@example.com")
    rival_bearer, outsider = _identify(api, rival["store"], "dupe@example.com")
    current(api, rival["store"], rival_bearer)
    reply = _merge(api, store, token, target, outsider)
    assert reply.status == 400, reply.body
    assert (_facts(rival["store"], outsider) or {})["has_carts"] is True
    assert list(_table().query_all(f"STORE#{rival['store']['id']}#CARTS#{outsider}", index="GSI1")) != []


def test_store_delete_purges_carts_orders_markers_counter_and_facts(api: Api, store: dict[str, Any],
                                                                     shop: dict[str, Any]) -> None:
    bearer, profile_id = _identify(api, store, "ada@example.com")
    _checkout(api, store, shop, bearer)
    _fill(api, store, shop, bearer)
    partition = list(_table().query_all(f"STORE#{store['id']}"))
    kinds = {item["SK"].split("#")[0] for item in partition}
    assert {"CART", "CARTCURRENT", "ORDER", "ORDERNUMBER", "PROFILECOMMERCE"} <= kinds

    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=shop["token"]).status == 200
    assert list(_table().query_all(f"STORE#{store['id']}")) == []
    for index_partition in (f"STORE#{store['id']}#CARTS#{profile_id}", f"STORE#{store['id']}#CARTS#ALL",
                            f"STORE#{store['id']}#ORDERS#{profile_id}", f"STORE#{store['id']}#ORDERS#ALL"):
        assert list(_table().query_all(index_partition, index="GSI1")) == []
        assert list(_table().query_all(index_partition, index="GSI2")) == []
