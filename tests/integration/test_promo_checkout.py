"""Promo codes in quotes and checkout: the cart's code is applied in the storefront's and the staff's quotes and
in the cart-less quote (tax after the discount); a code that does not hold is a 400 naming promo_code; checkout
records the code on the order's payment and counts its use on the code and the profile in the order's
transaction, so 5 concurrent checkouts of a limit-2 code make exactly 2 orders and 3 clean 409s; a cancelled or
fully refunded order gives its use back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_carts import ADDRESS, line, make_product, set_up_market, sf
from tests.integration.test_checkout import (
    _filled_cart,
    _orders,
    _outbox,
    checkouts_at_once,
    serialized_transactions,  # noqa: F401 - a fixture this module uses
)
from tests.integration.test_promo_codes import make_code, pc
from tests.support import Api, counting_calls

TEN_PERCENT = {"type": "items_percentage", "market_id": "us", "bps": 1000}


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    set_up_market(api, token, store, [{"id": "cash"}])
    product = make_product(api, token, store)
    return {"token": token, "product": product, "small": product["variants"][0]}


def _with_code(api: Api, store: dict[str, Any], bearer: str, cart: dict[str, Any], code: str) -> None:
    reply = api.call("PUT", sf(store, f"/{cart['id']}"), {"promo_code": code}, token=bearer)
    assert reply.status == 200, reply.body


def _uses(api: Api, token: str, store: dict[str, Any], code: str) -> int:
    return int(api.call("GET", pc(store, f"/{code}"), token=token).body["uses"])


def test_every_quote_applies_the_code_with_tax_after_the_discount(api: Api, store: dict[str, Any],
                                                                  shop: dict[str, Any]) -> None:
    made = make_code(api, shop["token"], store, "TENOFF")
    bearer, cart = _filled_cart(api, store, shop, 3)
    _with_code(api, store, bearer, cart, "tenoff")  # any case
    with counting_calls() as calls:
        reply = api.call("POST", sf(store, f"/{cart['id']}/quote"), {}, token=bearer)
    assert reply.status == 200, reply.body
    assert len(calls) == 2  # the code is read with the market and products
    q = reply.body
    [priced] = q["items"]
    # 3 x 25.00 less 10%: 67.50, taxed 8% after the discount (5.40); shipping 5.00 (+0.40).
    assert (priced["subtotal"], priced["discount"], priced["tax"], priced["total"]) == (7500, 750, 540, 7290)
    assert (q["subtotal"], q["discount"], q["shipping"], q["tax"], q["total"]) == (7500, 750, 500, 580, 7830)
    assert q["charge_amount"] == 7830 and q["payment"]["discount"] == 750
    assert q["promo_code"] == {"promo_code_id": made["id"], "code": "TENOFF", "discounts": [TEN_PERCENT],
                               "conditions": []}
    assert q["payment"]["promo_code"] == {"id": made["id"], "code": "TENOFF", "type": "items_percentage",
                                          "value": 1000}

    staff = api.call("POST", f"/v1/stores/{store['id']}/carts/{cart['id']}/quote", {}, token=shop["token"])
    assert staff.status == 200 and staff.body["total"] == 7830
    lines_only = api.call("POST", f"/v1/stores/{store['id']}/orders/quote", {
        "market": "us", "items": [line(shop, 3)], "shipping_address": ADDRESS, "shipping_method_id": "standard",
        "promo_code": "TENOFF"}, token=shop["token"])
    assert lines_only.status == 200, lines_only.body
    assert (lines_only.body["discount"], lines_only.body["total"]) == (750, 7830)


@pytest.mark.parametrize(("code", "conditions", "reason"), [
    ("NOPE", None, "no promo code 'NOPE' in this store"),
    ("OLD", [{"type": "date_range", "value": {"type": "date_range", "value": {"end": 1000}}}], "expired on"),
    ("BIG", [{"type": "min_order_amount", "value": {"type": "amount", "value": 100000}}], "at least 100000 USD"),
])
def test_a_code_that_does_not_hold_is_a_400_naming_it_and_checkout_writes_nothing(
        api: Api, store: dict[str, Any], shop: dict[str, Any], code: str, conditions: list[dict[str, Any]] | None,
        reason: str) -> None:
    if conditions is not None:
        make_code(api, shop["token"], store, code, conditions=conditions)
    bearer, cart = _filled_cart(api, store, shop, 1)
    _with_code(api, store, bearer, cart, code)
    for tail in ("/quote", "/checkout"):
        reply = api.call("POST", sf(store, f"/{cart['id']}{tail}"), {}, token=bearer)
        assert reply.status == 400, reply.body
        [error] = reply.body["validationErrors"]
        assert error["field"] == "promo_code" and reason in error["error"], error
    assert _orders(store["id"]) == []


def test_checkout_records_the_code_and_counts_its_use_on_the_code_and_the_profile(
        api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    made = make_code(api, shop["token"], store, "ONCE", conditions=[
        {"type": "max_uses_per_user", "value": {"type": "count", "value": 1}}])
    bearer, cart = _filled_cart(api, store, shop, 1)
    _with_code(api, store, bearer, cart, "ONCE")
    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert reply.status == 200, reply.body
    payment = reply.body["payment"]
    assert payment["discount"] == 250 and payment["promo_code"]["id"] == made["id"]
    assert _uses(api, shop["token"], store, "ONCE") == 1
    profile_id = cart["profile_id"]
    detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{profile_id}", token=shop["token"]).body
    assert detail["profile"]["promo_usage"] == [{"promo_code_id": made["id"], "uses": 1}]

    # The same profile's next cart: the quote refuses the code it used as often as it may.
    again = api.call("POST", f"/v1/stores/{store['id']}/carts", {
        "profile_id": profile_id, "market": "us", "items": [line(shop)], "promo_code": "ONCE"}, token=shop["token"])
    assert again.status == 200, again.body
    refused = api.call("POST", f"/v1/stores/{store['id']}/carts/{again.body['id']}/quote", {}, token=shop["token"])
    assert refused.status == 400 and "as often as one customer may" in refused.body["validationErrors"][0]["error"]


@pytest.mark.usefixtures("serialized_transactions")
def test_five_concurrent_checkouts_of_a_limit_two_code_make_two_orders(api: Api, store: dict[str, Any],
                                                                      shop: dict[str, Any]) -> None:
    make_code(api, shop["token"], store, "TWO", conditions=[{"type": "max_uses", "value": {"type": "count",
                                                                                            "value": 2}}])
    carts = [_filled_cart(api, store, shop, 1) for _ in range(5)]
    for bearer, cart in carts:
        _with_code(api, store, bearer, cart, "TWO")
    outcomes = checkouts_at_once(store["id"], carts)
    placed = [o for o in outcomes if o.startswith("#")]
    assert len(placed) == 2 and sorted(set(outcomes) - set(placed)) == ["CART.PROMO_CODE_EXHAUSTED"]
    orders = _orders(store["id"])
    assert len(orders) == 2 and all(o["payment"]["discount"] == 250 for o in orders)
    assert len(_outbox(store["id"], "order.created")) == 2
    assert _uses(api, shop["token"], store, "TWO") == 2
    # Nothing was written for the three refused: their carts are still open, their profiles never used it.
    refused = [cart for (_, cart), outcome in zip(carts, outcomes, strict=True) if not outcome.startswith("#")]
    for bearer, cart in [(b, c) for b, c in carts if c in refused]:
        assert api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body["status"] == "active"
        detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{cart['profile_id']}", token=shop["token"])
        assert detail.body["profile"]["promo_usage"] == []


def test_max_uses_per_user_is_a_condition_of_the_orders_transaction(
        api: Api, store: dict[str, Any], shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checkouts of one profile that both read it had not used the code yet (a race, made certain here by
    reading no use at all): the second one's transaction is refused, a 409, and writes nothing."""
    from storecrm.commerce.repositories.promo_codes import PromoCodeRepository

    make_code(api, shop["token"], store, "MINE", conditions=[
        {"type": "max_uses_per_user", "value": {"type": "count", "value": 1}}])
    bearer, first = _filled_cart(api, store, shop, 1)
    _with_code(api, store, bearer, first, "MINE")
    second = api.call("POST", f"/v1/stores/{store['id']}/carts", {
        "profile_id": first["profile_id"], "market": "us", "items": [line(shop)], "promo_code": "MINE",
        "payment_method_id": "cash"}, token=shop["token"]).body
    monkeypatch.setattr(PromoCodeRepository, "profile_uses", staticmethod(lambda facts, promo_code_id: 0))
    assert api.call("POST", sf(store, f"/{first['id']}/checkout"), {}, token=bearer).status == 200
    refused = api.call("POST", f"/v1/stores/{store['id']}/carts/{second['id']}/checkout", {}, token=shop["token"])
    assert refused.status == 409 and refused.body["error"] == "CART.PROMO_CODE_EXHAUSTED", refused.body
    assert len(_orders(store["id"])) == 1 and _uses(api, shop["token"], store, "MINE") == 1


def _placed(api: Api, store: dict[str, Any], shop: dict[str, Any], code: str) -> tuple[str, dict[str, Any]]:
    bearer, cart = _filled_cart(api, store, shop, 1)
    _with_code(api, store, bearer, cart, code)
    reply = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert reply.status == 200, reply.body
    return str(reply.body["order_id"]), cart


def test_a_cancelled_or_fully_refunded_order_gives_its_use_back_once(api: Api, store: dict[str, Any],
                                                                     shop: dict[str, Any]) -> None:
    token = shop["token"]
    make_code(api, token, store, "BACK")
    orders = f"/v1/stores/{store['id']}/orders"
    cancelled_id, cart = _placed(api, store, shop, "BACK")
    refunded_id, _ = _placed(api, store, shop, "BACK")
    assert _uses(api, token, store, "BACK") == 2

    cancel = api.call("PUT", f"{orders}/{cancelled_id}", {"cancel": True}, token=token)
    assert cancel.status == 200, cancel.body
    assert [h["action"] for h in cancel.body["history"]][-1] == "promo_code_returned"
    assert _uses(api, token, store, "BACK") == 1
    detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{cart['profile_id']}", token=token).body
    assert detail["profile"]["promo_usage"] == []

    total = api.call("GET", f"{orders}/{refunded_id}", token=token).body["payment"]["total"]
    assert api.call("PUT", f"{orders}/{refunded_id}", {"payment": {"paid": total}}, token=token).status == 200
    part = api.call("POST", f"{orders}/{refunded_id}/refund", {"amount": 100}, token=token)
    assert part.status == 200 and _uses(api, token, store, "BACK") == 1  # a partial refund keeps the use
    rest = api.call("POST", f"{orders}/{refunded_id}/refund", {"amount": total - 100}, token=token)
    assert rest.status == 200, rest.body
    assert _uses(api, token, store, "BACK") == 0
    # Cancelling it after its full refund gives nothing back twice.
    assert api.call("PUT", f"{orders}/{refunded_id}", {"cancel": True}, token=token).status == 200
    assert _uses(api, token, store, "BACK") == 0


def test_an_order_whose_code_was_deleted_still_cancels(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    token = shop["token"]
    made = make_code(api, token, store, "GONE")
    order_id, _ = _placed(api, store, shop, "GONE")
    assert api.call("DELETE", pc(store, f"/{made['id']}"), token=token).status == 200
    cancel = api.call("PUT", f"/v1/stores/{store['id']}/orders/{order_id}", {"cancel": True}, token=token)
    assert cancel.status == 200 and cancel.body["status"] == "cancelled"
    assert cancel.body["payment"]["promo_code"]["code"] == "GONE"  # the order keeps the code it used


def test_a_merged_profiles_uses_count_for_the_profile_it_was_merged_into(api: Api, store: dict[str, Any],
                                                                          shop: dict[str, Any]) -> None:
    token = shop["token"]
    made = make_code(api, token, store, "MERGED", conditions=[
        {"type": "max_uses_per_user", "value": {"type": "count", "value": 1}}])
    _, cart = _placed(api, store, shop, "MERGED")
    profiles = f"/v1/stores/{store['id']}/profiles"
    target = api.call("POST", profiles, {"email": "target@example.com"}, token=token).body
    merged = api.call("POST", f"{profiles}/{target['id']}/merge", {"source_id": cart["profile_id"]}, token=token)
    assert merged.status == 200, merged.body
    detail = api.call("GET", f"{profiles}/{target['id']}", token=token).body
    assert detail["profile"]["promo_usage"] == [{"promo_code_id": made["id"], "uses": 1}]
