"""Fulfilment over HTTP against the local runner (issue 28), with the arky-sdk 0.9.1 (fe001ba) paths and bodies of
`shipping.getRates` and `shipping.ship`: a card order paid through the fake Stripe, Shippo rates and a label from
the runner's fake Shippo, the stock leaving, the shipment on the staff's and the shopper's order, and the tracking
mail in the dev mailbox."""

from __future__ import annotations

import time
from typing import Any

import requests
from localrunner.fake_stripe import sign_stripe_payload
from tests.e2e.conftest import LatestCode
from tests.e2e.test_checkout_flow import _put, _stripe_event
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token

WEBHOOK_SECRET = "whsec_fulfilment_flow"
DEPOT = {"name": "Depot", "street1": "5 Depot Rd", "city": "Springfield", "state": "IL", "postal_code": "62702",
         "country": "US"}
HOME = {"name": "Sam", "street1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701",
        "country": "US", "email": "parcel@example.com"}


def _mails(base: str, email: str) -> list[dict[str, Any]]:
    reply = requests.get(f"{base}/_dev/mailbox", params={"to": email}, timeout=5)
    reply.raise_for_status()
    return list(reply.json()["items"])


def test_rates_ship_with_a_shippo_label_and_the_tracking_mail(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "fulfilment-shop")
    owner = _owner_token(runner_url, mailbox, "fulfilment-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    secret_key = "sk_test_fulfilment_shop_01"
    stripe = _post(f"{admin}/integrations", {"key": "stripe", "provider": {
        "type": "stripe", "secret_key": secret_key, "publishable_key": "pk_test_fulfil",
        "webhook_secret": WEBHOOK_SECRET, "currency": "USD"}}, owner)
    shippo = _post(f"{admin}/integrations", {"key": "shippo", "provider": {
        "type": "shippo", "api_token": "shippo_test_fulfilment_shop"}}, owner)
    assert stripe.status_code == 200 and shippo.status_code == 200, (stripe.text, shippo.text)
    [us] = [m for m in _get(f"{admin}/markets", owner).json() if m["key"] == "us"]
    assert _put(f"{admin}/markets/{us['id']}", {"payment_methods": [
        {"id": "credit_card", "integration_id": stripe.json()["id"]}], "zones": [
        {"countries": ["US"], "tax_bps": 0}]}, owner).status_code == 200
    depot = _post(f"{admin}/locations", {"key": "depot", "address": DEPOT}, owner).json()
    product = _post(f"{admin}/products", {"key": "lamp", "status": "active", "variants": [
        {"prices": [{"currency": "USD", "market": "us", "amount": 4000}],
         "inventory": [{"location_id": depot["id"], "available": 5}]}]}, owner).json()

    # The shopper checks out two lamps by card and pays.
    guest = _post(f"{runner_url}/v1/stores/{store_id}/profiles/initialize", {}).json()
    bearer = _post(f"{runner_url}/v1/stores/{store_id}/profiles/connect", {"email": HOME["email"]},
                   guest["access_token"]).json()["access_token"]
    carts = f"{runner_url}/v1/storefront/{store_id}/carts"
    cart = _post(f"{carts}/current", {"store_id": store_id, "market": "us"}, bearer).json()
    assert _put(f"{carts}/{cart['id']}", {"id": cart["id"], "store_id": store_id, "items": [
        {"type": "product", "product_id": product["id"], "variant_id": product["variants"][0]["id"],
         "quantity": 2}], "shipping_address": HOME}, bearer).status_code == 200
    checkout = _post(f"{carts}/{cart['id']}/checkout", {"id": cart["id"], "store_id": store_id,
                                                        "payment_method_id": "credit_card"}, bearer).json()
    order_id, intent_id = checkout["order_id"], checkout["payment"]["provider"]["payment_intent_id"]
    stripe_api = _get(f"{runner_url}/_dev/resources").json()["parameters"]["StripeApiBase"]
    confirmed = requests.post(f"{stripe_api}/v1/payment_intents/{intent_id}/confirm",
                              data={"payment_method": "pm_card_visa"}, timeout=15,
                              headers={"Authorization": f"Bearer {secret_key}"})
    payload = _stripe_event("payment_intent.succeeded", confirmed.json())
    applied = requests.post(f"{admin}/stripe/webhook", data=payload, timeout=15, headers={
        "Content-Type": "application/json", "Stripe-Signature": sign_stripe_payload(payload, WEBHOOK_SECRET)})
    assert applied.status_code == 200 and applied.json()["outcome"] == "applied", applied.text

    # sdk.shipping.getRates({order_id, shipping_provider_id, from_address, to_address, parcel})
    rates = _post(f"{admin}/orders/{order_id}/shipping/rates", {
        "shipping_provider_id": shippo.json()["id"], "from_address": DEPOT, "to_address": HOME,
        "parcel": {"length": 12, "width": 12, "height": 20, "weight": 3, "distance_unit": "in", "mass_unit": "lb"}},
        owner)
    assert rates.status_code == 200, rates.text
    cheapest = min(rates.json()["rates"], key=lambda r: r["amount"])
    assert (cheapest["provider"], cheapest["carrier"], cheapest["currency"]) == ("shippo", "USPS", "USD")

    # sdk.shipping.ship({order_id, rate_id, carrier, service, location_id, lines})
    order = _get(f"{admin}/orders/{order_id}", owner).json()
    before = len(_mails(runner_url, HOME["email"]))
    shipped = _post(f"{admin}/orders/{order_id}/ship", {
        "rate_id": cheapest["id"], "carrier": cheapest["carrier"], "service": cheapest["service"],
        "location_id": depot["id"], "lines": [{"order_item_id": order["items"][0]["id"], "quantity": 2}]}, owner)
    assert shipped.status_code == 200, shipped.text
    result = shipped.json()
    assert result["tracking_number"] and result["label_url"].endswith(".pdf") and result["tracking_url"]

    stock = _get(f"{admin}/products/{product['id']}", owner).json()["variants"][0]["inventory"][0]
    assert (stock["available"], stock["reserved"]) == (3, 0)
    staff_view = _get(f"{admin}/orders/{order_id}", owner).json()
    [shipment] = staff_view["shipments"]
    assert (shipment["id"], shipment["status"], shipment["tracking_number"], staff_view["fulfillment_status"]) == (
        result["shipment_id"], "label_created", result["tracking_number"], "shipped")
    own = _get(f"{runner_url}/v1/storefront/{store_id}/orders/{order_id}", bearer).json()
    assert own["shipments"] == staff_view["shipments"]

    # The tracking mail reaches the dev mailbox (through the store-mail outbox and the mail function).
    deadline = time.monotonic() + 20
    while len(mails := _mails(runner_url, HOME["email"])) <= before:
        assert time.monotonic() < deadline, "no tracking mail"
        time.sleep(0.2)
    assert result["tracking_number"] in str(mails[-1])
