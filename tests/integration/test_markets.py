"""Markets: list (plain array), create, get, update, delete, unique keys, cross-store isolation."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls


def test_market_crud(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/markets"
    created = api.call("POST", base, {"key": "uk", "currency": "gbp", "tax_mode": "inclusive",
                                      "payment_methods": [{"id": "cash"}],
                                      "zones": [{"countries": ["GB"], "tax_bps": 2000}]},
                       token=token)
    assert created.status == 200, created.body
    market = created.body
    assert market["currency"] == "GBP" and market["store_id"] == store["id"]
    assert market["payment_methods"] == [{"id": "cash", "integration_id": None}]
    [zone] = market["zones"]
    assert zone["id"] and zone["market_id"] == market["id"] and zone["store_id"] == store["id"]
    assert (zone["countries"], zone["states"], zone["postal_codes"], zone["tax_bps"]) == (["GB"], [], [], 2000)
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
                 {"key": "ca", "currency": "CAD", "zones": [{"countries": ["canada"]}]},
                 # Codes are checked against ISO's lists (storecrm.kernel.geo), not only their shape.
                 {"key": "ca", "currency": "XYZ"}, {"key": "ca", "currency": "CAD", "zones": [{"countries": ["XX"]}]},
                 {"key": "ca", "currency": "CAD", "zones": [{"countries": ["CA"], "states": ["IL"]}]},
                 {"key": "ca", "currency": "CAD", "zones": [{"states": ["QC"]}]}]:
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


def _stripe(api: Api, token: str, store_id: str) -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store_id}/integrations", {"key": "stripe", "provider": {
        "type": "stripe", "secret_key": "sk_test_1", "publishable_key": "pk_test_1"}}, token=token)
    assert reply.status == 200, reply.body
    return reply.body


def test_payment_methods_and_zones_in_the_clients_shape(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/markets"
    stripe = _stripe(api, token, store["id"])
    zones = [{"id": "uk-mainland", "countries": ["GB"], "postal_codes": ["BT*"], "tax_bps": 2000,
              "shipping_methods": [{"id": "standard", "amount": 499, "eta_text": "2-3 days", "free_above": 5000,
                                    "weight_tiers": [{"up_to_grams": 1000, "amount": 499}]}]}]
    created = api.call("POST", base, {"key": "uk", "currency": "GBP", "tax_mode": "inclusive", "zones": zones,
                                      "payment_methods": [{"id": "cash"}, {"id": "credit_card",
                                                                           "integration_id": stripe["id"]}]},
                       token=token)
    assert created.status == 200, created.body
    market = created.body
    assert market["payment_methods"][1] == {"id": "credit_card", "integration_id": stripe["id"]}
    [zone] = market["zones"]
    assert zone["id"] == "uk-mainland" and zone["tax_bps"] == 2000
    assert zone["shipping_methods"] == [{"id": "standard", "taxable": True, "eta_text": "2-3 days",
                                         "location_id": None, "integration_id": None, "amount": 499,
                                         "free_above": 5000, "weight_tiers": [{"up_to_grams": 1000, "amount": 499}]}]
    # Zones are replaced whole; a zone sent back with its id keeps it.
    updated = api.call("PUT", f"{base}/{market['id']}", {"zones": [{**zone, "tax_bps": 500}, {"countries": ["IE"]}]},
                       token=token).body
    assert [z["tax_bps"] for z in updated["zones"]] == [500, 0] and updated["zones"][0]["id"] == "uk-mainland"
    assert updated["payment_methods"] == market["payment_methods"]
    assert api.call("GET", f"/v1/storefront/{store['id']}/markets/uk").body["zones"] == updated["zones"]


def test_bad_payment_methods_and_zones_name_the_field(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/markets"
    other_token = login(api, "rival@example.com")["access_token"]
    rival = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=other_token).body
    theirs = _stripe(api, other_token, rival["id"])
    mailer = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "mail", "provider": {
        "type": "send_grid", "api_key": "SG.x"}}, token=token)
    cases = [
        ({"payment_methods": [{"id": "credit_card"}]}, "payment_methods.0.integration_id"),
        ({"payment_methods": [{"id": "credit_card", "integration_id": theirs["id"]}]},
         "payment_methods.0.integration_id"),
        ({"payment_methods": [{"id": "credit_card", "integration_id": "nope"}]}, "payment_methods.0.integration_id"),
        ({"payment_methods": [{"id": "cash"}, {"id": "cash"}]}, "payment_methods.1.id"),
        ({"payment_methods": [{"id": "cash", "integration_id": theirs["id"]}]}, "payment_methods.0.integration_id"),
        ({"payment_methods": ["card"]}, "payment_methods.0"),
        ({"zones": [{"tax_bps": 10_001}]}, "zones.0.tax_bps"),
        ({"zones": [{"tax_bps": "20"}]}, "zones.0.tax_bps"),
        ({"zones": [{"shipping_methods": [{"id": "s", "amount": -1}]}]}, "zones.0.shipping_methods.0.amount"),
        ({"zones": [{"shipping_methods": [{"id": "s", "amount": 1}, {"id": "s", "amount": 2}]}]},
         "zones.0.shipping_methods"),
        ({"zones": [{"id": "a"}, {"id": "a"}]}, "zones"),
        ({"zones": [{"shipping_methods": [{"id": "s", "amount": 1, "integration_id": theirs["id"]}]}]},
         "zones.0.shipping_methods.0.integration_id"),
    ]
    if mailer.status == 200:
        cases.append(({"payment_methods": [{"id": "credit_card", "integration_id": mailer.body["id"]}]},
                      "payment_methods.0.integration_id"))
    for extra, field in cases:
        reply = api.call("POST", base, {"key": "ca", "currency": "CAD", **extra}, token=token)
        assert reply.status == 400, (extra, reply.body)
        assert field in [e["field"] for e in reply.body["validationErrors"]], (extra, reply.body)
    assert [m["key"] for m in api.call("GET", base, token=token).body if m["key"] == "ca"] == []
    us = next(m for m in api.call("GET", base, token=token).body if m["key"] == "us")
    reply = api.call("PUT", f"{base}/{us['id']}", {"payment_methods": [{"id": "credit_card",
                                                                         "integration_id": theirs["id"]}]}, token=token)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "payment_methods.0.integration_id"
    assert api.call("GET", f"{base}/{us['id']}", token=token).body == us


def test_markets_stored_in_the_earlier_shape_still_read(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.keys import market
    from storecrm.kernel.repositories.table import put

    token, base = owner["access_token"], f"/v1/stores/{store['id']}/markets"
    us = next(m for m in api.call("GET", base, token=token).body if m["key"] == "us")
    table = default_table()
    item = table.get(market(store["id"], us["id"]))
    assert item is not None
    item.update(payment_methods=["cash", "card"], zones=[{"name": "United States", "countries": ["US"]}])
    table.transact([put(item)])
    read = api.call("GET", f"{base}/{us['id']}", token=token).body
    assert read["payment_methods"] == [{"id": "cash", "integration_id": None}]
    assert read["zones"][0]["countries"] == ["US"] and read["zones"][0]["market_id"] == us["id"]
    assert api.call("GET", f"{base}/{us['id']}", token=token).body["zones"][0]["id"] == read["zones"][0]["id"]


def test_zone_states_are_kept_as_the_codes_addresses_use(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    # A state given by its full ISO code or its name is kept as the short code a checked address carries.
    reply = api.call("POST", f"/v1/stores/{store['id']}/markets", {"key": "ca", "currency": "cad", "zones": [
        {"countries": ["CA", "US"], "states": ["CA-QC", "illinois", "on"]}]}, token=owner["access_token"])
    assert reply.status == 200, reply.body
    assert reply.body["currency"] == "CAD" and reply.body["zones"][0]["states"] == ["QC", "IL", "ON"]
