"""Promo codes over HTTP against the local runner, with the arky-sdk 0.9.1 (fe001ba) paths and bodies: staff
promoCode.createPromoCode and getPromoCodes, then the storefront's cart.update with the code, cart.quote and
cart.checkout; the order's payment carries the code and the code counts its use (promoCode.getPromoCode)."""

from __future__ import annotations

from tests.e2e.conftest import LatestCode
from tests.e2e.test_checkout_flow import _put
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token


def test_a_code_created_applied_in_a_quote_and_used_by_an_order(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "promo-code-shop")
    owner = _owner_token(runner_url, mailbox, "promo-code-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    [us] = [m for m in _get(f"{admin}/markets", owner).json() if m["key"] == "us"]
    assert _put(f"{admin}/markets/{us['id']}", {"payment_methods": [{"id": "cash"}], "zones": [
        {"countries": ["US"], "tax_bps": 1000}]}, owner).status_code == 200
    product = _post(f"{admin}/products", {"key": "lamp", "status": "active", "variants": [
        {"prices": [{"currency": "USD", "market": "us", "amount": 4000}],
         "inventory": [{"location_id": "main", "available": 5}]}]}, owner).json()

    # promoCode.createPromoCode({code, discounts, conditions}): the store comes from the path.
    made = _post(f"{admin}/promo-codes", {"code": "LAMP25", "discounts": [
        {"type": "items_percentage", "market_id": us["id"], "bps": 2500}], "conditions": [
        {"type": "max_uses", "value": {"type": "count", "value": 10}},
        {"type": "products", "value": {"type": "ids", "value": [product["id"]]}}]}, owner)
    assert made.status_code == 200, made.text
    code = made.json()
    listed = _get(f"{admin}/promo-codes?limit=20&status=active", owner).json()
    assert [p["id"] for p in listed["items"]] == [code["id"]] and listed["cursor"] is None

    identified = _post(f"{runner_url}/v1/storefront/{store_id}/profiles/identify",
                       {"store_id": store_id, "market": "us", "email": "lamp@example.com", "verify": False})
    bearer = identified.json()["token"]["token"]
    shop = f"{runner_url}/v1/storefront/{store_id}/carts"
    cart = _post(f"{shop}/current", {"store_id": store_id, "market": "us"}, bearer).json()
    # The storefront store's applyPromoCode: cart.update with promo_code, then the quote.
    updated = _put(f"{shop}/{cart['id']}", {"id": cart["id"], "market": "us", "items": [
        {"type": "product", "product_id": product["id"], "variant_id": product["variants"][0]["id"], "quantity": 2}],
        "shipping_address": {"name": "Lu", "country": "US", "email": "lamp@example.com"}, "promo_code": "lamp25"},
        bearer)
    assert updated.status_code == 200, updated.text
    quote = _post(f"{shop}/{cart['id']}/quote", {"id": cart["id"], "store_id": store_id}, bearer)
    assert quote.status_code == 200, quote.text
    q = quote.json()
    # 2 x 40.00 less 25%: 60.00, then 10% tax on it.
    assert (q["subtotal"], q["discount"], q["tax"], q["total"]) == (8000, 2000, 600, 6600)
    assert q["promo_code"]["promo_code_id"] == code["id"] and q["items"][0]["discount"] == 2000

    placed = _post(f"{shop}/{cart['id']}/checkout", {"id": cart["id"], "store_id": store_id}, bearer)
    assert placed.status_code == 200, placed.text
    payment = placed.json()["payment"]
    assert (payment["discount"], payment["total"]) == (2000, 6600)
    assert payment["promo_code"] == {"id": code["id"], "code": "LAMP25", "type": "items_percentage", "value": 2500}
    # promoCode.getPromoCode({id})
    assert _get(f"{admin}/promo-codes/{code['id']}", owner).json()["uses"] == 1
