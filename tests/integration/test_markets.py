"""Markets: list (plain array), create, get, update, delete, unique keys, cross-store isolation."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls


def test_market_crud(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/markets"
    created = api.call("POST", base, {"key": "uk", "currency": "gbp", "tax_mode": "inclusive",
                                      "payment_methods": ["card"], "zones": [{"name": "UK", "countries": ["GB"]}]},
                       token=token)
    assert created.status == 200, created.body
    market = created.body
    assert market["currency"] == "GBP" and market["store_id"] == store["id"]
    assert api.call("GET", f"{base}/{market['id']}", token=token).body == market
    updated = api.call("PUT", f"{base}/{market['id']}", {"key": "gb", "tax_mode": "exclusive"}, token=token)
    assert updated.status == 200 and updated.body["key"] == "gb" and updated.body["currency"] == "GBP"
    assert api.call("POST", base, {"key": "uk", "currency": "GBP"}, token=token).status == 200  # old key free
    listing = api.call("GET", base, token=token).body
    assert isinstance(listing, list) and sorted(m["key"] for m in listing) == ["eu", "gb", "uk", "us"]
    assert api.call("DELETE", f"{base}/{market['id']}", token=token).body == {"deleted": True}
    assert api.call("GET", f"{base}/{market['id']}", token=token).status == 404


def test_market_key_is_unique_per_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    reply = api.call("POST", f"/v1/stores/{store['id']}/markets", {"key": "us", "currency": "USD"},
                     token=owner["access_token"])
    assert reply.status == 409 and reply.error == "MARKET.KEY_TAKEN"


def test_market_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    base = f"/v1/stores/{store['id']}/markets"
    for body in [{"key": "ca"}, {"key": "ca", "currency": "DOLLARS"}, {"key": "ca", "currency": "CAD",
                                                                          "tax_mode": "sometimes"},
                 {"key": "ca", "currency": "CAD", "zones": [{"countries": ["canada"]}]}]:
        reply = api.call("POST", base, body, token=owner["access_token"])
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", reply.body
    assert api.call("GET", f"{base}/not-a-market", token=owner["access_token"]).status == 404


def test_other_stores_cannot_read_or_change_markets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    base = f"/v1/stores/{store['id']}/markets"
    market_id = api.call("GET", base, token=owner["access_token"]).body[0]["id"]
    other = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC",
                                          "billing_email": "r@example.com"}, token=other).body
    for method, body in [("GET", None), ("PUT", {"currency": "JPY"}), ("DELETE", None)]:
        assert api.call(method, f"{base}/{market_id}", body, token=other).status == 404
    # Reaching the market through the rival's own store id does not work either.
    assert api.call("GET", f"/v1/stores/{own['id']}/markets/{market_id}", token=other).status == 404


def test_get_market_is_one_aws_call(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    base = f"/v1/stores/{store['id']}/markets"
    market_id = api.call("GET", base, token=owner["access_token"]).body[0]["id"]
    with counting_calls() as calls:
        api.call("GET", f"{base}/{market_id}", token=owner["access_token"])
    assert calls.calls == ["dynamodb.BatchGetItem"]
