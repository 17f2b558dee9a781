"""Issue 30 (first half): arky-sdk 0.9.1 (fe001ba) calls that answered with differences, over HTTP against the
local runner with the client's paths, bodies and query encoding (arrays as JSON, booleans as `true`/`false`,
null and undefined left out: src/utils/queryParams.ts), each answer compared field by field with the client's
TypeScript types (tests/arky_types.py): storefront getMe's carts and orders, order find's item_statuses,
verified and audience_id, order.update with items, service and provider find's sort, time and taxonomy filters
(from/to refused), and a service's location."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import requests
from tests.arky_types import assert_client_shape
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token
from tests.integration.test_carts import ADDRESS, SHIRT, US_ZONE


def query_string(params: dict[str, Any]) -> str:
    """arky-sdk buildQueryString: arrays and objects as URL-encoded JSON, null/undefined left out."""
    parts = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | dict):
            parts.append(f"{key}={quote(json.dumps(value, separators=(',', ':')), safe='')}")
        elif isinstance(value, bool):
            parts.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, str):
            parts.append(f"{key}={quote(value, safe='')}")
        else:
            parts.append(f"{key}={value}")
    return "?" + "&".join(parts) if parts else ""


def _put(url: str, body: Any, token: str) -> requests.Response:
    return requests.put(url, json=body, timeout=15, headers={"Content-Type": "application/json",
                                                             "Authorization": f"Bearer {token}"})


def _ok(reply: requests.Response) -> Any:
    assert reply.status_code == 200, f"{reply.request.method} {reply.url}: {reply.status_code} {reply.text}"
    return reply.json()


def _shop(runner_url: str, mailbox: LatestCode, key: str) -> tuple[str, str, dict[str, Any]]:
    store_id = _store(runner_url, mailbox, key)
    owner = _owner_token(runner_url, mailbox, key)
    admin = f"{runner_url}/v1/stores/{store_id}"
    [us] = [m for m in _ok(_get(f"{admin}/markets", owner)) if m["key"] == "us"]
    _ok(_put(f"{admin}/markets/{us['id']}", {"payment_methods": [{"id": "cash"}], "zones": [US_ZONE]}, owner))
    product = _ok(_post(f"{admin}/products", SHIRT, owner))
    return store_id, owner, product


def _checkout(front: str, store_id: str, product: dict[str, Any], email: str) -> tuple[str, str]:
    """storefront crm.profile.identify, eshop.cart.current / update / checkout: the bearer and the order id."""
    bearer = _ok(_post(f"{front}/profiles/identify", {"store_id": store_id, "market": "us", "email": email}))[
        "token"]["token"]
    cart = _ok(_post(f"{front}/carts/current", {"store_id": store_id, "market": "us"}, bearer))
    # cart.update: normalizePublicCheckoutItems adds `type`
    item = {"type": "product", "product_id": product["id"], "variant_id": product["variants"][0]["id"], "quantity": 2}
    _ok(_put(f"{front}/carts/{cart['id']}", {"id": cart["id"], "store_id": store_id, "items": [item],
                                             "shipping_address": ADDRESS, "shipping_method_id": "standard",
                                             "payment_method_id": "cash"}, bearer))
    placed = _ok(_post(f"{front}/carts/{cart['id']}/checkout", {"id": cart["id"], "store_id": store_id,
                                                                 "payment_method_id": "cash"}, bearer))
    assert_client_shape(placed, "OrderCheckoutResult")
    return bearer, placed["order_id"]


def test_me_and_orders_as_the_client_reads_them(runner_url: str, mailbox: LatestCode) -> None:
    store_id, owner, product = _shop(runner_url, mailbox, "exact-orders")
    admin, front = f"{runner_url}/v1/stores/{store_id}", f"{runner_url}/v1/storefront/{store_id}"
    bearer, order_id = _checkout(front, store_id, product, "exact-ada@example.com")
    other_bearer, other_id = _checkout(front, store_id, product, "exact-bob@example.com")

    # storefront.crm.profile.getMe(): the session's carts and orders
    me = _ok(_get(f"{front}/profiles/me", bearer))
    assert_client_shape(me, "ProfileDetail")
    assert set(me) >= {"profile", "carts", "orders", "audience_subscriptions", "form_submissions"}
    assert [o["id"] for o in me["orders"]] == [order_id] and me["carts"]
    assert [o["id"] for o in _ok(_get(f"{front}/profiles/me", other_bearer))["orders"]] == [other_id]

    # eshop.getOrders({item_statuses, verified, audience_id, ...}) and storefront eshop.order.find(...)
    _ok(_put(f"{admin}/orders/{order_id}", {"id": order_id, "confirm": True}, owner))
    found = _ok(_get(f"{admin}/orders" + query_string({"item_statuses": ["confirmed"], "verified": False,
                                                       "limit": 20, "sort_direction": "desc"}), owner))
    assert_client_shape(found, "PaginatedResponse<Order>")
    assert [o["id"] for o in found["items"]] == [order_id]
    assert _ok(_get(f"{admin}/orders" + query_string({"verified": True}), owner))["items"] == []
    assert _ok(_get(f"{admin}/orders" + query_string({"audience_id": "no-such-audience"}), owner))["items"] == []
    pending = _ok(_get(f"{front}/orders" + query_string({"item_statuses": ["pending"]}), other_bearer))
    assert_client_shape(pending, "PaginatedResponse<Order>")
    assert [o["id"] for o in pending["items"]] == [other_id]
    assert _ok(_get(f"{front}/orders" + query_string({"item_statuses": ["pending"]}), bearer))["items"] == []
    refused = _get(f"{admin}/orders" + query_string({"item_statuses": ["shipped"]}), owner)
    assert refused.status_code == 400 and refused.json()["validationErrors"][0]["field"] == "item_statuses.0"

    # eshop.updateOrder({id, items}): the lines read are taken; other lines are a 409 naming the routes.
    order = _ok(_get(f"{admin}/orders/{order_id}", owner))
    assert_client_shape(order, "Order")
    updated = _ok(_put(f"{admin}/orders/{order_id}", {"id": order_id, "items": order["items"],
                                                      "shipping_address": {**ADDRESS, "street1": "2 Side St"}}, owner))
    assert_client_shape(updated, "Order")
    assert updated["shipping_address"]["street1"] == "2 Side St"
    more = [{**order["items"][0], "quantity": 5}]
    conflict = _put(f"{admin}/orders/{order_id}", {"id": order_id, "items": more}, owner)
    assert conflict.status_code == 409 and conflict.json()["error"] == "ORDER.ITEMS_NOT_CHANGEABLE"
    assert "cancel_items" in conflict.json()["message"]
    assert set(conflict.json()) == {"message", "error", "statusCode", "validationErrors"}


def test_services_and_providers_as_the_client_finds_them(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "exact-bookings")
    owner = _owner_token(runner_url, mailbox, "exact-bookings")
    admin, front = f"{runner_url}/v1/stores/{store_id}", f"{runner_url}/v1/storefront/{store_id}"
    # TaxonomyField is {id, key, type, value}: a typed client sends the id
    tagged = [{"taxonomy_id": "style", "fields": [{"id": "kind", "key": "kind", "type": "text", "value": "hair"}]}]
    # eshop.createService({key, taxonomies, location, status}) (normalizeTaxonomyAliases keeps taxonomies)
    where = {"country": "US", "state": "NY", "city": "New York", "postal_code": "10001"}
    cut = _ok(_post(f"{admin}/services", {"key": "cut", "taxonomies": tagged, "location": where,
                                          "status": "active"}, owner))
    assert_client_shape(cut, "Service")
    assert cut["location"] == where
    shave = _ok(_post(f"{admin}/services", {"key": "shave", "status": "active"}, owner))
    # eshop.updateService({id, location})
    moved = _ok(_put(f"{admin}/services/{shave['id']}", {"id": shave["id"], "location": {"city": "Boston"}}, owner))
    assert moved["location"]["city"] == "Boston"
    pro = _ok(_post(f"{admin}/providers", {"key": "alice", "taxonomies": tagged, "status": "active"}, owner))
    _ok(_post(f"{admin}/providers", {"key": "bob", "status": "active"}, owner))

    taxonomy_query = [{"taxonomy_id": "style", "query": [{"key": "kind", "type": "text", "value": "hair"}]}]
    for base, token in [(admin, owner), (front, None)]:
        # eshop.getServices({sort_field, sort_direction, created_at_from, taxonomy_query, match_all})
        page = _ok(_get(f"{base}/services" + query_string({
            "sort_field": "created_at", "sort_direction": "desc", "created_at_from": cut["created_at"],
            "limit": 10}), token))
        assert_client_shape(page, "PaginatedResponse<Service>")
        assert [s["key"] for s in page["items"]] == ["shave", "cut"]
        tagged_only = _ok(_get(f"{base}/services" + query_string({"taxonomy_query": taxonomy_query,
                                                                  "match_all": True}), token))
        assert [s["key"] for s in tagged_only["items"]] == ["cut"] and tagged_only["items"][0]["location"] == where
        providers = _ok(_get(f"{base}/providers" + query_string({"taxonomy_query": taxonomy_query,
                                                                 "sort_direction": "asc"}), token))
        assert_client_shape(providers, "PaginatedResponse<Provider>")
        assert [p["id"] for p in providers["items"]] == [pro["id"]]
        # from/to: refused, not ignored
        for kind in ("services", "providers"):
            refused = _get(f"{base}/{kind}" + query_string({"from": cut["created_at"], "to": cut["created_at"] + 60}),
                           token)
            assert refused.status_code == 400 and refused.json()["validationErrors"][0]["field"] == "from"
    assert_client_shape(_ok(_get(f"{front}/services/{cut['id']}")), "Service")
