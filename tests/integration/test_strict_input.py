"""Request bodies take the JSON types they name (issue 10, section 1): `true` is not a price amount, an
interval count, a coordinate or a timestamp, and neither is "500" or 500.0 where an integer is due."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api

ARKY_ERROR_KEYS = {"message", "error", "statusCode", "validationErrors"}


def _assert_400(reply: Any, field: str) -> None:
    assert reply.status == 400, reply.body
    assert set(reply.body) == ARKY_ERROR_KEYS and reply.body["error"] == "GENERAL.VALIDATION_ERROR"
    assert [e["field"] for e in reply.body["validationErrors"]] == [field], reply.body


def _price(**changes: Any) -> dict[str, Any]:
    return {"currency": "USD", "amount": 500, "interval": {"period": "month", "count": 1}, **changes}


@pytest.mark.parametrize(("price", "field"), [
    (_price(amount=True), "prices.0.amount"),
    (_price(amount=False), "prices.0.amount"),
    (_price(amount="500"), "prices.0.amount"),
    (_price(amount=500.0), "prices.0.amount"),
    (_price(interval={"period": "month", "count": True}), "prices.0.interval.count"),
    (_price(interval={"period": "year", "count": "2"}), "prices.0.interval.count"),
])
def test_audience_prices_take_integers_only(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                            price: dict[str, Any], field: str) -> None:
    path = f"/v1/stores/{store['id']}/audiences"
    _assert_400(api.call("POST", path, {"key": "vip", "type": "paid", "prices": [price]},
                         token=owner["access_token"]), field)
    nested = api.call("POST", path, {"key": "vip", "type": {"type": "paid", "prices": [price]}},
                      token=owner["access_token"])
    # The {type, ...} form is one branch of a union: pydantic reports each branch (the field names the branch).
    assert nested.status == 400 and any(e["field"] == f"type.AudienceTypeIn.{field}"
                                        for e in nested.body["validationErrors"]), nested.body
    assert api.call("GET", f"{path}/vip", token=owner["access_token"]).status == 404  # nothing was stored


def test_integer_prices_are_taken(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    reply = api.call("POST", f"/v1/stores/{store['id']}/audiences",
                     {"key": "vip", "type": "paid", "prices": [_price(amount=0), _price(amount=100_000_000)]},
                     token=owner["access_token"])
    assert reply.status == 200, reply.body
    assert [p["amount"] for p in reply.body["type"]["prices"]] == [0, 100_000_000]


@pytest.mark.parametrize("point", [{"lat": True, "lon": 1}, {"lat": 1, "lon": False}, {"lat": "1", "lon": 2}])
def test_coordinates_are_numbers_not_booleans(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                              point: dict[str, Any]) -> None:
    body = {"email": "geo@example.com", "taxonomies": [{"taxonomy_id": "t", "fields": [
        {"key": "home", "type": "geo_location", "value": point}]}]}
    reply = api.call("POST", f"/v1/stores/{store['id']}/profiles", body, token=owner["access_token"])
    assert reply.status == 400 and reply.body["error"] == "GENERAL.VALIDATION_ERROR", reply.body
    assert reply.body["validationErrors"][0]["field"].startswith("taxonomies.0.fields.0.value"), reply.body
    fine = {**body, "taxonomies": [{"taxonomy_id": "t", "fields": [
        {"key": "home", "type": "geo_location", "value": {"lat": 52, "lon": 13.4}}]}]}
    assert api.call("POST", f"/v1/stores/{store['id']}/profiles", fine, token=owner["access_token"]).status == 200


def test_integration_timestamps_are_integers(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    provider = {"type": "google", "client_id": "cid", "client_secret": "csecret-123456"}
    path = f"/v1/stores/{store['id']}/integrations"
    reply = api.call("POST", path, {"key": "google", "provider": {**provider, "token_expires_at": True}},
                     token=owner["access_token"])
    _assert_400(reply, "provider.token_expires_at")
    assert api.call("GET", path, token=owner["access_token"]).body == []
    assert api.call("POST", path, {"key": "google", "provider": {**provider, "token_expires_at": 1_900_000_000}},
                    token=owner["access_token"]).status == 200
