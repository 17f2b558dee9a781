"""Promo codes (arky-sdk 0.9.1 promoCode.*): staff create, get by id or code, find with a cursor, update (a new
code moves it) and delete; a code is unique per store case-insensitively; bad input names the field and writes
nothing; another store's staff cannot read or change them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, counting_calls

TEN_PERCENT = {"type": "items_percentage", "market_id": "us", "bps": 1000}


def pc(store: dict[str, Any], path: str = "") -> str:
    return f"/v1/stores/{store['id']}/promo-codes{path}"


def make_code(api: Api, token: str, store: dict[str, Any], code: str = "Welcome10",
              discounts: list[dict[str, Any]] | None = None, conditions: list[dict[str, Any]] | None = None,
              ) -> dict[str, Any]:
    reply = api.call("POST", pc(store), {"code": code, "discounts": discounts or [TEN_PERCENT],
                                         "conditions": conditions or []}, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_create_get_find_update_delete(api: Api, store: dict[str, Any], owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    conditions = [{"type": "max_uses", "value": {"type": "count", "value": 5}},
                  {"type": "date_range", "value": {"type": "date_range", "value": {"start": 1, "end": 10**10}}}]
    made = make_code(api, token, store, conditions=conditions)
    assert set(made) == {"id", "store_id", "code", "discounts", "conditions", "status", "uses", "created_at",
                         "updated_at"}
    assert (made["code"], made["status"], made["uses"], made["discounts"]) == ("Welcome10", "active", 0,
                                                                              [TEN_PERCENT])
    assert made["conditions"] == conditions

    with counting_calls() as calls:
        by_code = api.call("GET", pc(store, "/WELCOME10"), token=token)  # any case
    assert by_code.status == 200 and by_code.body == made
    assert calls.calls == ["dynamodb.BatchGetItem"]  # the code read with the access check
    by_id = api.call("GET", pc(store, f"/{made['id']}"), token=token)
    assert by_id.status == 200 and by_id.body == made

    second = make_code(api, token, store, "SPRING")
    page = api.call("GET", pc(store), query={"limit": "1"}, token=token)
    assert page.status == 200 and [p["id"] for p in page.body["items"]] == [second["id"]]  # newest first
    rest = api.call("GET", pc(store), query={"limit": "1", "cursor": page.body["cursor"]}, token=token)
    assert [p["id"] for p in rest.body["items"]] == [made["id"]]
    found = api.call("GET", pc(store), query={"query": "wel", "status": "active"}, token=token)
    assert [p["code"] for p in found.body["items"]] == ["Welcome10"]

    renamed = api.call("PUT", pc(store, f"/{made['id']}"), {"id": made["id"], "code": "WELCOME20",
                                                            "status": "archived"}, token=token)
    assert renamed.status == 200, renamed.body
    assert (renamed.body["code"], renamed.body["status"], renamed.body["id"]) == ("WELCOME20", "archived", made["id"])
    assert api.call("GET", pc(store, "/Welcome10"), token=token).status == 404  # the old code is free again
    assert api.call("GET", pc(store, "/welcome20"), token=token).body["id"] == made["id"]

    deleted = api.call("DELETE", pc(store, f"/{made['id']}"), token=token)
    assert deleted.status == 200 and deleted.body == {"deleted": True}
    assert api.call("GET", pc(store, f"/{made['id']}"), token=token).status == 404


def test_a_code_is_unique_per_store_case_insensitively(api: Api, store: dict[str, Any],
                                                       owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    make_code(api, token, store, "SUMMER")
    again = api.call("POST", pc(store), {"code": "summer", "discounts": [TEN_PERCENT]}, token=token)
    assert again.status == 409 and again.body["error"] == "PROMO_CODE.CODE_TAKEN"
    other = make_code(api, token, store, "AUTUMN")
    clash = api.call("PUT", pc(store, f"/{other['id']}"), {"code": "Summer"}, token=token)
    assert clash.status == 409 and clash.body["error"] == "PROMO_CODE.CODE_TAKEN"
    assert api.call("GET", pc(store, "/AUTUMN"), token=token).body["code"] == "AUTUMN"  # nothing moved


@pytest.mark.parametrize(("body", "field"), [
    ({"discounts": [TEN_PERCENT]}, "code"),
    ({"code": "has space", "discounts": [TEN_PERCENT]}, "code"),
    ({"code": "X", "discounts": []}, "discounts"),
    ({"code": "X", "discounts": [{"type": "items_percentage", "market_id": "us", "bps": 10001}]}, "discounts.0"),
    ({"code": "X", "discounts": [{"type": "items_free", "market_id": "us", "bps": 1}]}, "discounts.0"),
    ({"code": "X", "discounts": [TEN_PERCENT],
      "conditions": [{"type": "max_uses", "value": {"type": "ids", "value": ["a"]}}]}, "conditions.0"),
    ({"code": "X", "discounts": [TEN_PERCENT],
      "conditions": [{"type": "max_uses", "value": {"type": "count", "value": 1}},
                     {"type": "max_uses", "value": {"type": "count", "value": 2}}]}, "conditions"),
])
def test_bad_input_names_the_field_and_writes_nothing(api: Api, store: dict[str, Any], owner: dict[str, Any],
                                                      body: dict[str, Any], field: str) -> None:
    reply = api.call("POST", pc(store), body, token=owner["access_token"])
    assert reply.status == 400, reply.body
    assert any(e["field"].startswith(field) for e in reply.body["validationErrors"]), reply.body
    assert api.call("GET", pc(store), token=owner["access_token"]).body["items"] == []


def test_another_stores_staff_cannot_read_or_change_them(api: Api, store: dict[str, Any],
                                                         owner: dict[str, Any]) -> None:
    made = make_code(api, owner["access_token"], store)
    stranger = login(api, "stranger@example.com")["access_token"]
    theirs = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC",
                                             "billing_email": "b@other.example.com"}, token=stranger).body
    for method, path, body in [("GET", pc(store, f"/{made['id']}"), None), ("GET", pc(store), None),
                               ("PUT", pc(store, f"/{made['id']}"), {"status": "archived"}),
                               ("DELETE", pc(store, f"/{made['id']}"), None),
                               ("POST", pc(store), {"code": "MINE", "discounts": [TEN_PERCENT]})]:
        reply = api.call(method, path, body, token=stranger)
        assert reply.status == 404, (method, path, reply.body)
    # Their own store does not reach this store's code by its id or its code.
    assert api.call("GET", pc(theirs, f"/{made['id']}"), token=stranger).status == 404
    assert api.call("GET", pc(theirs, "/Welcome10"), token=stranger).status == 404
    assert api.call("PUT", pc(theirs, f"/{made['id']}"), {"status": "archived"}, token=stranger).status == 404
    assert api.call("GET", pc(store, f"/{made['id']}"), token=owner["access_token"]).body == made
