"""Checkout (arky-sdk 0.9.1 eshop.cart.checkout): one transaction writes the order with the store's next number,
takes the stock, converts the cart and writes order.created; a line that ran out writes nothing; card payments
open a Stripe PaymentIntent on the store's own account; stock is never oversold under concurrent checkouts."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from localrunner.fake_stripe import FakeStripe

from tests.integration.test_carts import ADDRESS, current, line, make_product, set_up_market, sf, shopper
from tests.support import Api, counting_calls

STRIPE = {"type": "stripe", "secret_key": "sk_test_51StoreKey0001", "publishable_key": "pk_test_51Store",
          "currency": "USD"}


def _table() -> Any:
    from storecrm.kernel.repositories.base import default_table

    return default_table()


def _outbox(store_id: str, type_: str) -> list[dict[str, Any]]:
    return [i for i in _table().query_all(f"STORE#{store_id}#EVENT") if i["type"] == type_]


def _orders(store_id: str) -> list[dict[str, Any]]:
    return list(_table().query_all(f"STORE#{store_id}", sk_prefix="ORDER#"))


def _stock(api: Api, token: str, store: dict[str, Any], product_id: str) -> tuple[int, int]:
    product = api.call("GET", f"/v1/stores/{store['id']}/products/{product_id}", token=token).body
    stock = product["variants"][0]["inventory"][0]
    return stock["available"], stock["reserved"]


def _filled_cart(api: Api, store: dict[str, Any], shop: dict[str, Any], quantity: int,
                 bearer: str | None = None) -> tuple[str, dict[str, Any]]:
    bearer = bearer or shopper(api, store)
    cart = current(api, store, bearer)
    reply = api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop, quantity)], "shipping_address": ADDRESS,
                                                          "shipping_method_id": "standard"}, token=bearer)
    assert reply.status == 200, reply.body
    return bearer, reply.body


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    set_up_market(api, token, store, [{"id": "cash"}])
    product = make_product(api, token, store)
    return {"token": token, "product": product, "small": product["variants"][0]}


def test_cash_checkout_writes_the_order_takes_stock_and_converts_the_cart(api: Api, store: dict[str, Any],
                                                                          shop: dict[str, Any]) -> None:
    bearer, cart = _filled_cart(api, store, shop, 3)
    with counting_calls() as log:
        reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {"id": cart["id"], "store_id": store["id"]},
                         token=bearer)
    assert reply.status == 200, reply.body
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    result = reply.body
    assert (result["number"], result["client_secret"]) == ("#1001", None)
    payment = result["payment"]
    assert (payment["subtotal"], payment["shipping"], payment["tax"]["amount"], payment["total"]) == (
        7500, 500, 640, 8640)
    assert (payment["method_type"], payment["currency"], payment["market"], payment["paid"]) == (
        "cash", "USD", "us", 0)

    assert _stock(api, shop["token"], store, shop["product"]["id"]) == (9, 3)
    converted = api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body
    assert (converted["status"], converted["converted_order_id"]) == ("converted", result["order_id"])
    assert converted["quote_snapshot"]["total"] == 8640
    [order] = _orders(store["id"])
    assert (order["id"], order["number"], order["source_cart_id"], order["status"]) == (
        result["order_id"], "#1001", cart["id"], "pending")
    assert order["profile_id"] == cart["profile_id"] and order["verified"] is False
    [item] = order["items"]
    assert (item["product_id"], item["quantity"], item["location_id"], item["status"]["status"]) == (
        shop["product"]["id"], 3, "main", "pending")
    [event] = _outbox(store["id"], "order.created")
    assert event["data"]["order"]["id"] == result["order_id"] and event["data"]["order"]["number"] == "#1001"

    # The cart cannot be checked out twice; the session's next `current` is a new, empty cart.
    again = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert (again.status, again.error) == (409, "CART.CONVERTED")
    assert again.body["validationErrors"][0]["field"] == "id"
    changed = api.call("PUT", sf(store, f"/{cart['id']}"), {"items": []}, token=bearer)
    assert (changed.status, changed.error) == (409, "CART.CONVERTED")
    fresh = current(api, store, bearer)
    assert fresh["id"] != cart["id"] and fresh["items"] == []

    # Numbers follow on, per store.
    other_bearer, other = _filled_cart(api, store, shop, 1)
    second = api.call("POST", sf(store, f"/{other['id']}/checkout"), {}, token=other_bearer)
    assert second.status == 200 and second.body["number"] == "#1002"


def test_checkout_refusals_write_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                         shop: dict[str, Any]) -> None:
    bearer = shopper(api, store)
    empty = current(api, store, bearer)
    reply = api.call("POST", sf(store, f"/{empty['id']}/checkout"), {}, token=bearer)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "items"

    bearer, cart = _filled_cart(api, store, shop, 5, bearer)
    # The stock ran down after the line went into the cart: a 409 naming the line.
    variants = [{"id": shop["small"]["id"], "inventory": [{"location_id": "main", "available": 4}]}]
    assert api.call("PUT", f"/v1/stores/{store['id']}/products/{shop['product']['id']}", {"variants": variants},
                    token=shop["token"]).status == 200
    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert (reply.status, reply.error) == (409, "CART.OUT_OF_STOCK")
    assert reply.body["validationErrors"] == [{"field": "items.0.quantity", "error": "only 4 in stock"}]
    # A payment method the market does not offer.
    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {"payment_method_id": "credit_card"}, token=bearer)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "payment_method_id"
    assert _stock(api, shop["token"], store, shop["product"]["id"]) == (4, 0)
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body["status"] == "active"
    assert _orders(store["id"]) == [] and _outbox(store["id"], "order.created") == []
    assert _table().get((f"STORE#{store['id']}", "ORDERNUMBER")) is None


def test_the_stock_condition_is_checked_in_the_transaction(api: Api, store: dict[str, Any],
                                                           shop: dict[str, Any]) -> None:
    """Another checkout takes the units between this checkout's read and its write: the transaction refuses."""
    from storecrm.commerce.carts import CartService, CheckoutRequest
    from storecrm.identity.auth import read_access_token
    from storecrm.identity.gateways.signing_keys import token_verify_keys
    from storecrm.services import cart_service

    bearer, cart = _filled_cart(api, store, shop, 8)
    rival_bearer, rival = _filled_cart(api, store, shop, 8)
    original = CartService._market_and_products
    raced: list[bool] = []

    def read_then_lose_the_race(self: CartService, cart_read: Any, *extra: Any) -> Any:
        found = original(self, cart_read, *extra)
        if not raced:
            raced.append(True)
            # Straight to the service: the handler host runs one request at a time.
            cart_service().checkout(store["id"], read_access_token(rival_bearer, token_verify_keys()), rival["id"],
                                    CheckoutRequest())
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CartService, "_market_and_products", read_then_lose_the_race)
        reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert (reply.status, reply.error) == (409, "CART.OUT_OF_STOCK")
    assert reply.body["validationErrors"][0]["field"] == "items.0.quantity"
    assert _stock(api, shop["token"], store, shop["product"]["id"]) == (4, 8)
    assert [o["source_cart_id"] for o in _orders(store["id"])] == [rival["id"]]
    assert api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body["status"] == "active"


@pytest.fixture
def serialized_transactions(provisioned: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB runs each transaction atomically; moto does not (it checks, then writes, and on failure restores
    a copy of the whole table, which would also undo a counter ADD made meanwhile), so concurrent tests run its
    transactions and updates one at a time."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()  # moto's transactions call its update_item
    for name in ("transact_write_items", "update_item"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self: DynamoDBBackend, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)


def checkouts_at_once(store_id: str, carts: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Checks out every (bearer, cart) at the same moment, one thread each: each one's order number, or the code
    of the conflict that refused it."""
    from storecrm.commerce.carts import CheckoutRequest
    from storecrm.identity.auth import read_access_token
    from storecrm.identity.gateways.signing_keys import token_verify_keys
    from storecrm.kernel.errors import Conflict
    from storecrm.services import cart_service

    start = threading.Barrier(len(carts))

    def checkout(bearer: str, cart: dict[str, Any]) -> str:
        caller = read_access_token(bearer, token_verify_keys())
        start.wait()
        try:
            return cart_service().checkout(store_id, caller, cart["id"], CheckoutRequest()).order.number
        except Conflict as error:
            return error.code

    with ThreadPoolExecutor(max_workers=len(carts)) as pool:
        return list(pool.map(lambda args: checkout(*args), carts))


def test_fifty_concurrent_checkouts_of_ten_units_sell_ten(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                          serialized_transactions: None) -> None:
    variants = [{"id": shop["small"]["id"], "inventory": [{"location_id": "main", "available": 10}]}]
    assert api.call("PUT", f"/v1/stores/{store['id']}/products/{shop['product']['id']}", {"variants": variants},
                    token=shop["token"]).status == 200
    carts = [_filled_cart(api, store, shop, 1) for _ in range(50)]
    outcomes = checkouts_at_once(store["id"], carts)
    numbers = [o for o in outcomes if o.startswith("#")]
    assert len(numbers) == len(set(numbers)) == 10 and "#1001" in numbers
    assert sorted(set(outcomes) - set(numbers)) == ["CART.OUT_OF_STOCK"]
    assert _stock(api, shop["token"], store, shop["product"]["id"]) == (0, 10)
    assert len(_orders(store["id"])) == 10 and len(_outbox(store["id"], "order.created")) == 10


def test_card_checkout_opens_a_payment_intent_with_the_stores_key(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe) -> None:
    token = owner["access_token"]
    integration = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe", "provider": STRIPE},
                           token=token)
    assert integration.status == 200, integration.body
    set_up_market(api, token, store, [{"id": "cash"},
                                      {"id": "credit_card", "integration_id": integration.body["id"]}])
    product = make_product(api, token, store)
    shop = {"token": token, "product": product, "small": product["variants"][0]}
    bearer, cart = _filled_cart(api, store, shop, 2)
    assert api.call("PUT", sf(store, f"/{cart['id']}"), {"payment_method_id": "credit_card"},
                    token=bearer).status == 200

    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert reply.status == 200, reply.body
    result = reply.body
    [intent] = stripe_fake.payment_intents.values()
    [request] = [r for r in stripe_fake.requests if r.path == "/v1/payment_intents"]
    assert result["client_secret"] == intent["client_secret"]
    assert (intent["amount"], intent["currency"]) == (result["payment"]["total"], "usd")
    assert (request.api_key, request.idempotency_key) == (
        STRIPE["secret_key"], f"checkout:{result['order_id']}:{intent['amount']}:USD")
    assert intent["metadata"]["order_id"] == result["order_id"]
    assert result["payment"]["provider"] == {"type": "stripe", "profile_id": "", "payment_intent_id": intent["id"],
                                             "integration_id": integration.body["id"]}
    assert result["payment"]["method_type"] == "credit_card"
    [order] = _orders(store["id"])
    assert order["payment"]["provider"]["payment_intent_id"] == intent["id"]

    # A cash checkout of another cart of the same market asks Stripe nothing.
    cash_bearer, cash_cart = _filled_cart(api, store, shop, 1)
    cash = api.call("POST", sf(store, f"/{cash_cart['id']}/checkout"), {"payment_method_id": "cash"},
                    token=cash_bearer)
    assert cash.status == 200 and cash.body["client_secret"] is None and len(stripe_fake.requests) == 1


def test_a_checkout_retried_after_a_timeout_reuses_its_payment_intent(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first checkout opens the PaymentIntent and then dies before its transaction (a Lambda timeout): the
    shopper's retry of the same cart gets the same intent from Stripe, not a second one to pay."""
    from storecrm.commerce.carts import CartService

    token = owner["access_token"]
    integration = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe", "provider": STRIPE},
                           token=token)
    set_up_market(api, token, store, [{"id": "credit_card", "integration_id": integration.body["id"]}])
    product = make_product(api, token, store)
    bearer, cart = _filled_cart(api, store, {"token": token, "product": product, "small": product["variants"][0]}, 2)
    original, died = CartService._record, []

    def timed_out_once(self: CartService, *args: Any) -> Any:
        if not died:
            died.append(True)
            raise TimeoutError("Task timed out")
        return original(self, *args)

    monkeypatch.setattr(CartService, "_record", timed_out_once)
    assert api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer).status == 500
    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert reply.status == 200, reply.body
    [intent] = stripe_fake.payment_intents.values()
    assert reply.body["client_secret"] == intent["client_secret"]
    assert reply.body["payment"]["provider"]["payment_intent_id"] == intent["id"]
    assert intent["metadata"]["order_id"] == reply.body["order_id"]
    first, second = [r for r in stripe_fake.requests if r.path == "/v1/payment_intents"]
    assert first.idempotency_key == second.idempotency_key

    # Another cart is another checkout: it gets an intent of its own.
    other_bearer, other = _filled_cart(api, store, {"token": token, "product": product,
                                                    "small": product["variants"][0]}, 1)
    assert api.call("POST", sf(store, f"/{other['id']}/checkout"), {}, token=other_bearer).status == 200
    assert len(stripe_fake.payment_intents) == 2
