"""CRM profiles for store staff: create (idempotent by email), get, update, list; isolation and budgets."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls

TAXONOMIES = [{"taxonomy_id": "segments", "fields": [
    {"key": "tier", "type": "text", "value": "gold"}, {"key": "ltv", "type": "number", "value": 1250},
    {"key": "vip", "type": "boolean", "value": True}]}]


def _base(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/profiles"


def _events(store_id: str, type_: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    return [e for e in default_table().query_all(f"STORE#{store_id}#EVENT") if e["type"] == type_]


def test_create_is_idempotent_by_email(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = api.call("POST", _base(store), {"email": "Jane@Example.com", "taxonomies": TAXONOMIES}, token=token)
    assert first.status == 200, first.body
    profile = first.body
    assert profile["email"] == "jane@example.com" and profile["store_id"] == store["id"]
    assert profile["verified"] is False and profile["status"] == "active"
    assert profile["taxonomies"][0]["fields"][1]["value"] == 1250
    assert set(profile) == {"id", "store_id", "email", "verified", "status", "taxonomies", "promo_usage",
                            "auth_tokens", "verification_codes", "created_at", "updated_at"}
    again = api.call("POST", _base(store), {"email": "  JANE@example.com "}, token=token)
    assert again.status == 200 and again.body["id"] == profile["id"]
    created = _events(store["id"], "profile.created")
    assert [e["data"]["profile"]["id"] for e in created] == [profile["id"]]


def test_create_is_one_transaction(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    with counting_calls() as calls:
        api.call("POST", _base(store), {"email": "counted@example.com"}, token=owner["access_token"])
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]


def test_get_returns_profile_detail_in_one_call(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    profile = api.call("POST", _base(store), {"email": "detail@example.com"}, token=token).body
    with counting_calls() as calls:
        reply = api.call("GET", f"{_base(store)}/{profile['id']}", token=token)
    assert reply.status == 200
    assert reply.body == {"profile": profile, "carts": [], "orders": [], "audience_subscriptions": [],
                          "form_submissions": [], "carts_cursor": None, "orders_cursor": None}
    # Store, membership, profile, its subscription list and commerce facts: one BatchGetItem (budget 1).
    assert calls.calls == ["dynamodb.BatchGetItem"]
    audiences = f"/v1/stores/{store['id']}/audiences"
    kept, left = (api.call("POST", audiences, {"key": key}, token=token).body for key in ("kept", "left"))
    for audience in (kept, left):
        added = api.call("POST", f"{audiences}/{audience['id']}/subscribers", {"profile_id": profile["id"]},
                         token=token)
        assert added.status == 200, added.body
    assert api.call("DELETE", f"{audiences}/{left['id']}/subscribers/{profile['id']}", token=token).status == 200
    with counting_calls() as calls:
        detail = api.call("GET", f"{_base(store)}/{profile['id']}", token=token).body
    assert calls.calls == ["dynamodb.BatchGetItem"]
    assert [(s["audience_id"], s["status"]) for s in detail["audience_subscriptions"]] == [(kept["id"], "active")]


def test_update_moves_the_email_and_replaces_taxonomies(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    token = owner["access_token"]
    profile = api.call("POST", _base(store), {"email": "old@example.com", "taxonomies": TAXONOMIES}, token=token).body
    reply = api.call("PUT", f"{_base(store)}/{profile['id']}", {"email": "New@Example.com", "taxonomies": [],
                                                                 "status": "archived"}, token=token)
    assert reply.status == 200, reply.body
    assert (reply.body["email"], reply.body["taxonomies"], reply.body["status"]) == ("new@example.com", [], "archived")
    # The old email is free: creating it makes a new profile; the new email finds the updated one.
    assert api.call("POST", _base(store), {"email": "old@example.com"}, token=token).body["id"] != profile["id"]
    assert api.call("POST", _base(store), {"email": "new@example.com"}, token=token).body["id"] == profile["id"]
    updated = _events(store["id"], "profile.updated")
    assert updated[-1]["data"]["changed"] == ["email", "status", "taxonomies"]


def test_changing_the_email_drops_verification(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from tests.support import latest_code

    path = f"/v1/stores/{store['id']}/profiles"
    api.call("POST", f"{path}/auth/code", {"email": "was@example.com"})
    verified = api.call("POST", f"{path}/auth/verify", {"email": "was@example.com",
                                                        "code": latest_code("was@example.com")}).body
    assert verified["profile"]["verified"] is True
    same = api.call("PUT", f"{path}/{verified['id']}", {"email": "was@example.com"}, token=owner["access_token"])
    assert same.body["verified"] is True
    moved = api.call("PUT", f"{path}/{verified['id']}", {"email": "now@example.com"}, token=owner["access_token"])
    assert moved.body["verified"] is False


def test_update_to_a_taken_email_is_a_conflict(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    a = api.call("POST", _base(store), {"email": "a@example.com"}, token=token).body
    api.call("POST", _base(store), {"email": "b@example.com"}, token=token)
    reply = api.call("PUT", f"{_base(store)}/{a['id']}", {"email": "b@example.com"}, token=token)
    assert reply.status == 409 and reply.error == "PROFILE.EMAIL_TAKEN"
    assert api.call("GET", f"{_base(store)}/{a['id']}", token=token).body["profile"]["email"] == "a@example.com"


def test_list_sorts_filters_and_pages(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    ids = {}
    for email in ["c@example.com", "a@example.com", "e@example.com", "b@example.com", "d@example.com"]:
        ids[email] = api.call("POST", _base(store), {"email": email}, token=token).body["id"]
    api.call("PUT", f"{_base(store)}/{ids['d@example.com']}", {"status": "archived"}, token=token)

    def emails(query: dict[str, Any]) -> list[str]:
        found: list[str] = []
        cursor = None
        while True:
            with counting_calls() as calls:
                page = api.call("GET", _base(store), token=token, query={**query, "limit": 2,
                                                                         **({"cursor": cursor} if cursor else {})})
            assert page.status == 200, page.body
            assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
            found += [p["email"] for p in page.body["items"]]
            cursor = page.body["cursor"]
            if not cursor:
                return found

    assert emails({"sort_field": "email", "sort_direction": "asc"}) == [
        "a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"]
    assert emails({"sort_field": "email", "sort_direction": "desc", "status": "active"}) == [
        "e@example.com", "c@example.com", "b@example.com", "a@example.com"]
    assert emails({"status": "archived"}) == ["d@example.com"]
    assert sorted(emails({})) == sorted(ids)
    by_updated = api.call("GET", _base(store), token=token, query={"sort_field": "updated_at",
                                                                   "sort_direction": "desc"}).body["items"]
    stamps = [(p["updated_at"], p["id"]) for p in by_updated]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == 5


def test_bad_input_is_400(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    profile = api.call("POST", _base(store), {"email": "valid@example.com"}, token=token).body
    bad_bodies = [
        ("POST", _base(store), {"email": "not-an-email"}),
        ("POST", _base(store), {}),
        ("POST", _base(store), {"email": "x@example.com", "taxonomies": [{"taxonomy_id": "t", "fields": [
            {"key": "n", "type": "number", "value": "many"}]}]}),
        ("POST", _base(store), {"email": "x@example.com", "taxonomies": [{"taxonomy_id": "t", "fields": [
            {"key": "n", "type": "colour", "value": "red"}]}]}),
        ("PUT", f"{_base(store)}/{profile['id']}", {"status": "deleted"}),
        ("PUT", f"{_base(store)}/{profile['id']}", {"email": "@@"}),
    ]
    for method, path, body in bad_bodies:
        reply = api.call(method, path, body, token=token)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
    for query in [{"sort_field": "name"}, {"status": "gone"}, {"limit": 0}, {"limit": 101}, {"cursor": "nope!"}]:
        reply = api.call("GET", _base(store), token=token, query=query)
        assert reply.status == 400, (query, reply.body)
    assert api.call("GET", f"{_base(store)}/no-such-profile", token=token).status == 404


def test_cursor_from_another_list_is_rejected(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    for email in ["p1@example.com", "p2@example.com"]:
        api.call("POST", _base(store), {"email": email}, token=token)
    cursor = api.call("GET", _base(store), token=token, query={"limit": 1}).body["cursor"]
    assert cursor
    assert api.call("GET", _base(store), token=token, query={"limit": 1, "cursor": cursor,
                                                             "sort_field": "email"}).status == 400
    other = login(api, "other@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "other-store", "timezone": "UTC",
                                          "billing_email": "o@example.com"}, token=other).body
    reply = api.call("GET", f"/v1/stores/{own['id']}/profiles", token=other, query={"limit": 1, "cursor": cursor})
    assert reply.status == 400  # a cursor of store A's list cannot page through store B


def test_other_stores_cannot_read_or_change_profiles(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    profile = api.call("POST", _base(store), {"email": "private@example.com"}, token=owner["access_token"]).body
    other = login(api, "intruder@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "intruder-shop", "timezone": "UTC",
                                          "billing_email": "i@example.com"}, token=other).body
    for method, path, body in [("GET", f"{_base(store)}/{profile['id']}", None),
                               ("PUT", f"{_base(store)}/{profile['id']}", {"status": "archived"}),
                               ("GET", _base(store), None), ("POST", _base(store), {"email": "x@example.com"})]:
        assert api.call(method, path, body, token=other).status == 404
    # Through the intruder's own store id the profile does not exist either.
    own_path = f"/v1/stores/{own['id']}/profiles/{profile['id']}"
    assert api.call("GET", own_path, token=other).status == 404
    assert api.call("PUT", own_path, {"status": "archived"}, token=other).status == 404
    assert api.call("GET", f"{_base(store)}/{profile['id']}", token=owner["access_token"]).body["profile"][
        "status"] == "active"
