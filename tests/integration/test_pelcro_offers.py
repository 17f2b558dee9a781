"""Offers (plans, coupons, product SKUs) with segments: staff CRUD, and what a Pelcro-style customer is eligible for."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import login
from tests.integration.test_pelcro_customers import (  # noqa: F401 - cheap_hashing is an autouse fixture
    SDK,
    assert_error,
    cheap_hashing,
    customer,
    other_store,
    register,
)
from tests.support import Api, counting_calls

GOLD = {"name": "gold members", "taxonomy_query": [
    {"taxonomy_id": "loyalty", "query": [{"key": "tier", "type": "text", "value": "gold"}]}]}
ADULTS = {"name": "adults", "taxonomy_query": [
    {"taxonomy_id": "facts", "query": [{"key": "age", "type": "number", "operation": "gte", "value": 18}]}]}
PLAN = {"kind": "plan", "name": "Gold monthly", "amount": 999, "currency": "USD", "interval": "month",
        "segments": [GOLD]}
COUPON = {"kind": "coupon", "name": "Welcome", "code": "WELCOME10", "percent_off": 10, "duration": "once"}
SKU = {"kind": "product_sku", "name": "Tote bag", "sku": "TOTE-1", "amount": 2500, "currency": "EUR",
       "segments": [GOLD, ADULTS]}


def offers_path(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/stores/{store['id']}/offers{tail}"


def create(api: Api, owner: dict[str, Any], store: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("POST", offers_path(store), body, token=owner["access_token"])
    assert reply.status == 200, reply.body
    made: dict[str, Any] = reply.body
    return made


def set_taxonomies(api: Api, owner: dict[str, Any], store: dict[str, Any], email: str, taxonomies: Any) -> None:
    profile_id = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": email},
                          token=owner["access_token"]).body["id"]
    reply = api.call("PUT", f"/v1/stores/{store['id']}/profiles/{profile_id}", {"taxonomies": taxonomies},
                     token=owner["access_token"])
    assert reply.status == 200, reply.body


def eligible(api: Api, store: dict[str, Any], token: str, kind: str) -> Any:
    return api.call("GET", f"{SDK}/customer/{kind}", token=token, query={"site_id": store["id"]})


# ---------------------------------------------------------------------------- staff
def test_staff_create_list_get_replace_delete(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    plan, coupon, sku = (create(api, owner, store, body) for body in (PLAN, COUPON, SKU))
    assert (plan["kind"], plan["amount"], plan["interval"], plan["interval_count"]) == ("plan", 999, "month", 1)
    assert plan["segments"][0]["taxonomy_query"][0]["query"][0]["value"] == "gold"
    assert (coupon["code"], coupon["percent_off"], coupon["segments"]) == ("WELCOME10", 10, [])
    assert (sku["sku"], sku["currency"], len(sku["segments"])) == ("TOTE-1", "EUR", 2)
    listed = api.call("GET", offers_path(store), token=token)
    # Oldest first; made in the same second, in either order.
    assert listed.status == 200
    assert sorted(o["id"] for o in listed.body) == sorted([plan["id"], coupon["id"], sku["id"]])
    only_coupons = api.call("GET", offers_path(store), token=token, query={"kind": "coupon"})
    assert [o["id"] for o in only_coupons.body] == [coupon["id"]]
    with counting_calls() as calls:
        got = api.call("GET", offers_path(store, f"/{plan['id']}"), token=token)
    assert got.body == plan and len(calls) == 1
    replaced = api.call("PUT", offers_path(store, f"/{plan['id']}"),
                        {**PLAN, "amount": 1299, "interval": "year", "segments": []}, token=token)
    assert replaced.status == 200, replaced.body
    assert (replaced.body["amount"], replaced.body["interval"], replaced.body["segments"]) == (1299, "year", [])
    assert replaced.body["created_at"] == plan["created_at"] and replaced.body["id"] == plan["id"]
    deleted = api.call("DELETE", offers_path(store, f"/{coupon['id']}"), token=token)
    assert deleted.status == 200 and deleted.body == {"deleted": True}
    assert api.call("GET", offers_path(store, f"/{coupon['id']}"), token=token).status == 404
    assert api.call("DELETE", offers_path(store, f"/{coupon['id']}"), token=token).status == 404


@pytest.mark.parametrize("body, field", [
    ({**PLAN, "interval": "fortnight"}, "interval"),
    ({**PLAN, "amount": -1}, "amount"),
    ({**PLAN, "amount": "999"}, "amount"),
    ({**PLAN, "currency": "US"}, "currency"),
    ({k: v for k, v in PLAN.items() if k != "interval"}, "interval"),
    ({**COUPON, "amount_off": 500}, "coupon"),  # a percentage and an amount
    ({**COUPON, "percent_off": None, "amount_off": 500}, "coupon"),  # an amount needs a currency
    ({**COUPON, "duration": "repeating"}, "coupon"),  # for how many months
    ({**COUPON, "percent_off": 150}, "percent_off"),
    ({**COUPON, "code": "has space"}, "code"),
    ({**SKU, "kind": "bundle"}, "body"),
    ({**SKU, "segments": [{"name": "near", "taxonomy_query": [{"taxonomy_id": "geo", "query": [
        {"key": "home", "type": "geo_location", "value": None}]}]}]}, "segments"),
    ({**SKU, "segments": [{"name": "empty", "taxonomy_query": []}]}, "segments"),
])
def test_staff_bad_input_changes_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                         body: dict[str, Any], field: str) -> None:
    reply = api.call("POST", offers_path(store), body, token=owner["access_token"])
    assert reply.status == 400, reply.body
    # Fields are named under their kind: `plan.interval`.
    assert any(field in e["field"].split(".") for e in reply.body["validationErrors"]), reply.body
    assert api.call("GET", offers_path(store), token=owner["access_token"]).body == []


def test_kind_cannot_change(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    plan = create(api, owner, store, PLAN)
    reply = api.call("PUT", offers_path(store, f"/{plan['id']}"), SKU, token=owner["access_token"])
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "kind"
    assert api.call("GET", offers_path(store, f"/{plan['id']}"), token=owner["access_token"]).body == plan


def test_offers_are_per_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    second = other_store(api, owner)
    plan = create(api, owner, store, PLAN)
    token = owner["access_token"]
    assert api.call("GET", offers_path(second, f"/{plan['id']}"), token=token).status == 404
    assert api.call("PUT", offers_path(second, f"/{plan['id']}"), PLAN, token=token).status == 404
    assert api.call("DELETE", offers_path(second, f"/{plan['id']}"), token=token).status == 404
    assert api.call("GET", offers_path(second), token=token).body == []
    # Someone else's staff, a customer and no one at all: the store is not theirs to see.
    stranger = login(api, "stranger@example.com")["access_token"]
    assert api.call("GET", offers_path(store), token=stranger).status == 404
    assert api.call("POST", offers_path(store), COUPON, token=stranger).status == 404
    made = customer(register(api, store))
    assert api.call("GET", offers_path(store), token=made["token"]).status == 403
    assert api.call("GET", offers_path(store)).status == 401
    assert [o["id"] for o in api.call("GET", offers_path(store), token=token).body] == [plan["id"]]


# ---------------------------------------------------------------------------- customers
def test_eligibility_follows_the_segments(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    plan, coupon, sku = (create(api, owner, store, body) for body in (PLAN, COUPON, SKU))
    gold = customer(register(api, store, "gold@example.com"))
    plain = customer(register(api, store, "plain@example.com"))
    adult = customer(register(api, store, "adult@example.com"))
    set_taxonomies(api, owner, store, "gold@example.com", [
        {"taxonomy_id": "loyalty", "fields": [{"key": "tier", "type": "text", "value": "Gold"}]}])
    set_taxonomies(api, owner, store, "adult@example.com", [
        {"taxonomy_id": "facts", "fields": [{"key": "age", "type": "number", "value": 30}]}])
    plans = eligible(api, store, gold["token"], "plans")
    assert plans.status == 200, plans.body
    assert plans.body == {"data": [{
        "id": plan["id"], "nickname": "Gold monthly", "description": None, "amount": 999, "currency": "USD",
        "interval": "month", "interval_count": 1, "trial_period_days": None, "created_at": plan["created_at"],
        "updated_at": plan["updated_at"]}]}
    # Out of the segment: nothing to list.
    missing = eligible(api, store, plain["token"], "plans")
    assert_error(missing, 404)
    assert missing.body["error"]["message"] == "No eligible items found"
    # A coupon without segments is for everyone; the SKU for either segment.
    for who in (gold, plain, adult):
        assert [c["code"] for c in eligible(api, store, who["token"], "coupons").body["data"]] == ["WELCOME10"]
    assert [s["id"] for s in eligible(api, store, gold["token"], "product_sku").body["data"]] == [sku["id"]]
    assert eligible(api, store, adult["token"], "product_sku").body["data"][0]["price"] == 2500
    assert_error(eligible(api, store, plain["token"], "product_sku"), 404)
    assert coupon["id"] == eligible(api, store, plain["token"], "coupons").body["data"][0]["id"]


def test_eligibility_reads_the_customer_and_one_cached_query(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    clock = [1000.0]
    monkeypatch.setattr(services.eligibility(), "clock", lambda: clock[0])
    create(api, owner, store, COUPON)
    made = customer(register(api, store))
    with counting_calls() as calls:
        assert eligible(api, store, made["token"], "coupons").status == 200
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    create(api, owner, store, {**COUPON, "code": "LATER"})
    with counting_calls() as calls:
        cached = eligible(api, store, made["token"], "coupons")
    assert calls.calls == ["dynamodb.BatchGetItem"] and len(cached.body["data"]) == 1
    clock[0] += 60  # the container's copy is a minute old: read again
    with counting_calls() as calls:
        fresh = eligible(api, store, made["token"], "coupons")
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    assert sorted(c["code"] for c in fresh.body["data"]) == ["LATER", "WELCOME10"]


def test_eligibility_is_per_site(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    second = other_store(api, owner)
    create(api, owner, store, COUPON)
    made = customer(register(api, store))
    elsewhere = customer(register(api, second))
    assert_error(eligible(api, second, made["token"], "coupons"), 401)
    assert_error(eligible(api, second, elsewhere["token"], "coupons"), 404)  # the other site offers nothing
    assert_error(eligible(api, store, elsewhere["token"], "coupons"), 401)
    assert_error(eligible(api, store, owner["access_token"], "coupons"), 401)  # staff are not customers
    reply = api.call("GET", f"{SDK}/customer/coupons", token=made["token"])
    assert reply.status == 400 and "site_id" in reply.body["errors"]


def test_oversized_ids_are_400s(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    assert api.call("GET", offers_path(store, f"/{'x' * 65}"), token=token).status == 400
    assert api.call("GET", f"/v1/stores/{'y' * 65}/offers", token=token).status == 400


@pytest.mark.parametrize("kind", ["plans", "coupons", "product_sku"])
def test_eligible_routes_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any], kind: str) -> None:
    made = customer(register(api, store))
    missing = api.call("GET", f"{SDK}/customer/{kind}", token=made["token"])
    assert missing.status == 400 and set(missing.body["errors"]) == {"site_id"}
    long_site = api.call("GET", f"{SDK}/customer/{kind}", token=made["token"], query={"site_id": "s" * 65})
    assert long_site.status == 400 and set(long_site.body["errors"]) == {"site_id"}
    assert_error(api.call("GET", f"{SDK}/customer/{kind}", query={"site_id": store["id"]}), 401)
    assert_error(api.call("GET", f"{SDK}/customer/{kind}", token="not-a-token", query={"site_id": store["id"]}), 401)
    assert_error(eligible(api, store, made["token"], kind), 404)  # the store offers nothing yet
