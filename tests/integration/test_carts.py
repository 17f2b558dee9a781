"""Carts (arky-sdk 0.9.1 eshop.cart): the session's current cart, changes, quote, staff find/get/create; bad input
names the field and changes nothing; a cart answers only the session that made it and only in its store."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, counting_calls

SHIRT = {
    "key": "tee-shirt", "status": "active",
    "variants": [{"sku": "TEE-S", "prices": [{"currency": "USD", "market": "us", "amount": 2500}],
                  "inventory": [{"location_id": "main", "available": 12}], "weight": 200},
                 {"sku": "TEE-M", "prices": [{"currency": "EUR", "market": "eu", "amount": 2300}],
                  "inventory": [{"location_id": "main", "available": 3}]}],
}
US_ZONE = {"countries": ["US"], "tax_bps": 800,
           "shipping_methods": [{"id": "standard", "taxable": True, "eta_text": "3-5 days", "amount": 500,
                                 "free_above": 10000}]}
ADDRESS = {"name": "Ada", "street1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701",
           "country": "US", "email": "ada@example.com"}


def sf(store: dict[str, Any], path: str = "") -> str:
    return f"/v1/storefront/{store['id']}/carts{path}"


def set_up_market(api: Api, token: str, store: dict[str, Any], payment_methods: list[dict[str, Any]]) -> None:
    [us] = [m for m in api.call("GET", f"/v1/stores/{store['id']}/markets", token=token).body if m["key"] == "us"]
    reply = api.call("PUT", f"/v1/stores/{store['id']}/markets/{us['id']}",
                     {"payment_methods": payment_methods, "zones": [US_ZONE]}, token=token)
    assert reply.status == 200, reply.body


def make_product(api: Api, token: str, store: dict[str, Any], **changes: Any) -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store['id']}/products", {**SHIRT, **changes}, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def shopper(api: Api, store: dict[str, Any], email: str | None = None) -> str:
    """A storefront bearer (identify: a guest, or a session that named an email)."""
    body: dict[str, Any] = {"store_id": store["id"], "market": "us", **({"email": email} if email else {})}
    reply = api.call("POST", f"/v1/storefront/{store['id']}/profiles/identify", body)
    assert reply.status == 200, reply.body
    return str(reply.body["token"]["token"])


def current(api: Api, store: dict[str, Any], bearer: str, market: str = "us") -> dict[str, Any]:
    reply = api.call("POST", sf(store, "/current"), {"store_id": store["id"], "market": market}, token=bearer)
    assert reply.status == 200, reply.body
    return dict(reply.body)


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    set_up_market(api, token, store, [{"id": "cash"}])
    product = make_product(api, token, store)
    return {"token": token, "product": product, "small": product["variants"][0], "eu_only": product["variants"][1]}


def line(shop: dict[str, Any], quantity: int = 1, variant: str = "small") -> dict[str, Any]:
    return {"product_id": shop["product"]["id"], "variant_id": shop[variant]["id"], "quantity": quantity}


def test_current_cart_then_update_add_remove_clear(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    bearer = shopper(api, store, "ada@example.com")
    cart = current(api, store, bearer)
    assert (cart["status"], cart["origin"], cart["market"], cart["items"], cart["item_count"]) == (
        "active", "storefront", "us", [], 0)
    assert cart["store_id"] == store["id"] and cart["profile_id"] and "session_id" not in cart
    assert current(api, store, bearer)["id"] == cart["id"]  # one open cart per session and market
    assert current(api, store, bearer, "eu")["id"] != cart["id"]

    reply = api.call("PUT", sf(store, f"/{cart['id']}"), {
        "id": cart["id"], "store_id": store["id"], "items": [{"type": "product", **line(shop, 2)}],
        "shipping_address": ADDRESS, "promo_code": "WELCOME", "payment_method_id": "cash",
        "shipping_method_id": "standard"}, token=bearer)
    assert reply.status == 200, reply.body
    updated = reply.body
    [item] = updated["items"]
    assert (item["type"], item["product_id"], item["quantity"], updated["item_count"]) == (
        "product", shop["product"]["id"], 2, 2)
    assert updated["shipping_address"]["city"] == "Springfield" and updated["promo_code"] == "WELCOME"
    assert (updated["payment_method_id"], updated["shipping_method_id"]) == ("cash", "standard")

    added = api.call("POST", sf(store, f"/{cart['id']}/items"), {"store_id": store["id"], "item": line(shop, 3)},
                     token=bearer)
    assert added.status == 200, added.body
    assert [(i["id"], i["quantity"]) for i in added.body["items"]] == [(item["id"], 5)]  # the same line grows

    removed = api.call("POST", sf(store, f"/{cart['id']}/items/remove"), {"item_id": item["id"]}, token=bearer)
    assert removed.status == 200 and removed.body["items"] == []
    api.call("POST", sf(store, f"/{cart['id']}/items"), {"item": line(shop)}, token=bearer)
    by_variant = api.call("POST", sf(store, f"/{cart['id']}/items/remove"),
                          {"product_id": shop["product"]["id"], "variant_id": shop["small"]["id"]}, token=bearer)
    assert by_variant.status == 200 and by_variant.body["items"] == []

    api.call("POST", sf(store, f"/{cart['id']}/items"), {"item": line(shop)}, token=bearer)
    cleared = api.call("POST", sf(store, f"/{cart['id']}/clear"), {"id": cart["id"]}, token=bearer)
    assert cleared.status == 200 and cleared.body["items"] == []
    assert cleared.body["shipping_address"]["city"] == "Springfield"  # only the lines go
    got = api.call("GET", sf(store, f"/{cart['id']}"), token=bearer)
    assert got.status == 200 and got.body == cleared.body


def test_quote_prices_lines_shipping_and_tax(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    bearer = shopper(api, store)
    cart = current(api, store, bearer)
    api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop, 3)], "shipping_address": ADDRESS,
                                                  "shipping_method_id": "standard"}, token=bearer)
    reply = api.call("POST", sf(store, f"/{cart['id']}/quote"), {"id": cart["id"], "store_id": store["id"]},
                     token=bearer)
    assert reply.status == 200, reply.body
    q = reply.body
    [priced] = q["items"]
    assert (priced["unit_price"], priced["subtotal"], priced["tax"], priced["total"]) == (2500, 7500, 600, 8100)
    assert priced["availability"]["ok"] is True and priced["snapshot"]["product_key"] == "tee-shirt"
    # 8% on 7500 of goods and on the 500 shipping (taxable, not free below 10000), added on top.
    assert (q["subtotal"], q["shipping"], q["tax"], q["total"], q["charge_amount"]) == (7500, 500, 640, 8640, 8640)
    assert q["payment"]["tax"]["lines"][1] == {"rate_bps": 800, "amount": 40, "label": "standard",
                                               "scope": "shipping"}
    assert q["market"] == "us" and q["zone"]["countries"] == ["US"] and q["shipping_method"]["id"] == "standard"
    assert q["payment_method"] == {"id": "cash", "integration_id": None}  # the market's only method
    assert (q["payment"]["currency"], q["payment"]["method_type"]) == ("USD", "cash")

    # Stock that ran short since the line was added shows in the quote; checkout would refuse it.
    product = shop["product"]
    variants = [{"id": shop["small"]["id"], "inventory": [{"location_id": "main", "available": 2}]}]
    assert api.call("PUT", f"/v1/stores/{store['id']}/products/{product['id']}", {"variants": variants},
                    token=shop["token"]).status == 200
    short = api.call("POST", sf(store, f"/{cart['id']}/quote"), {}, token=bearer).body
    assert short["items"][0]["availability"] == {"ok": False, "available": None, "reason": "only 2 in stock"}


def test_cart_calls_stay_within_their_budgets(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    bearer = shopper(api, store)
    with counting_calls() as log:
        cart = current(api, store, bearer)
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    for call, expected in (
        (lambda: current(api, store, bearer), ["dynamodb.BatchGetItem", "dynamodb.GetItem"]),
        (lambda: api.call("GET", sf(store, f"/{cart['id']}"), token=bearer), ["dynamodb.BatchGetItem"]),
        # Filling an empty cart changes its profile's open-cart count in the same transaction (still one write).
        (lambda: api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop)]}, token=bearer),
         ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]),
        (lambda: api.call("POST", sf(store, f"/{cart['id']}/items"), {"item": line(shop)}, token=bearer),
         ["dynamodb.BatchGetItem", "dynamodb.PutItem"]),
        (lambda: api.call("POST", sf(store, f"/{cart['id']}/quote"), {}, token=bearer),
         ["dynamodb.BatchGetItem", "dynamodb.BatchGetItem"]),
    ):
        with counting_calls() as log:
            call()
        assert log.calls == expected


def test_bad_input_names_the_field_and_changes_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                       shop: dict[str, Any]) -> None:
    bearer = shopper(api, store)
    cart = current(api, store, bearer)
    api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop)]}, token=bearer)
    before = api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body
    draft = make_product(api, shop["token"], store, key="draft-shirt", status="draft")
    product_id, small = shop["product"]["id"], shop["small"]["id"]
    for items, field in (
        ([{"product_id": "nope", "variant_id": small, "quantity": 1}], "items.0.product_id"),
        ([{"product_id": draft["id"], "variant_id": draft["variants"][0]["id"], "quantity": 1}], "items.0.product_id"),
        ([{"product_id": product_id, "variant_id": "nope", "quantity": 1}], "items.0.variant_id"),
        ([line(shop, variant="eu_only")], "items.0.variant_id"),  # no USD price in the us market
        ([line(shop, 0)], "items.0.quantity"),
        ([line(shop, -1)], "items.0.quantity"),
        ([line(shop, 13)], "items.0.quantity"),  # above the 12 in stock
        ([{**line(shop), "quantity": "2"}], "items.0.quantity"),
        ([{"type": "service", "service_id": "s", "provider_id": "p", "slots": []}], "items.0.slots"),
        ([{"type": "service", "service_id": "s", "provider_id": "p", "slots": [{"from": 1, "to": 2}]}],
         "items.0.service_id"),
        ([{"type": "gift", "product_id": product_id}], "items.0"),
    ):
        reply = api.call("PUT", sf(store, f"/{cart['id']}"), {"items": items}, token=bearer)
        assert reply.status == 400, (items, reply.body)
        assert field in {e["field"] for e in reply.body["validationErrors"]}, (field, reply.body)
    for body, field in (({"payment_method_id": "bitcoin"}, "payment_method_id"),
                        ({"market": "eu"}, "market"),
                        # the address's codes, against ISO's lists (storecrm.kernel.geo)
                        ({"shipping_address": {**ADDRESS, "country": "United States"}}, "shipping_address"),
                        ({"shipping_address": {**ADDRESS, "state": "Ontario"}}, "shipping_address")):
        reply = api.call("PUT", sf(store, f"/{cart['id']}"), body, token=bearer)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, reply.body
    added = api.call("POST", sf(store, f"/{cart['id']}/items"), {"item": line(shop, 12)}, token=bearer)
    assert added.status == 400 and added.body["validationErrors"][0]["field"] == "item.quantity"  # 1 + 12 > 12
    gone = api.call("POST", sf(store, f"/{cart['id']}/items/remove"), {"item_id": "nope"}, token=bearer)
    assert gone.status == 400 and gone.body["validationErrors"][0]["field"] == "item_id"
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body == before
    named = api.call("PUT", sf(store, f"/{cart['id']}"), {"shipping_address": {**ADDRESS, "country": "us",
                                                                                "state": "Illinois"}}, token=bearer)
    assert named.status == 200 and named.body["shipping_address"]["state"] == "IL", named.body  # the zones' code
    assert named.body["shipping_address"]["country"] == "US"

    for market, status in ((None, 400), ("mars", 400)):
        reply = api.call("POST", sf(store, "/current"), {"market": market} if market else {}, token=bearer)
        assert reply.status == status and reply.body["validationErrors"][0]["field"] == "market"
    # A shipping method outside the address's zone is the quote's 400.
    moved = api.call("PUT", sf(store, f"/{cart['id']}"), {"shipping_address": {**ADDRESS, "country": "CA",
                                                                                "state": "ON"},
                                                          "shipping_method_id": "standard"}, token=bearer)
    assert moved.status == 200, moved.body
    reply = api.call("POST", sf(store, f"/{cart['id']}/quote"), {}, token=bearer)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "shipping_method_id"


def test_a_cart_answers_only_its_own_session_and_store(api: Api, store: dict[str, Any],
                                                       shop: dict[str, Any]) -> None:
    owner_bearer = shopper(api, store, "ada@example.com")
    cart = current(api, store, owner_bearer)
    api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop)], "shipping_address": ADDRESS},
             token=owner_bearer)
    # Another session naming the same email, a guest, and a staff token: all get the 404 of an unknown cart.
    for bearer in (shopper(api, store, "ada@example.com"), shopper(api, store)):
        for method, path, body in (("GET", f"/{cart['id']}", None), ("PUT", f"/{cart['id']}", {"items": []}),
                                   ("POST", f"/{cart['id']}/items", {"item": line(shop)}),
                                   ("POST", f"/{cart['id']}/items/remove", {"item_id": "x"}),
                                   ("POST", f"/{cart['id']}/clear", {}), ("POST", f"/{cart['id']}/quote", {}),
                                   ("POST", f"/{cart['id']}/checkout", {})):
            reply = api.call(method, sf(store, path), body, token=bearer)
            assert (reply.status, reply.error) == (404, "CART.NOT_FOUND"), (method, path, reply.body)
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=shop["token"]).status == 401
    assert api.call("GET", sf(store, f"/{cart['id']}")).status == 401
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=owner_bearer).body["items"][0]["quantity"] == 1

    # The same session's bearer is no key to another store's carts.
    rival_token = login(api, "rival@example.com")["access_token"]
    rival = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=rival_token).body
    reply = api.call("GET", f"/v1/storefront/{rival['id']}/carts/{cart['id']}", token=owner_bearer)
    assert reply.status == 401
    rival_cart = current(api, rival, shopper(api, rival))
    assert api.call("GET", sf(store, f"/{rival_cart['id']}"), token=owner_bearer).status == 404


def test_a_revoked_session_loses_its_cart(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    bearer = shopper(api, store)
    cart = current(api, store, bearer)
    assert api.call("POST", f"/v1/storefront/{store['id']}/profiles/logout", {}, token=bearer).status == 200
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).status == 401


def test_staff_find_get_and_create_carts(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                         shop: dict[str, Any]) -> None:
    token = shop["token"]
    bearer = shopper(api, store, "ada@example.com")
    shoppers_cart = current(api, store, bearer)
    profile_id = shoppers_cart["profile_id"]
    reply = api.call("POST", f"/v1/stores/{store['id']}/carts", {
        "profile_id": profile_id, "market": "us", "items": [line(shop, 2)], "shipping_address": ADDRESS,
        "payment_method_id": "cash"}, token=token)
    assert reply.status == 200, reply.body
    made = reply.body
    account_id = owner["refresh_token"].split(".")[2]
    assert (made["origin"], made["created_by_account_id"], made["item_count"]) == ("admin", account_id, 2)
    assert api.call("GET", f"/v1/stores/{store['id']}/carts/{made['id']}", token=token).body == made
    # Staff see the shopper's cart; the shopper's session does not see the one staff made.
    assert api.call("GET", f"/v1/stores/{store['id']}/carts/{shoppers_cart['id']}", token=token).status == 200
    assert api.call("GET", sf(store, f"/{made['id']}"), token=bearer).status == 404

    found = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token, query={"profile_id": profile_id})
    # Newest first; these two were made in the same second, so only the set is certain.
    assert found.status == 200 and {c["id"] for c in found.body["items"]} == {made["id"], shoppers_cart["id"]}
    admin_only = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token,
                          query={"origins": '["admin"]', "has_items": "true"})
    assert [c["id"] for c in admin_only.body["items"]] == [made["id"]]
    first = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token, query={"limit": 1})
    second = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token,
                      query={"limit": 1, "cursor": first.body["cursor"]})
    assert sorted(c["id"] for c in first.body["items"] + second.body["items"]) == sorted([made["id"],
                                                                                          shoppers_cart["id"]])
    bad_cursor = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token,
                          query={"profile_id": profile_id, "cursor": first.body["cursor"]})
    assert bad_cursor.status == 400

    for body, field in (({"profile_id": "nope", "market": "us"}, "profile_id"),
                        ({"profile_id": profile_id, "market": "mars"}, "market"),
                        ({"profile_id": profile_id, "market": "us", "items": [line(shop, 99)]}, "items.0.quantity")):
        reply = api.call("POST", f"/v1/stores/{store['id']}/carts", body, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, reply.body
    bad_status = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token, query={"statuses": '["open"]'})
    assert bad_status.status == 400
    empty_profile = api.call("GET", f"/v1/stores/{store['id']}/carts", token=token, query={"profile_id": ""})
    assert empty_profile.status == 400, empty_profile.body

    # Another store's staff: the 404 of a store they cannot see; its profiles are not this store's.
    rival_token = login(api, "rival@example.com")["access_token"]
    rival = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=rival_token).body
    assert api.call("GET", f"/v1/stores/{store['id']}/carts/{made['id']}", token=rival_token).status == 404
    assert api.call("GET", f"/v1/stores/{store['id']}/carts", token=rival_token).status == 404
    assert api.call("GET", f"/v1/stores/{rival['id']}/carts/{made['id']}", token=rival_token).status == 404
    reply = api.call("POST", f"/v1/stores/{rival['id']}/carts", {"profile_id": profile_id, "market": "us"},
                     token=rival_token)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "profile_id"
    # A shopper's bearer is no staff token.
    assert api.call("GET", f"/v1/stores/{store['id']}/carts", token=bearer).status == 403
