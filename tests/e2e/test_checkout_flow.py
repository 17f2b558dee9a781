"""The seed's "E-commerce Checkout" flow over HTTP against the local runner, with the arky-sdk 0.9.1 (fe001ba)
paths and bodies: initialize, connect, cart.current, cart.update, cart.checkout."""

from __future__ import annotations

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token


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
