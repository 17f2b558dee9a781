"""Round-trip budgets of the routes issue 11 brought down (DESIGN.md, "Round-trip budgets")."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls, latest_code


def _p(store: dict[str, Any], tail: str) -> str:
    return f"/v1/stores/{store['id']}/profiles/{tail}"


def test_storefront_identify_guest_in_two_calls(api: Api, store: dict[str, Any]) -> None:
    with counting_calls() as calls:
        guest = api.call("POST", f"/v1/storefront/{store['id']}/profiles/identify", {"market": "eu"})
    assert guest.status == 200, guest.body
    assert guest.body["market"]["key"] == "eu" and guest.body["store"]["id"] == store["id"]
    # The store and the market (a copy on its key marker) in one BatchGetItem, then the session's transaction.
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]


def test_storefront_identify_sees_a_market_changed_since(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    token = owner["access_token"]
    markets = api.call("GET", f"/v1/storefront/{store['id']}/markets").body
    eu = next(m for m in markets if m["key"] == "eu")
    moved = api.call("PUT", f"/v1/stores/{store['id']}/markets/{eu['id']}", {"key": "europe", "tax_mode": "inclusive"},
                     token=token)
    assert moved.status == 200, moved.body
    path = f"/v1/storefront/{store['id']}/profiles/identify"
    assert api.call("POST", path, {"market": "eu"}).status == 400
    found = api.call("POST", path, {"market": "europe"}).body["market"]
    assert (found["id"], found["key"], found["tax_mode"]) == (eu["id"], "europe", "inclusive")
    assert api.call("DELETE", f"/v1/stores/{store['id']}/markets/{eu['id']}", token=token).status == 200
    assert api.call("POST", path, {"market": "europe"}).status == 400


def test_profile_refresh_in_two_calls(api: Api, store: dict[str, Any]) -> None:
    email = "refresh-budget@example.com"
    api.call("POST", _p(store, "auth/code"), {"email": email})
    session = api.call("POST", _p(store, "auth/verify"), {"email": email, "code": latest_code(email)}).body
    with counting_calls() as calls:
        fresh = api.call("POST", _p(store, "auth/refresh"), {"refresh_token": session["refresh_token"]})
    assert fresh.status == 200, fresh.body
    assert fresh.body["id"] == session["id"] and fresh.body["profile"]["email"] == email
    # The session and its profile in one BatchGetItem, then the rotation.
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.UpdateItem"]
    again = api.call("POST", _p(store, "auth/refresh"), {"refresh_token": fresh.body["refresh_token"]})
    assert again.status == 200, again.body
    assert api.call("POST", _p(store, "auth/refresh"), {"refresh_token": fresh.body["refresh_token"]}).status == 401


def test_revoke_all_of_25_sessions_in_two_calls(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    guest = api.call("POST", _p(store, "initialize")).body
    sessions = [api.call("POST", _p(store, "connect"), {"email": "many@example.com"},
                         token=guest["access_token"]).body for _ in range(25)]
    profile_id = sessions[0]["id"]
    assert {s["id"] for s in sessions} == {profile_id}
    stranger = login(api, "not-on-the-team@example.com")["access_token"]
    refused = api.call("DELETE", _p(store, f"{profile_id}/sessions"), token=stranger)
    assert refused.status == 404 and refused.error == "STORE.NOT_FOUND"
    elsewhere = api.call("POST", "/v1/stores", {"key": "elsewhere-shop", "timezone": "UTC",
                                                "billing_email": "b@example.com"}, token=stranger).body
    wrong_store = api.call("DELETE", f"/v1/stores/{elsewhere['id']}/profiles/{profile_id}/sessions", token=stranger)
    assert wrong_store.status == 404 and wrong_store.error == "PROFILE.NOT_FOUND"
    assert api.call("GET", _p(store, "me"), token=sessions[-1]["access_token"]).status == 200
    with counting_calls() as calls:
        reply = api.call("DELETE", _p(store, f"{profile_id}/sessions"), token=owner["access_token"])
    assert reply.status == 200 and reply.body == {"deleted": True}
    # Every session found through the owner's session index, then deleted with the store-access
    # checks and the profile's listing in one transaction.
    assert calls.calls == ["dynamodb.Query", "dynamodb.TransactWriteItems"]
    for s in sessions:
        assert api.call("GET", _p(store, "me"), token=s["access_token"]).status == 401
    # The guest whose bearer came along is a profile of its own (connect opens on the email's profile).
    assert api.call("GET", _p(store, "me"), token=guest["access_token"]).status == 200
    detail = api.call("GET", _p(store, profile_id), token=owner["access_token"]).body
    assert detail["profile"]["auth_tokens"] == []
