"""The arky-sdk 0.9.x storefront aliases over the same profile sessions."""

from __future__ import annotations

from typing import Any

from tests.arky_types import assert_client_shape
from tests.support import Api, counting_calls, latest_code


def _sf(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/storefront/{store['id']}{tail}"


def test_public_store_and_markets(api: Api, store: dict[str, Any]) -> None:
    reply = api.call("GET", _sf(store))
    assert reply.status == 200 and reply.body["key"] == store["key"]
    assert reply.body["emails"]["billing"] == ""  # not for shoppers (the client types a string)
    assert sorted(m["key"] for m in api.call("GET", _sf(store, "/markets")).body) == ["eu", "us"]
    assert api.call("GET", "/v1/storefront/nope").status == 404


def test_public_market_by_id_or_key(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    markets = {m["key"]: m for m in api.call("GET", f"/v1/stores/{store['id']}/markets",
                                            token=owner["access_token"]).body}
    # storefront.store.market.get(id)
    with counting_calls() as calls:
        reply = api.call("GET", _sf(store, f"/markets/{markets['us']['id']}"))
    assert reply.status == 200 and reply.body == markets["us"]
    assert calls.calls == ["dynamodb.BatchGetItem"]  # the store and the market together
    assert api.call("GET", _sf(store, "/markets/eu")).body == markets["eu"]  # the key the client configures
    for missing, error in ((_sf(store, "/markets/no-such-market"), "MARKET.NOT_FOUND"),
                           (f"/v1/storefront/no-such-store/markets/{markets['us']['id']}", "STORE.NOT_FOUND")):
        reply = api.call("GET", missing)
        assert reply.status == 404 and reply.error == error, reply.body
    too_long = api.call("GET", _sf(store, f"/markets/{'m' * 300}"))
    assert too_long.status == 400 and too_long.error == "GENERAL.VALIDATION_ERROR"


def test_public_market_stays_in_its_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    other = api.call("POST", "/v1/stores", {"key": "other-front", "timezone": "UTC",
                                            "billing_email": "o@example.com"}, token=owner["access_token"]).body
    theirs = api.call("GET", f"/v1/stores/{other['id']}/markets", token=owner["access_token"]).body
    for market in theirs:
        reply = api.call("GET", _sf(store, f"/markets/{market['id']}"))
        assert reply.status == 404 and reply.error == "MARKET.NOT_FOUND"


def test_identify_guest_then_email_then_verify(api: Api, store: dict[str, Any]) -> None:
    guest = api.call("POST", _sf(store, "/profiles/identify"), {"store_id": store["id"], "market": "us",
                                                                "verify": False})
    assert guest.status == 200, guest.body
    assert guest.body["profile"]["email"] is None and guest.body["market"]["key"] == "us"
    assert guest.body["code_sent"] is False and guest.body["store"]["id"] == store["id"]
    bearer = guest.body["token"]["token"]
    named = api.call("POST", _sf(store, "/profiles/identify"), {"store_id": store["id"], "market": "us",
                                                                "email": "sf@example.com", "verify": True},
                     token=bearer)
    assert named.status == 200, named.body
    # The email's own profile (new here), never the guest's: as for an email a customer has.
    assert named.body["profile"]["id"] != guest.body["profile"]["id"] and named.body["code_sent"] is True
    bearer = named.body["token"]["token"]
    verified = api.call("POST", _sf(store, "/profiles/verify"), {"store_id": store["id"],
                                                                 "code": latest_code("sf@example.com")}, token=bearer)
    assert verified.status == 200, verified.body
    assert set(verified.body) == {"id", "token", "created_at"}
    me = api.call("GET", _sf(store, "/profiles/me"), token=verified.body["token"])
    assert me.status == 200 and me.body["profile"]["verified"] is True
    assert set(me.body) == {"profile", "carts", "orders", "audience_subscriptions", "form_submissions"}
    with counting_calls() as calls:
        api.call("GET", _sf(store, "/profiles/me"), token=verified.body["token"])
    # The profile, its session and its subscription list: one BatchGetItem (budget 1).
    assert calls.calls == ["dynamodb.BatchGetItem"]
    out = api.call("POST", _sf(store, "/profiles/logout"), token=verified.body["token"])
    assert out.body == {"logged_out": True}
    assert api.call("GET", _sf(store, "/profiles/me"), token=verified.body["token"]).status == 401


def test_identify_with_bearer_and_no_email_returns_the_session(api: Api, store: dict[str, Any]) -> None:
    guest = api.call("POST", _sf(store, "/profiles/identify"), {}).body
    again = api.call("POST", _sf(store, "/profiles/identify"), {}, token=guest["token"]["token"]).body
    assert again["profile"]["id"] == guest["profile"]["id"]
    assert again["token"]["token"] == guest["token"]["token"]


def test_storefront_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    cases = [
        ("/profiles/identify", {"verify": True}),
        ("/profiles/identify", {"email": "bad"}),
        ("/profiles/identify", {"market": "mars"}),
        ("/profiles/identify", {"store_id": "another-store"}),
    ]
    for tail, body in cases:
        reply = api.call("POST", _sf(store, tail), body)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (tail, body, reply.body)
    guest = api.call("POST", _sf(store, "/profiles/identify"), {}).body
    no_email = api.call("POST", _sf(store, "/profiles/verify"), {"code": "123456"}, token=guest["token"]["token"])
    assert no_email.status == 400
    assert api.call("POST", _sf(store, "/profiles/verify"), {"code": "123456"}).status == 401
    assert api.call("GET", _sf(store, "/profiles/me")).status == 401


def test_storefront_tokens_stay_in_their_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    other = api.call("POST", "/v1/stores", {"key": "other-front", "timezone": "UTC",
                                            "billing_email": "o@example.com"}, token=owner["access_token"]).body
    guest = api.call("POST", _sf(store, "/profiles/identify"), {}).body
    token = guest["token"]["token"]
    assert api.call("GET", f"/v1/storefront/{other['id']}/profiles/me", token=token).status == 401
    assert api.call("POST", f"/v1/storefront/{other['id']}/profiles/identify", {"email": "x@example.com"},
                    token=token).status == 401
    assert api.call("POST", f"/v1/storefront/{other['id']}/profiles/logout", token=token).status == 401
    assert api.call("GET", _sf(store, "/profiles/me"), token=token).status == 200


def test_me_lists_only_what_the_session_may_see(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    news = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "news"}, token=token).body
    named = api.call("POST", _sf(store, "/profiles/identify"), {"store_id": store["id"], "email": "me@example.com",
                                                                "verify": True}).body
    bearer = api.call("POST", _sf(store, "/profiles/verify"), {"store_id": store["id"],
                                                               "code": latest_code("me@example.com")},
                      token=named["token"]["token"]).body["token"]
    subscribed = api.call("POST", _sf(store, f"/audiences/{news['id']}/subscribe"),
                          {"profile_id": named["profile"]["id"]}, token=bearer)
    assert subscribed.status == 200, subscribed.body
    # storefront.crm.profile.getMe()
    mine = api.call("GET", _sf(store, "/profiles/me"), token=bearer).body
    assert [s["audience_id"] for s in mine["audience_subscriptions"]] == [news["id"]]
    # Someone else who only names that (verified) email gets an unverified session: no stored data.
    stranger = api.call("POST", _sf(store, "/profiles/identify"), {"store_id": store["id"],
                                                                   "email": "me@example.com"}).body
    theirs = api.call("GET", _sf(store, "/profiles/me"), token=stranger["token"]["token"])
    assert theirs.status == 200 and theirs.body["profile"]["id"] == named["profile"]["id"]
    assert theirs.body["audience_subscriptions"] == []
    # Another profile's session sees its own (none).
    other = api.call("POST", _sf(store, "/profiles/identify"), {}).body
    assert api.call("GET", _sf(store, "/profiles/me"), token=other["token"]["token"]).body[
        "audience_subscriptions"] == []


def test_logout_takes_the_session_off_the_profile(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    """Profiles list only live sessions, with the client's ProfileAuthToken and ProfileVerificationCode fields
    (their secrets empty); a session ended by logout is gone from the list, and revoking it is the 404 of a
    session that does not exist."""
    named = api.call("POST", _sf(store, "/profiles/identify"), {"store_id": store["id"], "market": "us",
                                                                "email": "leaver@example.com", "verify": True}).body
    verified = api.call("POST", _sf(store, "/profiles/verify"), {"store_id": store["id"],
                                                                 "code": latest_code("leaver@example.com")},
                        token=named["token"]["token"]).body
    # Another device names the email: a second (unverified) session on the same profile.
    other = api.call("POST", _sf(store, "/profiles/identify"), {"store_id": store["id"], "market": "us",
                                                                "email": "leaver@example.com", "verify": False}).body
    staff_path = f"/v1/stores/{store['id']}/profiles/{named['profile']['id']}"
    staff = owner["access_token"]
    before = api.call("GET", staff_path, token=staff).body
    assert_client_shape(before, "ProfileDetail")
    listed = before["profile"]["auth_tokens"]
    assert {t["id"] for t in listed} == {other["token"]["id"], verified["id"]}
    assert {t["token"] for t in listed} == {""}
    assert [c["code"] for c in before["profile"]["verification_codes"]] == [""]

    with counting_calls() as calls:
        out = api.call("POST", _sf(store, "/profiles/logout"), token=verified["token"])
    assert out.body == {"logged_out": True}
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    after = api.call("GET", staff_path, token=staff).body["profile"]
    assert [t["id"] for t in after["auth_tokens"]] == [other["token"]["id"]]
    assert_client_shape(after, "Profile")
    revoked = api.call("DELETE", f"{staff_path}/sessions/{verified['id']}", token=staff)
    assert revoked.status == 404 and revoked.error == "SESSION.NOT_FOUND"
    # A second logout with the ended session's token changes nothing.
    assert api.call("POST", _sf(store, "/profiles/logout"), token=verified["token"]).body == {"logged_out": False}
    assert api.call("GET", staff_path, token=staff).body["profile"]["auth_tokens"] == after["auth_tokens"]
