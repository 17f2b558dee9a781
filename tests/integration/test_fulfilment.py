"""Fulfilment (arky-sdk 0.9.1 shipping.getRates / shipping.ship, issue 28): manual and Shippo rates, shipments of
some lines with the reserved stock leaving in the order's transaction (never more than ordered and not yet shipped,
and a cancellation afterwards gives back only what did not ship), fulfilment statuses, events and the tracking
mail; a paid card order's Shippo label; the provider's refusal is a 502; a shipment's status; other stores' staff
and shoppers reach none of it."""

from __future__ import annotations

from typing import Any

import pytest
from localrunner.fake_shippo import FakeShippo
from localrunner.fake_stripe import FakeStripe

from tests.integration.conftest import login
from tests.integration.test_carts import make_product, set_up_market
from tests.integration.test_memberships import STRIPE, send_event
from tests.integration.test_orders import orders_path, outbox, place, stock
from tests.support import Api, MailPipeline, counting_calls, sent_mail

PARCEL = {"length": 10, "width": 8, "height": 4, "weight": 1.5, "distance_unit": "in", "mass_unit": "lb"}
WAREHOUSE = {"name": "Shop", "street1": "5 Depot Rd", "city": "Springfield", "state": "IL", "postal_code": "62702",
             "country": "US"}
SHOPPER = {"name": "Ada", "street1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701",
           "country": "US"}
SHIPPO = {"type": "shippo", "api_token": "shippo_test_store_token"}


def _rates_body(provider: str, **changes: Any) -> dict[str, Any]:
    return {"shipping_provider_id": provider, "from_address": WAREHOUSE, "to_address": SHOPPER, "parcel": PARCEL,
            **changes}


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe,
         shippo_fake: FakeShippo) -> dict[str, Any]:
    token = owner["access_token"]
    base = f"/v1/stores/{store['id']}"
    stripe = api.call("POST", f"{base}/integrations", {"key": "stripe", "provider": STRIPE}, token=token)
    shippo = api.call("POST", f"{base}/integrations", {"key": "shippo", "provider": SHIPPO}, token=token)
    assert stripe.status == 200 and shippo.status == 200, (stripe.body, shippo.body)
    set_up_market(api, token, store, [{"id": "cash"}, {"id": "credit_card", "integration_id": stripe.body["id"]}])
    location = api.call("POST", f"{base}/locations", {"key": "depot", "address": WAREHOUSE}, token=token)
    pickup = api.call("POST", f"{base}/locations", {"key": "counter", "address": WAREHOUSE,
                                                    "is_pickup_location": True}, token=token)
    assert location.status == 200 and pickup.status == 200, (location.body, pickup.body)
    product = make_product(api, token, store, variants=[{
        "sku": "TEE-S", "prices": [{"currency": "USD", "market": "us", "amount": 2500}],
        "inventory": [{"location_id": location.body["id"], "available": 12}], "weight": 200}])
    return {"token": token, "product": product, "small": product["variants"][0], "location": location.body,
            "pickup": pickup.body, "shippo": shippo.body}


def _order(api: Api, store: dict[str, Any], token: str, order_id: str) -> dict[str, Any]:
    reply = api.call("GET", orders_path(store, f"/{order_id}"), token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _ship(api: Api, store: dict[str, Any], shop: dict[str, Any], order: dict[str, Any], quantity: int,
          rate_id: str = "manual:standard", location: str = "location") -> Any:
    line_id = order["items"][0]["id"]
    return api.call("POST", orders_path(store, f"/{order['id']}/ship"), {
        "rate_id": rate_id, "carrier": "manual", "service": "standard", "location_id": shop[location]["id"],
        "lines": [{"order_item_id": line_id, "quantity": quantity}]}, token=shop["token"])


def test_shipping_moves_reserved_stock_out_never_more_than_left_and_mails_the_tracking(
        api: Api, store: dict[str, Any], shop: dict[str, Any], mails: MailPipeline) -> None:
    token, product_id = shop["token"], shop["product"]["id"]
    _, placed = place(api, store, shop, 3, email="ada@example.com")
    order = _order(api, store, token, placed["order_id"])
    assert (order["fulfillment_status"], order["shipments"]) == ("unfulfilled", [])
    assert stock(api, token, store, product_id) == (9, 3)

    # Manual rates: the methods of the destination's zone in the order's market (no Shippo call).
    reply = api.call("POST", orders_path(store, f"/{order['id']}/shipping/rates"), _rates_body("manual"),
                     token=token)
    assert reply.status == 200, reply.body
    assert reply.body == {"rates": [{"id": "manual:standard", "provider": "manual", "carrier": "manual",
                                     "service": "standard", "display_name": "3-5 days", "amount": 500,
                                     "currency": "USD", "estimated_days": None}]}

    # Two of three units ship (a cash order: no label); they leave `reserved`, `available` stays.
    with counting_calls() as log:
        reply = _ship(api, store, shop, order, 2)
    assert reply.status == 200, reply.body
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    assert reply.body == {"shipment_id": reply.body["shipment_id"], "tracking_number": "", "tracking_url": None,
                          "label_url": ""}
    assert stock(api, token, store, product_id) == (9, 1)
    order = _order(api, store, token, order["id"])
    [shipment] = order["shipments"]
    assert (shipment["id"], shipment["status"], shipment["location_id"], shipment["lines"]) == (
        reply.body["shipment_id"], "pending", shop["location"]["id"],
        [{"order_item_id": order["items"][0]["id"], "quantity": 2}])
    assert (order["fulfillment_status"], order["items"][0]["fulfillment_status"]) == ("partially_shipped",
                                                                                       "partially_shipped")
    assert order["history"][-1]["action"] == "shipped" and order["revision"] == 2
    assert [e["data"]["reason"] for e in outbox(store["id"], "order.updated")] == ["shipped"]
    [shipped_event] = outbox(store["id"], "order.shipped")
    assert shipped_event["data"]["shipment"]["id"] == shipment["id"]

    # More than is left to ship is refused and moves nothing.
    refused = _ship(api, store, shop, order, 2)
    assert (refused.status, refused.body["validationErrors"][0]["field"]) == (400, "lines.0.quantity"), refused.body
    assert stock(api, token, store, product_id) == (9, 1)
    assert _order(api, store, token, order["id"])["revision"] == 2

    # The last unit ships; then cancelling the order gives nothing back: nothing is held any more.
    assert _ship(api, store, shop, order, 1).status == 200
    order = _order(api, store, token, order["id"])
    assert (order["fulfillment_status"], order["items"][0]["fulfillment_status"]) == ("shipped", "shipped")
    assert stock(api, token, store, product_id) == (9, 0)
    assert api.call("PUT", orders_path(store, f"/{order['id']}"), {"cancel": True}, token=token).status == 200
    assert stock(api, token, store, product_id) == (9, 0)

    # One tracking mail per shipment, to the shopper.
    mails.run()
    shipped_mails = sent_mail("ada@example.com")
    assert len(shipped_mails) == 2 and all("has shipped" in str(m) for m in shipped_mails)


def test_a_partly_shipped_order_cancelled_gives_back_only_the_unshipped_units(
        api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token, product_id = shop["token"], shop["product"]["id"]
    _, placed = place(api, store, shop, 3)
    place(api, store, shop, 2)  # another order's units held at the same location
    order = _order(api, store, token, placed["order_id"])
    assert _ship(api, store, shop, order, 2).status == 200
    assert stock(api, token, store, product_id) == (7, 3)
    assert api.call("PUT", orders_path(store, f"/{order['id']}"), {"cancel": True}, token=token).status == 200
    # Its one unshipped unit goes back; the other order's two stay held.
    assert stock(api, token, store, product_id) == (8, 2)
    # A cancelled order ships nothing.
    assert _ship(api, store, shop, order, 1).status == 409


def test_a_paid_card_order_ships_with_a_shippo_label(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                     stripe_fake: FakeStripe, shippo_fake: FakeShippo) -> None:
    token = shop["token"]
    bearer, placed = place(api, store, shop, 2, email="ada@example.com", method="credit_card")
    order = _order(api, store, token, placed["order_id"])
    rates_path = orders_path(store, f"/{order['id']}/shipping/rates")
    # Unpaid, it cannot ship yet.
    [intent_id] = stripe_fake.payment_intents
    assert _ship(api, store, shop, order, 1).status == 409
    assert send_event(api, store, stripe_fake.pay_intent(intent_id)).status == 200

    reply = api.call("POST", rates_path, _rates_body(shop["shippo"]["id"]), token=token)
    assert reply.status == 200, reply.body
    rates = reply.body["rates"]
    assert [(r["provider"], r["carrier"], r["amount"], r["currency"]) for r in rates] == [
        ("shippo", "USPS", 745, "USD"), ("shippo", "UPS", 1120, "USD")]
    assert rates[0]["id"].startswith(f"shippo:{shop['shippo']['id']}:")
    [asked] = [r for r in shippo_fake.requests if r.path == "/shipments"]
    assert asked.token == SHIPPO["api_token"] and asked.body["address_to"]["zip"] == "62701"

    # A label Shippo will not sell is a 502 with its message, and nothing changes.
    refused = _ship(api, store, shop, order, 2, rate_id=f"shippo:{shop['shippo']['id']}:no-such-rate")
    assert (refused.status, refused.error) == (502, "GENERAL.PROVIDER_ERROR"), refused.body
    assert "does not exist" in refused.body["message"]
    assert _order(api, store, token, order["id"])["revision"] == order["revision"] + 1  # only the payment
    assert stock(api, token, store, shop["product"]["id"]) == (10, 2)

    reply = _ship(api, store, shop, order, 2, rate_id=rates[0]["id"])
    assert reply.status == 200, reply.body
    [transaction] = shippo_fake.transactions.values()
    assert (reply.body["tracking_number"], reply.body["label_url"]) == (transaction["tracking_number"],
                                                                        transaction["label_url"])
    order = _order(api, store, token, order["id"])
    [shipment] = order["shipments"]
    assert (shipment["status"], shipment["tracking_url"]) == ("label_created", transaction["tracking_url_provider"])
    assert order["fulfillment_status"] == "shipped"

    # The shopper's own order answer shows the shipment in the client's shape.
    own = api.call("GET", f"/v1/storefront/{store['id']}/orders/{order['id']}", token=bearer)
    assert own.status == 200 and own.body["shipments"] == order["shipments"]

    # Delivered: the staff route records the carrier's news.
    path = orders_path(store, f"/{order['id']}/shipments/{shipment['id']}")
    reply = api.call("PUT", path, {"status": "delivered"}, token=token)
    assert reply.status == 200, reply.body
    assert reply.body["shipments"][0]["status"] == "delivered"
    assert outbox(store["id"], "order.shipment_delivered")[0]["data"]["shipment"]["id"] == shipment["id"]
    assert api.call("PUT", orders_path(store, f"/{order['id']}/shipments/nope"), {"status": "delivered"},
                    token=token).status == 404


def test_pickup_locations_ship_without_a_label(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                               stripe_fake: FakeStripe, shippo_fake: FakeShippo) -> None:
    token = shop["token"]
    mug = make_product(api, token, store, key="mug", variants=[{
        "sku": "MUG", "prices": [{"currency": "USD", "market": "us", "amount": 1200}],
        "inventory": [{"location_id": shop["pickup"]["id"], "available": 5}]}])
    at_counter = {**shop, "product": mug, "small": mug["variants"][0]}
    _, placed = place(api, store, at_counter, 1, method="credit_card")
    [intent_id] = stripe_fake.payment_intents
    assert send_event(api, store, stripe_fake.pay_intent(intent_id)).status == 200
    order = _order(api, store, token, placed["order_id"])
    # Held at the counter: the depot cannot ship it.
    refused = _ship(api, store, shop, order, 1)
    assert (refused.status, refused.body["validationErrors"][0]["field"]) == (400, "lines.0.order_item_id")
    # The counter hands it over: even with a Shippo rate, no label is bought.
    reply = _ship(api, store, shop, order, 1, rate_id=f"shippo:{shop['shippo']['id']}:any", location="pickup")
    assert reply.status == 200, reply.body
    assert (reply.body["tracking_number"], reply.body["label_url"]) == ("", "")
    assert not [r for r in shippo_fake.requests if r.path == "/transactions"]
    assert stock(api, token, store, mug["id"]) == (4, 0)


def test_the_providers_refusal_is_a_502_with_its_message(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                        shippo_fake: FakeShippo) -> None:
    token = shop["token"]
    _, placed = place(api, store, shop, 1)
    path = orders_path(store, f"/{placed['order_id']}/shipping/rates")
    reply = api.call("POST", path, _rates_body(shop["shippo"]["id"], to_address={**SHOPPER,
                                                                                  "street1": "undeliverable st"}),
                     token=token)
    assert (reply.status, reply.error) == (502, "GENERAL.PROVIDER_ERROR"), reply.body
    assert "no such street" in reply.body["message"]
    # A cash (cash-on-delivery) order needs no label: it ships without asking Shippo.
    order = _order(api, store, token, placed["order_id"])
    assert _ship(api, store, shop, order, 1, rate_id=f"shippo:{shop['shippo']['id']}:no-such-rate").status == 200
    assert not [r for r in shippo_fake.requests if r.path == "/transactions"]


def test_bad_input_names_the_field(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token = shop["token"]
    _, placed = place(api, store, shop, 1)
    order = _order(api, store, token, placed["order_id"])
    path = orders_path(store, f"/{order['id']}/shipping/rates")
    for body, field in [(_rates_body("manual", parcel={**PARCEL, "mass_unit": "stone"}), "parcel.mass_unit"),
                        (_rates_body("manual", parcel={**PARCEL, "weight": 0}), "parcel.weight"),
                        (_rates_body("manual", to_address={**SHOPPER, "country": "usa"}), "to_address.country"),
                        (_rates_body("manual", to_address={**SHOPPER, "country": "FR"}), "to_address.country"),
                        (_rates_body("not-an-integration"), "shipping_provider_id")]:
        reply = api.call("POST", path, body, token=token)
        assert (reply.status, reply.body["validationErrors"][0]["field"]) == (400, field), (body, reply.body)
    ship = orders_path(store, f"/{order['id']}/ship")
    line_id = order["items"][0]["id"]
    for body, field in [({"location_id": shop["location"]["id"], "lines": []}, "lines"),
                        ({"location_id": "nowhere", "lines": [{"order_item_id": line_id, "quantity": 1}]},
                         "location_id"),
                        ({"location_id": shop["location"]["id"], "lines": [{"order_item_id": "x", "quantity": 1}]},
                         "lines.0.order_item_id"),
                        ({"location_id": shop["location"]["id"], "lines": [{"order_item_id": line_id,
                                                                            "quantity": 0}]}, "lines.0.quantity")]:
        reply = api.call("POST", ship, body, token=token)
        assert (reply.status, reply.body["validationErrors"][0]["field"]) == (400, field), (body, reply.body)
    reply = api.call("PUT", orders_path(store, f"/{order['id']}/shipments/x"), {"status": "lost"}, token=token)
    assert (reply.status, reply.body["validationErrors"][0]["field"]) == (400, "status")
    assert _order(api, store, token, order["id"])["revision"] == 1


def test_other_stores_staff_and_shoppers_reach_no_shipping_route(api: Api, store: dict[str, Any],
                                                                 shop: dict[str, Any]) -> None:
    bearer, placed = place(api, store, shop, 1)
    order = _order(api, store, shop["token"], placed["order_id"])
    assert _ship(api, store, shop, order, 1).status == 200
    shipment_id = _order(api, store, shop["token"], order["id"])["shipments"][0]["id"]
    stranger = login(api, "stranger@example.com")["access_token"]
    other = api.call("POST", "/v1/stores", {"key": "stranger-shop", "timezone": "UTC",
                                            "billing_email": "stranger@example.com"}, token=stranger).body
    calls = [("POST", "/shipping/rates", _rates_body("manual")),
             ("POST", "/ship", {"location_id": shop["location"]["id"],
                                "lines": [{"order_item_id": order["items"][0]["id"], "quantity": 1}]}),
             ("PUT", f"/shipments/{shipment_id}", {"status": "returned"})]
    for method, tail, body in calls:
        assert api.call(method, orders_path(store, f"/{order['id']}{tail}"), body, token=stranger).status == 404
        assert api.call(method, orders_path(other, f"/{order['id']}{tail}"), body, token=stranger).status == 404
        assert api.call(method, orders_path(store, f"/{order['id']}{tail}"), body, token=bearer).status in (401, 403)
        assert api.call(method, orders_path(store, f"/{order['id']}{tail}"), body).status == 401
    after = _order(api, store, shop["token"], order["id"])
    assert (after["revision"], after["shipments"][0]["status"]) == (2, "pending")
