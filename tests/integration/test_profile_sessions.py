"""Public profile sessions: guest, connect, code login, refresh, me, and who may read what."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls, latest_code, sent_mail


def _p(store: dict[str, Any], tail: str) -> str:
    return f"/v1/stores/{store['id']}/profiles/{tail}"


def _code_login(api: Api, store: dict[str, Any], email: str) -> dict[str, Any]:
    assert api.call("POST", _p(store, "auth/code"), {"email": email}).body == {"sent": True}
    reply = api.call("POST", _p(store, "auth/verify"), {"email": email, "code": latest_code(email)})
    assert reply.status == 200, reply.body
    return reply.body


def test_magic_code_login(api: Api, store: dict[str, Any]) -> None:
    session = _code_login(api, store, "Shopper@Example.com")
    assert session["is_verified"] is True and session["profile"]["verified"] is True
    assert session["profile"]["email"] == "shopper@example.com"
    assert session["id"] == session["profile"]["id"]
    assert [t["id"] for t in session["profile"]["auth_tokens"]] == [session["session_id"]]
    assert session["profile"]["verification_codes"][0]["used"] is True
    # The client's ProfileVerificationCode and ProfileAuthToken fields are there, their secrets never.
    assert session["profile"]["verification_codes"][0]["code"] == ""
    assert session["profile"]["auth_tokens"][0]["token"] == ""
    me = api.call("GET", _p(store, "me"), token=session["access_token"])
    assert me.status == 200 and me.body["email"] == "shopper@example.com"
    again = _code_login(api, store, "shopper@example.com")
    assert again["id"] == session["id"] and len(again["profile"]["auth_tokens"]) == 2


def test_initialize_then_connect_opens_on_the_emails_own_profile(api: Api, store: dict[str, Any]) -> None:
    """The guest's bearer does not lend its profile to a new email: keeping the guest's id for a new email only
    would tell it from an email a customer has (issue 24 section 9)."""
    guest = api.call("POST", _p(store, "initialize"))
    assert guest.status == 200, guest.body
    assert guest.body["profile"]["email"] is None and guest.body["is_verified"] is False
    connected = api.call("POST", _p(store, "connect"), {"email": "buyer@example.com"},
                         token=guest.body["access_token"])
    assert connected.status == 200, connected.body
    assert connected.body["id"] != guest.body["id"] and connected.body["profile"]["email"] == "buyer@example.com"
    assert connected.body["access_token"] != guest.body["access_token"]
    me = api.call("GET", _p(store, "me"), token=connected.body["access_token"]).body
    assert me["email"] == "buyer@example.com" and me["id"] == connected.body["id"]
    # The guest goes on as it was.
    assert api.call("GET", _p(store, "me"), token=guest.body["access_token"]).body["email"] is None
    # A bearer that is no session of this store is still refused.
    refused = api.call("POST", _p(store, "connect"), {"email": "buyer@example.com"}, token="not-a-token")
    assert refused.status == 401


def test_unverified_session_cannot_read_a_verified_profile(api: Api, owner: dict[str, Any],
                                                           store: dict[str, Any]) -> None:
    victim = _code_login(api, store, "victim@example.com")
    admin_token = owner["access_token"]
    api.call("PUT", f"/v1/stores/{store['id']}/profiles/{victim['id']}", {"taxonomies": [
        {"taxonomy_id": "private", "fields": [{"key": "note", "type": "text", "value": "secret"}]}]},
        token=admin_token)
    attacker = api.call("POST", _p(store, "connect"), {"email": "victim@example.com"})
    assert attacker.status == 200 and attacker.body["is_verified"] is False
    # Only its own session is listed, as on a profile it had just created (tests/integration/test_unverified_sessions).
    own = [{"id": attacker.body["session_id"], "created_at": attacker.body["created_at"], "verified": False,
            "token": ""}]
    assert attacker.body["profile"]["taxonomies"] == [] and attacker.body["profile"]["auth_tokens"] == own
    me = api.call("GET", _p(store, "me"), token=attacker.body["access_token"]).body
    assert me["taxonomies"] == [] and me["auth_tokens"] == own and me["verification_codes"] == []
    assert me["email"] == "victim@example.com"
    # The verified owner still sees everything.
    own = api.call("GET", _p(store, "me"), token=victim["access_token"]).body
    assert own["taxonomies"][0]["fields"][0]["value"] == "secret"


def test_connect_without_session_creates_or_finds_by_email(api: Api, store: dict[str, Any]) -> None:
    first = api.call("POST", _p(store, "connect"), {"email": "walkin@example.com"})
    second = api.call("POST", _p(store, "connect"), {"email": "WALKIN@example.com"})
    assert first.body["id"] == second.body["id"]
    # The creator sees its own profile; a second unverified session only what it supplied.
    assert api.call("GET", _p(store, "me"), token=first.body["access_token"]).body["auth_tokens"]


def test_refresh_rotates_and_stays_in_its_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    session = _code_login(api, store, "refresh@example.com")
    fresh = api.call("POST", _p(store, "auth/refresh"), {"refresh_token": session["refresh_token"]})
    assert fresh.status == 200 and fresh.body["refresh_token"] != session["refresh_token"]
    assert fresh.body["profile"]["id"] == session["id"]
    replay = api.call("POST", _p(store, "auth/refresh"), {"refresh_token": session["refresh_token"]})
    assert replay.status == 401
    other = api.call("POST", "/v1/stores", {"key": "second-store", "timezone": "UTC",
                                            "billing_email": "s@example.com"}, token=owner["access_token"]).body
    s2 = _code_login(api, store, "two@example.com")
    cross = api.call("POST", f"/v1/stores/{other['id']}/profiles/auth/refresh", {"refresh_token": s2["refresh_token"]})
    assert cross.status == 401


def test_tokens_from_another_store_or_staff_are_refused(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    other = api.call("POST", "/v1/stores", {"key": "elsewhere", "timezone": "UTC",
                                            "billing_email": "e@example.com"}, token=owner["access_token"]).body
    session = _code_login(api, store, "roamer@example.com")
    assert api.call("GET", f"/v1/stores/{other['id']}/profiles/me", token=session["access_token"]).status == 401
    assert api.call("POST", f"/v1/stores/{other['id']}/profiles/connect", {"email": "x@example.com"},
                    token=session["access_token"]).status == 401
    assert api.call("GET", _p(store, "me"), token=owner["access_token"]).status == 401
    # A profile token is not a staff login.
    assert api.call("GET", f"/v1/stores/{store['id']}/profiles", token=session["access_token"]).status == 403
    assert api.call("GET", f"/v1/stores/{store['id']}", token=session["access_token"]).status == 403


def test_code_rules_for_profiles(api: Api, store: dict[str, Any]) -> None:
    api.call("POST", _p(store, "auth/code"), {"email": "guess@example.com"})
    code = latest_code("guess@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert api.call("POST", _p(store, "auth/verify"), {"email": "guess@example.com", "code": wrong}).status == 401
    assert api.call("POST", _p(store, "auth/verify"), {"email": "guess@example.com", "code": code}).status == 401
    assert api.call("POST", "/v1/stores/nope/profiles/auth/code", {"email": "guess@example.com"}).status == 404
    statuses = [api.call("POST", _p(store, "auth/code"), {"email": "limit@example.com"}).status for _ in range(6)]
    assert statuses[-1] == 429 and len(sent_mail("limit@example.com")) == 5


def test_account_codes_do_not_log_in_profiles(api: Api, store: dict[str, Any]) -> None:
    api.call("POST", "/v1/auth/code", {"email": "both@example.com"})
    code = latest_code("both@example.com")
    assert api.call("POST", _p(store, "auth/verify"), {"email": "both@example.com", "code": code}).status == 401


def test_bad_input(api: Api, store: dict[str, Any]) -> None:
    for path, body in [("connect", {}), ("connect", {"email": "nope"}), ("auth/code", {"email": 5}),
                       ("auth/verify", {"email": "a@example.com", "code": "12"}), ("auth/refresh", {})]:
        reply = api.call("POST", _p(store, path), body)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (path, reply.body)
    assert api.call("POST", "/v1/stores/missing/profiles/initialize").status == 404
    assert api.call("GET", _p(store, "me")).status == 401
    assert api.call("GET", _p(store, "me"), token="garbage").status == 401


def test_budgets(api: Api, store: dict[str, Any]) -> None:
    session = _code_login(api, store, "budget@example.com")
    with counting_calls() as calls:
        api.call("GET", _p(store, "me"), token=session["access_token"])
    assert calls.calls == ["dynamodb.BatchGetItem"]
    with counting_calls() as calls:
        api.call("POST", _p(store, "auth/code"), {"email": "budget@example.com"})
    assert calls.calls == ["dynamodb.TransactWriteItems", "sesv2.SendEmail"]


def test_staff_logins_are_separate(api: Api, store: dict[str, Any]) -> None:
    login(api, "staff@example.com")
    assert api.call("POST", _p(store, "initialize")).status == 200
