"""The seed's "E-commerce Checkout" flow over HTTP against the local runner, with the arky-sdk 0.9.1 (fe001ba)
paths and bodies: initialize, connect, cart.current, cart.update, cart.checkout; paid by card, then refunded."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import requests
from localrunner.fake_stripe import sign_stripe_payload
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token
from tests.support import Receiver


def _put(url: str, body: object, token: str) -> requests.Response:
    return requests.put(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=15)


def test_seed_checkout_flow(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "seed-checkout-shop")
    owner = _owner_token(runner_url, mailbox, "seed-checkout-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    [us] = [m for m in _get(f"{admin}/markets", owner).json() if m["key"] == "us"]
    assert _put(f"{admin}/markets/{us['id']}", {"payment_methods": [{"id": "cash"}], "zones": [
        {"countries": ["US"], "tax_bps": 500}]}, owner).status_code == 200
    product = _post(f"{admin}/products", {"key": "mug", "status": "active", "variants": [
        {"prices": [{"currency": "USD", "market": "us", "amount": 1200}],
         "inventory": [{"location_id": "main", "available": 4}]}]}, owner).json()

    # 1. sdk.crm.initialize()  2. sdk.crm.connect({email})
    guest = _post(f"{runner_url}/v1/stores/{store_id}/profiles/initialize", {}).json()
    bearer = _post(f"{runner_url}/v1/stores/{store_id}/profiles/connect", {"email": "shopper@example.com"},
                   guest["access_token"]).json()["access_token"]
    # 3. sdk.eshop.cart.current(): {store_id, market}
    shop = f"{runner_url}/v1/storefront/{store_id}/carts"
    cart = _post(f"{shop}/current", {"store_id": store_id, "market": "us"}, bearer).json()
    # sdk.eshop.cart.update({id, items, shipping_address}): items normalized to {type: "product", ...}
    updated = _put(f"{shop}/{cart['id']}", {"id": cart["id"], "store_id": store_id, "items": [
        {"type": "product", "product_id": product["id"], "variant_id": product["variants"][0]["id"], "quantity": 2}],
        "shipping_address": {"name": "Sam", "country": "US", "email": "shopper@example.com"}}, bearer)
    assert updated.status_code == 200, updated.text
    # sdk.eshop.cart.checkout({id}): {id, store_id, payment_method_id}
    result = _post(f"{shop}/{cart['id']}/checkout", {"id": cart["id"], "store_id": store_id,
                                                     "payment_method_id": None}, bearer)
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["number"] == "#1001" and body["client_secret"] is None
    assert (body["payment"]["subtotal"], body["payment"]["tax"]["amount"], body["payment"]["total"]) == (
        2400, 120, 2520)
    stock = _get(f"{admin}/products/{product['id']}", owner).json()["variants"][0]["inventory"][0]
    assert (stock["available"], stock["reserved"]) == (2, 2)


WEBHOOK_SECRET = "whsec_seed_card_checkout"
HOOK_SECRET = "whsec_seed_order_events"


def _stripe_event(type_: str, obj: dict[str, Any]) -> str:
    return json.dumps({"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": type_,
                       "created": int(time.time()), "data": {"object": obj}, "livemode": False})


def _wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the webhook"
        time.sleep(0.1)


def test_seed_checkout_flow_with_a_card_a_partial_and_a_full_refund(runner_url: str, mailbox: LatestCode) -> None:
    """The same flow paid by card: the storefront confirms the PaymentIntent (Stripe.js, here the fake's confirm),
    Stripe's signed payment_intent.succeeded confirms the order, then a partial refund (the client's path) and a
    full one (the seed's); order.created and order.updated reach the store's webhook."""
    store_id = _store(runner_url, mailbox, "seed-card-shop")
    owner = _owner_token(runner_url, mailbox, "seed-card-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    secret_key = "sk_test_seed_card_shop_0001"
    integration = _post(f"{admin}/integrations", {"key": "stripe", "provider": {
        "type": "stripe", "secret_key": secret_key, "publishable_key": "pk_test_seed", "webhook_secret": WEBHOOK_SECRET,
        "currency": "USD"}}, owner)
    assert integration.status_code == 200, integration.text
    [us] = [m for m in _get(f"{admin}/markets", owner).json() if m["key"] == "us"]
    assert _put(f"{admin}/markets/{us['id']}", {"payment_methods": [
        {"id": "credit_card", "integration_id": integration.json()["id"]}], "zones": [
        {"countries": ["US"], "tax_bps": 500}]}, owner).status_code == 200
    product = _post(f"{admin}/products", {"key": "mug", "status": "active", "variants": [
        {"prices": [{"currency": "USD", "market": "us", "amount": 1200}],
         "inventory": [{"location_id": "main", "available": 4}]}]}, owner).json()
    receiver = Receiver()
    try:
        hook = _post(f"{admin}/webhooks", {"key": "orders", "url": receiver.url, "headers": {}, "enabled": True,
                                           "events": [{"event": "order.created"}, {"event": "order.updated"}],
                                           "secret": HOOK_SECRET}, owner)
        assert hook.status_code == 200, hook.text

        guest = _post(f"{runner_url}/v1/stores/{store_id}/profiles/initialize", {}).json()
        bearer = _post(f"{runner_url}/v1/stores/{store_id}/profiles/connect", {"email": "card@example.com"},
                       guest["access_token"]).json()["access_token"]
        shop = f"{runner_url}/v1/storefront/{store_id}/carts"
        cart = _post(f"{shop}/current", {"store_id": store_id, "market": "us"}, bearer).json()
        assert _put(f"{shop}/{cart['id']}", {"id": cart["id"], "store_id": store_id, "items": [
            {"type": "product", "product_id": product["id"], "variant_id": product["variants"][0]["id"],
             "quantity": 2}], "shipping_address": {"name": "Sam", "country": "US"}}, bearer).status_code == 200
        result = _post(f"{shop}/{cart['id']}/checkout", {"id": cart["id"], "store_id": store_id,
                                                         "payment_method_id": "credit_card"}, bearer)
        assert result.status_code == 200, result.text
        checkout = result.json()
        order_id, total = checkout["order_id"], checkout["payment"]["total"]
        intent_id = checkout["payment"]["provider"]["payment_intent_id"]
        assert checkout["client_secret"].startswith(f"{intent_id}_secret_") and total == 2520

        # The shopper pays (Stripe.js confirms the intent), and Stripe signs and sends the event.
        stripe_api = _get(f"{runner_url}/_dev/resources").json()["parameters"]["StripeApiBase"]
        confirmed = requests.post(f"{stripe_api}/v1/payment_intents/{intent_id}/confirm",
                                  data={"payment_method": "pm_card_visa"}, timeout=15,
                                  headers={"Authorization": f"Bearer {secret_key}"})
        assert confirmed.status_code == 200 and confirmed.json()["status"] == "succeeded", confirmed.text
        payload = _stripe_event("payment_intent.succeeded", confirmed.json())
        applied = requests.post(f"{admin}/stripe/webhook", data=payload, timeout=15, headers={
            "Content-Type": "application/json", "Stripe-Signature": sign_stripe_payload(payload, WEBHOOK_SECRET)})
        assert applied.status_code == 200 and applied.json()["outcome"] == "applied", applied.text

        # sdk.eshop.order.get({id}) for the shopper; the staff see it paid and confirmed.
        own = _get(f"{runner_url}/v1/storefront/{store_id}/orders/{order_id}", bearer).json()
        assert (own["status"], own["payment"]["paid"]) == ("confirmed", total)
        # sdk.eshop.processRefund({id, amount}): partial; then the seed's store.processRefund({entity, amount}).
        partial = _post(f"{admin}/orders/{order_id}/refund", {"amount": 500}, owner)
        assert partial.status_code == 200, partial.text
        full = _post(f"{admin}/refund", {"entity": order_id, "amount": total - 500}, owner)
        assert full.status_code == 200, full.text
        refunds = full.json()["payment"]["refunds"]
        assert [(r["total"], r["status"]) for r in refunds] == [(500, "succeeded"), (total - 500, "succeeded")]
        assert all(r["provider_refund_id"].startswith("re_") for r in refunds)
        over = _post(f"{admin}/refund", {"entity": order_id, "amount": 1}, owner)
        assert over.status_code == 409 and over.json()["error"] == "ORDER.REFUND_TOO_LARGE"

        def about_order() -> list[dict[str, Any]]:
            return [r.json() for r in receiver.received if r.json()["data"].get("order", {}).get("id") == order_id]

        _wait_for(lambda: len(about_order()) >= 4)
        events = sorted(about_order(), key=lambda e: e["data"]["order"].get("revision", 0))
        assert [(e["type"], e["data"].get("reason")) for e in events] == [
            ("order.created", None), ("order.updated", "payment_succeeded"), ("order.updated", "refunded"),
            ("order.updated", "refunded")]
    finally:
        receiver.close()
