"""Staff carts (arky-sdk 0.9.1 admin `eshop` cart calls and getQuote): staff change, quote and check out any cart of
their store with the shopper's rules; bad input names the field and changes nothing; another store's staff and
storefront sessions cannot reach them."""

from __future__ import annotations

from typing import Any

import pytest
from localrunner.fake_stripe import FakeStripe

from tests.integration.conftest import login
from tests.integration.test_carts import ADDRESS, current, line, make_product, set_up_market, sf, shopper
from tests.integration.test_checkout import STRIPE, _orders, _stock
from tests.support import Api


def staff(store: dict[str, Any], path: str = "") -> str:
    return f"/v1/stores/{store['id']}/carts{path}"


def quote_path(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/orders/quote"


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    set_up_market(api, token, store, [{"id": "cash"}])
    product = make_product(api, token, store)
    return {"token": token, "product": product, "small": product["variants"][0], "eu_only": product["variants"][1]}


def staff_cart(api: Api, store: dict[str, Any], shop: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A cart staff make for a shopper's profile."""
    profile_id = current(api, store, shopper(api, store, "ada@example.com"))["profile_id"]
    reply = api.call("POST", staff(store), {"profile_id": profile_id, "market": "us", **fields}, token=shop["token"])
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_staff_change_a_shoppers_cart(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token, bearer = shop["token"], shopper(api, store)
    cart = current(api, store, bearer)
    path = staff(store, f"/{cart['id']}")

    reply = api.call("PUT", path, {"id": cart["id"], "items": [line(shop, 2)], "shipping_address": ADDRESS,
                                   "shipping_method_id": "standard"}, token=token)
    assert reply.status == 200, reply.body
    assert reply.body["item_count"] == 2 and reply.body["shipping_address"]["city"] == "Springfield"
    # The shopper's session sees the change staff made.
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body == reply.body

    added = api.call("POST", f"{path}/items", {"item": {"type": "product", **line(shop, 1)}}, token=token)
    assert added.status == 200 and [i["quantity"] for i in added.body["items"]] == [3]
    quoted = api.call("POST", f"{path}/quote", {}, token=token)
    assert quoted.status == 200, quoted.body
    assert (quoted.body["subtotal"], quoted.body["shipping"], quoted.body["tax"], quoted.body["total"]) == (
        7500, 500, 640, 8640)
    removed = api.call("POST", f"{path}/items/remove", {"product_id": shop["product"]["id"],
                                                        "variant_id": shop["small"]["id"]}, token=token)
    assert removed.status == 200 and removed.body["items"] == []
    api.call("POST", f"{path}/items", {"item": line(shop, 1)}, token=token)
    cleared = api.call("POST", f"{path}/clear", {}, token=token)
    assert cleared.status == 200 and cleared.body["items"] == []
    assert cleared.body["shipping_method_id"] == "standard"  # clearing keeps addresses and methods


def test_staff_cash_checkout_writes_the_order_for_the_carts_profile(api: Api, store: dict[str, Any],
                                                                    shop: dict[str, Any]) -> None:
    cart = staff_cart(api, store, shop, items=[line(shop, 3)], shipping_address=ADDRESS,
                      shipping_method_id="standard")
    reply = api.call("POST", staff(store, f"/{cart['id']}/checkout"), {"payment_method_id": "cash"},
                     token=shop["token"])
    assert reply.status == 200, reply.body
    assert reply.body["client_secret"] is None and reply.body["number"] == "#1001"
    assert (reply.body["payment"]["total"], reply.body["payment"]["method_type"]) == (8640, "cash")
    [order] = _orders(store["id"])
    assert (order["id"], order["profile_id"], order["source_cart_id"]) == (reply.body["order_id"],
                                                                           cart["profile_id"], cart["id"])
    assert order.get("session_id") is None and order["email"] == "ada@example.com"
    assert order["verified"] is False  # the profile's: it only named its email, no code proved it
    assert _stock(api, shop["token"], store, shop["product"]["id"]) == (9, 3)
    got = api.call("GET", staff(store, f"/{cart['id']}"), token=shop["token"]).body
    assert (got["status"], got["converted_order_id"]) == ("converted", order["id"])

    # A converted cart takes no more changes and no second checkout.
    for method, tail, body in (("PUT", "", {"items": [line(shop)]}), ("POST", "/items", {"item": line(shop)}),
                               ("POST", "/clear", {}), ("POST", "/checkout", {})):
        again = api.call(method, staff(store, f"/{cart['id']}{tail}"), body, token=shop["token"])
        assert (again.status, again.error) == (409, "CART.CONVERTED"), (tail, again.body)
    assert len(_orders(store["id"])) == 1


def test_staff_card_checkout_opens_a_payment_intent(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                    stripe_fake: FakeStripe) -> None:
    token = owner["access_token"]
    integration = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe", "provider": STRIPE},
                           token=token)
    assert integration.status == 200, integration.body
    set_up_market(api, token, store, [{"id": "cash"}, {"id": "credit_card", "integration_id": integration.body["id"]}])
    product = make_product(api, token, store)
    shop = {"token": token, "product": product, "small": product["variants"][0]}
    cart = staff_cart(api, store, shop, items=[line(shop, 2)], payment_method_id="credit_card")

    reply = api.call("POST", staff(store, f"/{cart['id']}/checkout"), {}, token=token)
    assert reply.status == 200, reply.body
    [intent] = stripe_fake.payment_intents.values()
    assert reply.body["client_secret"] == intent["client_secret"]
    assert (intent["amount"], intent["metadata"]["cart_id"]) == (5000, cart["id"])
    assert reply.body["payment"]["provider"]["payment_intent_id"] == intent["id"]


def test_staff_bad_input_names_the_field_and_changes_nothing(api: Api, store: dict[str, Any],
                                                             shop: dict[str, Any]) -> None:
    token = shop["token"]
    cart = staff_cart(api, store, shop, items=[line(shop)])
    path = staff(store, f"/{cart['id']}")
    for items, field in (
        ([{"product_id": "nope", "variant_id": shop["small"]["id"], "quantity": 1}], "items.0.product_id"),
        ([{"product_id": shop["product"]["id"], "variant_id": "nope", "quantity": 1}], "items.0.variant_id"),
        ([line(shop, 0)], "items.0.quantity"),
        ([line(shop, -1)], "items.0.quantity"),
    ):
        reply = api.call("PUT", path, {"items": items}, token=token)
        assert reply.status == 400 and field in {e["field"] for e in reply.body["validationErrors"]}, reply.body
        added = api.call("POST", f"{path}/items", {"item": items[0]}, token=token)
        assert added.status == 400, added.body
        assert field.replace("items.0", "item") in {e["field"] for e in added.body["validationErrors"]}, added.body
    gone = api.call("POST", f"{path}/items/remove", {"item_id": "nope"}, token=token)
    assert gone.status == 400 and gone.body["validationErrors"][0]["field"] == "item_id"
    assert api.call("GET", path, token=token).body == cart

    empty = staff_cart(api, store, shop)
    reply = api.call("POST", staff(store, f"/{empty['id']}/checkout"), {}, token=token)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "items"
    assert _orders(store["id"]) == []
    assert api.call("POST", staff(store, "/nope/quote"), {}, token=token).status == 404


def test_staff_quote_without_a_cart(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token = shop["token"]
    # What the admin client sends for a `location`: an address with only the zone's parts filled.
    location = {"country": "US", "state": "IL", "city": "Springfield", "postal_code": "62701", "name": "",
                "street1": "", "street2": None}
    body = {"market": "us", "items": [{"type": "product", **line(shop, 3)}], "shipping_address": location,
            "shipping_method_id": "standard"}
    reply = api.call("POST", quote_path(store), body, token=token)
    assert reply.status == 200, reply.body
    q = reply.body
    assert (q["subtotal"], q["shipping"], q["tax"], q["total"]) == (7500, 500, 640, 8640)
    assert q["payment_method"]["id"] == "cash" and q["items"][0]["availability"]["ok"] is True
    short = api.call("POST", quote_path(store), {**body, "items": [line(shop, 13)]}, token=token)
    assert short.status == 200 and short.body["items"][0]["availability"]["ok"] is False  # priced, not refused
    assert _orders(store["id"]) == []

    for changes, field in (({"market": "mars"}, "market"),
                           ({"items": []}, "items"),
                           ({"items": [{**line(shop), "product_id": "nope"}]}, "items.0.product_id"),
                           ({"items": [line(shop, variant="eu_only")]}, "items.0.variant_id"),
                           ({"items": [line(shop, 0)]}, "items.0.quantity")):
        reply = api.call("POST", quote_path(store), {**body, **changes}, token=token)
        assert reply.status == 400 and field in {e["field"] for e in reply.body["validationErrors"]}, reply.body


def test_staff_cart_routes_stay_in_their_store(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    bearer = shopper(api, store)
    cart = current(api, store, bearer)
    api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop)]}, token=bearer)
    before = api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body
    rival_token = login(api, "rival@example.com")["access_token"]
    rival = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=rival_token).body
    calls = (("PUT", "", {"items": [line(shop, 2)]}), ("POST", "/items", {"item": line(shop)}),
             ("POST", "/items/remove", {"item_id": before["items"][0]["id"]}), ("POST", "/clear", {}),
             ("POST", "/quote", {}), ("POST", "/checkout", {}))
    for method, tail, body in calls:
        # Another store's staff: the 404 of a store they cannot see, and no cart of this store under theirs.
        assert api.call(method, staff(store, f"/{cart['id']}{tail}"), body, token=rival_token).status == 404, tail
        assert api.call(method, staff(rival, f"/{cart['id']}{tail}"), body, token=rival_token).status == 404, tail
        # The shopper's own session is no staff token, even on its own cart.
        assert api.call(method, staff(store, f"/{cart['id']}{tail}"), body, token=bearer).status == 403, tail
    quote_body = {"market": "us", "items": [line(shop)]}
    assert api.call("POST", quote_path(store), quote_body, token=rival_token).status == 404
    assert api.call("POST", quote_path(store), quote_body, token=bearer).status == 403
    assert api.call("POST", quote_path(store), quote_body).status == 401
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body == before
    assert _orders(store["id"]) == []
