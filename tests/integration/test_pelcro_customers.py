"""The Pelcro-style customer API: register, logins, logout, the customer resource, over the arky profiles."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api, Reply, counting_calls, latest_code, sent_mail

SDK = "/api/v1/sdk"
PASSWORD = "plum-tree-42"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Smaller scrypt parameters: the rules are the same, each hash just costs less CPU here."""
    from storecrm.identity import passwords

    monkeypatch.setattr(passwords, "CURRENT", passwords.ScryptParameters(n=2**10, r=8, p=1))


def register(api: Api, store: dict[str, Any], email: str = "reader@example.com", **fields: Any) -> Reply:
    return api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": email,
                                                     "password": PASSWORD, **fields})


def customer(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    data: dict[str, Any] = reply.body["data"]
    return data


def other_store(api: Api, owner: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("POST", "/v1/stores", {"key": "second-site", "timezone": "UTC", "billing_email": "b@example.com"},
                     token=owner["access_token"])
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def assert_field_error(reply: Reply, field: str) -> None:
    assert reply.status == 400, reply.body
    assert set(reply.body) == {"errors"} and field in reply.body["errors"], reply.body
    assert all(isinstance(m, str) for m in reply.body["errors"][field])


def assert_error(reply: Reply, status: int) -> None:
    assert reply.status == status, reply.body
    assert reply.body == {"error": {"status": status, "message": reply.body["error"]["message"]}}


# ---------------------------------------------------------------------------- register
def test_register_creates_the_profile_staff_see(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    data = customer(register(api, store, "  Reader@Example.com ", first_name="Ada", last_name="Byron",
                             display_name="ada", username="Ada_B", phone="+1 555 0100", language="en",
                             metadata={"plan": "gold", "visits": 3}))
    assert data["id"] == 1 and isinstance(data["id"], int)
    assert data["email"] == "reader@example.com" and data["email_confirm"] is False
    assert (data["first_name"], data["last_name"], data["display_name"], data["username"]) == ("Ada", "Byron", "ada",
                                                                                              "Ada_B")
    assert (data["phone"], data["language"], data["metadata"]) == ("+1 555 0100", "en", {"plan": "gold", "visits": 3})
    assert data["auth_token"] == data["token"] and data["token"]
    assert data["subscriptions"] == [] and data["memberships"] == [] and data["addresses"] == []
    assert data["sources"] == [] and data["profile_photo"] is None
    assert isinstance(data["created_at"], int) and "password" not in str(data).lower()
    assert customer(register(api, store, "second@example.com"))["id"] == 2  # numbered per site
    # The same profile through the arky admin routes: found by email, with its session listed.
    found = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=owner["access_token"],
                     query={"query": "reader@example.com"})
    assert found.status == 200 and [p["email"] for p in found.body["items"]] == ["reader@example.com"]
    profile_id = found.body["items"][0]["id"]
    detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{profile_id}", token=owner["access_token"])
    assert detail.status == 200 and len(detail.body["profile"]["auth_tokens"]) == 1
    assert "password_hash" not in str(detail.body)


def test_register_bad_input_changes_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    customer(register(api, store, username="taken"))
    bad = [
        ({"password": "short7!"}, "password"),
        ({"password": "Password123"}, "password"),  # on the common-passwords list, whatever the case
        ({"email": "not-an-email"}, "email"),
        ({"email": "READER@example.com"}, "email"),  # taken (case ignored)
        ({"username": "TAKEN"}, "username"),  # taken (case ignored)
        ({"username": "no spaces"}, "username"),
        ({"language": "eng"}, "language"),
        ({"site_id": None}, "site_id"),
        ({"site_id": "no-such-site"}, "site_id"),
    ]
    for change, field in bad:
        body = {"site_id": store["id"], "email": "new@example.com", "password": PASSWORD, **change}
        assert_field_error(api.call("POST", f"{SDK}/auth/register", body), field)
    listed = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=owner["access_token"]).body["items"]
    assert [p["email"] for p in listed] == ["reader@example.com"]
    # Numbers stay unique and increasing (a refused sign-up may leave a gap).
    assert customer(register(api, store, "later@example.com"))["id"] > 1


def test_site_id_in_the_query_string(api: Api, store: dict[str, Any]) -> None:
    reply = api.call("POST", f"{SDK}/auth/register", {"email": "q@example.com", "password": PASSWORD},
                     query={"site_id": store["id"]})
    assert customer(reply)["email"] == "q@example.com"


def test_register_is_per_site(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    second = other_store(api, owner)
    first = customer(register(api, store, username="same"))
    again = customer(register(api, second, username="same"))  # the same email and username elsewhere
    assert first["id"] == again["id"] == 1
    listed = api.call("GET", f"/v1/stores/{second['id']}/profiles", token=owner["access_token"]).body["items"]
    assert len(listed) == 1


def test_malformed_bodies_answer_in_the_pelcro_shape(api: Api, store: dict[str, Any]) -> None:
    reply = api.call("POST", f"{SDK}/auth/register", raw_body="{not json")
    assert reply.status == 400 and set(reply.body) == {"errors"}, reply.body
    reply = api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"]})
    assert_field_error(reply, "email")
    assert "password" in reply.body["errors"]


# ---------------------------------------------------------------------------- login
def test_login_by_email_or_username(api: Api, store: dict[str, Any]) -> None:
    made = customer(register(api, store, username="Reader"))
    by_email = customer(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "READER@example.com",
                                                               "password": PASSWORD}))
    by_name = customer(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "username": "reader",
                                                              "password": PASSWORD}))
    assert made["id"] == by_email["id"] == by_name["id"]
    assert len({made["token"], by_email["token"], by_name["token"]}) == 3  # a session each


def test_login_failures_are_all_the_same_answer(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    customer(register(api, store, username="reader"))
    api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "nopassword@example.com"},
             token=owner["access_token"])  # an arky profile: no password yet
    attempts = [{"email": "reader@example.com", "password": "wrong-password"},
                {"email": "nobody@example.com", "password": PASSWORD},
                {"username": "nobody", "password": PASSWORD},
                {"username": "reader", "password": "wrong-password"},
                {"email": "nopassword@example.com", "password": PASSWORD}]
    answers = []
    for attempt in attempts:
        reply = api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], **attempt})
        assert_error(reply, 401)
        answers.append(reply.body)
    assert all(a == {"error": {"status": 401, "message": "Invalid credentials"}} for a in answers)


def test_login_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    customer(register(api, store))
    second = other_store(api, owner)
    both = {"site_id": store["id"], "email": "reader@example.com", "username": "reader", "password": PASSWORD}
    assert_field_error(api.call("POST", f"{SDK}/auth/login", both), "body")
    assert_field_error(api.call("POST", f"{SDK}/auth/login", {"email": "reader@example.com", "password": PASSWORD}),
                       "site_id")
    # Another site has no such customer: the same 401 as any failure.
    assert_error(api.call("POST", f"{SDK}/auth/login", {"site_id": second["id"], "email": "reader@example.com",
                                                         "password": PASSWORD}), 401)


def test_eleventh_failed_login_is_throttled(api: Api, store: dict[str, Any]) -> None:
    customer(register(api, store))
    wrong = {"site_id": store["id"], "email": "reader@example.com", "password": "wrong-password"}
    for _ in range(10):
        assert api.call("POST", f"{SDK}/auth/login", wrong).status == 401
    throttled = api.call("POST", f"{SDK}/auth/login", wrong)
    assert_error(throttled, 429)
    assert 1 <= int(throttled.headers["retry-after"]) <= 300
    # Locked for this account from every address, even with the right password, until the window ends.
    right = {**wrong, "password": PASSWORD}
    assert Api(source_ip="198.51.100.9").call("POST", f"{SDK}/auth/login", right).status == 429


def test_failures_are_counted_per_address_too(api: Api, store: dict[str, Any]) -> None:
    customer(register(api, store))
    for n in range(10):
        reply = api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": f"guess{n}@example.com",
                                                        "password": "wrong-password"})
        assert reply.status == 401
    right = {"site_id": store["id"], "email": "reader@example.com", "password": PASSWORD}
    assert api.call("POST", f"{SDK}/auth/login", right).status == 429
    assert customer(Api(source_ip="198.51.100.10").call("POST", f"{SDK}/auth/login", right))


def test_login_upgrades_an_old_hash(api: Api, monkeypatch: pytest.MonkeyPatch, store: dict[str, Any]) -> None:
    from storecrm.identity import passwords
    from storecrm.profiles.repositories.profiles import ProfileRepository

    made = customer(register(api, store))
    repository = ProfileRepository()
    profile_id = repository.id_for_email(store["id"], "reader@example.com")
    assert profile_id
    before = repository.get(profile_id)
    assert before and before.password_hash and before.password_hash.startswith("scrypt$1024$8$1$")
    monkeypatch.setattr(passwords, "CURRENT", passwords.ScryptParameters(n=2**11, r=8, p=1))
    customer(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "reader@example.com",
                                                    "password": PASSWORD}))
    after = repository.get(profile_id)
    assert after and after.password_hash and after.password_hash.startswith("scrypt$2048$8$1$")
    assert made["id"] == customer(api.call("POST", f"{SDK}/auth/login", {
        "site_id": store["id"], "email": "reader@example.com", "password": PASSWORD}))["id"]


# ---------------------------------------------------------------------------- tokens and logout
def test_logout_ends_the_token_at_once(api: Api, store: dict[str, Any]) -> None:
    token = customer(register(api, store))["token"]
    other = customer(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "reader@example.com",
                                                            "password": PASSWORD}))["token"]
    out = api.call("POST", f"{SDK}/auth/logout", {"site_id": store["id"]}, token=token)
    assert out.status == 200 and out.body == {"data": {"logged_out": True}}
    for method in ("POST", "PUT"):
        assert_error(api.call(method, f"{SDK}/customer", {"site_id": store["id"]}, token=token), 401)
    assert_error(api.call("POST", f"{SDK}/customer/refresh", {"site_id": store["id"]}, token=token), 401)
    assert_error(api.call("POST", f"{SDK}/auth/logout", {"site_id": store["id"]}, token=token), 401)
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=other))  # another session
    # The profile lists only the session still live.
    from storecrm.profiles.repositories.profiles import ProfileRepository

    repository = ProfileRepository()
    profile = repository.get(repository.id_for_email(store["id"], "reader@example.com") or "")
    assert profile is not None and len(profile.auth_tokens) == 1


def test_customer_routes_refuse_missing_bad_and_foreign_tokens(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any]) -> None:
    token = customer(register(api, store))["token"]
    second = other_store(api, owner)
    routes = [("POST", "/customer"), ("PUT", "/customer"), ("POST", "/customer/refresh"), ("POST", "/auth/logout")]
    for method, tail in routes:
        assert_error(api.call(method, f"{SDK}{tail}", {"site_id": store["id"]}), 401)
        assert_error(api.call(method, f"{SDK}{tail}", {"site_id": store["id"]}, token="not.a.jwt"), 401)
        assert_error(api.call(method, f"{SDK}{tail}", {"site_id": store["id"]}, token=owner["access_token"]), 401)
        assert_error(api.call(method, f"{SDK}{tail}", {"site_id": second["id"]}, token=token), 401)
        assert_field_error(api.call(method, f"{SDK}{tail}", {}, token=token), "site_id")
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=token))  # still logged in


def test_tokens_do_not_cross_dialects(api: Api, store: dict[str, Any]) -> None:
    pelcro = customer(register(api, store))["token"]
    # A Pelcro token is not an arky profile session ...
    assert api.call("GET", f"/v1/stores/{store['id']}/profiles/me", token=pelcro).status == 401
    assert api.call("GET", f"/v1/storefront/{store['id']}/profiles/me", token=pelcro).status == 401
    # ... and an arky profile session (of the same customer, verified by code) is not a Pelcro token.
    code_request = api.call("POST", f"/v1/stores/{store['id']}/profiles/auth/code", {"email": "reader@example.com"})
    assert code_request.status == 200
    arky = api.call("POST", f"/v1/stores/{store['id']}/profiles/auth/verify",
                    {"email": "reader@example.com", "code": latest_code("reader@example.com")})
    assert arky.status == 200, arky.body
    for token in (arky.body["access_token"], arky.body["refresh_token"]):
        assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=token), 401)


# ---------------------------------------------------------------------------- passwordless
def test_passwordless_for_an_arky_profile_then_set_a_password(api: Api, owner: dict[str, Any],
                                                               store: dict[str, Any]) -> None:
    made = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "arky@example.com"},
                    token=owner["access_token"])
    assert made.status == 200
    assert api.call("PUT", f"/v1/stores/{store['id']}", {"allowed_origins": ["https://news.example.com"]},
                    token=owner["access_token"]).status == 200
    sent = api.call("POST", f"{SDK}/auth/passwordless/request", {
        "site_id": store["id"], "email": "arky@example.com", "redirect_url": "https://news.example.com/login?x=1"})
    assert sent.status == 200 and sent.body == {"data": {"sent": True}}
    code = latest_code("arky@example.com")
    mail = str(sent_mail("arky@example.com")[-1]["body"])
    assert f"https://news.example.com/login?x=1&email=arky%40example.com&token={code}" in mail
    # An arky code is not a customer code, nor the reverse.
    arky_verify = api.call("POST", f"/v1/stores/{store['id']}/profiles/auth/verify",
                           {"email": "arky@example.com", "code": code})
    assert arky_verify.status == 401 and arky_verify.error == "GENERAL.INVALID_CODE"
    logged = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "arky@example.com", "token": code}))
    assert logged["email_confirm"] is True and isinstance(logged["id"], int)
    # The code worked once.
    assert_error(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "arky@example.com", "token": code}), 401)
    # No password yet: password login fails; setting one needs no current password.
    login = {"site_id": store["id"], "email": "arky@example.com", "password": PASSWORD}
    assert_error(api.call("POST", f"{SDK}/auth/login", login), 401)
    updated = customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "password": PASSWORD},
                                token=logged["token"]))
    assert updated["id"] == logged["id"]
    assert customer(api.call("POST", f"{SDK}/auth/login", login))["id"] == logged["id"]
    # The arky profile id stays a UUID; the customer number lives beside it.
    detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{made.body['id']}", token=owner["access_token"])
    assert detail.body["profile"]["verified"] is True


def test_passwordless_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    second = other_store(api, owner)
    assert_field_error(api.call("POST", f"{SDK}/auth/passwordless/request", {"email": "a@example.com"}), "site_id")
    assert_field_error(api.call("POST", f"{SDK}/auth/passwordless/request", {
        "site_id": store["id"], "email": "a@example.com", "redirect_url": "javascript:alert(1)"}), "redirect_url")
    assert_field_error(api.call("POST", f"{SDK}/auth/passwordless/request", {
        "site_id": "no-such-site", "email": "a@example.com"}), "site_id")
    assert api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"],
                                                                 "email": "a@example.com"}).status == 200
    code = latest_code("a@example.com")
    # A code of one site does not log in on another.
    assert_error(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": second["id"], "email": "a@example.com", "token": code}), 401)
    assert_field_error(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "a@example.com", "token": "12ab"}), "token")
    # Unknown email on a known site: a new customer, verified by the code.
    data = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "a@example.com", "token": code}))
    assert data["email_confirm"] is True and data["id"] == 1


def test_passwordless_requests_are_limited_like_arky_codes(api: Api, store: dict[str, Any]) -> None:
    body = {"site_id": store["id"], "email": "limited@example.com"}
    statuses = [api.call("POST", f"{SDK}/auth/passwordless/request", body).status for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    reply = api.call("POST", f"{SDK}/auth/passwordless/request", body)
    assert_error(reply, 429)
    assert int(reply.headers["retry-after"]) >= 1


# ---------------------------------------------------------------------------- the customer
def test_get_echoes_the_token_in_one_call(api: Api, store: dict[str, Any]) -> None:
    made = customer(register(api, store, first_name="Ada"))
    with counting_calls() as calls:
        got = customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=made["token"]))
    assert calls.calls == ["dynamodb.BatchGetItem"]  # profile, session and subscriptions together
    assert got["token"] == got["auth_token"] == made["token"]
    assert {k: v for k, v in got.items() if k not in ("token", "auth_token")} == {
        k: v for k, v in made.items() if k not in ("token", "auth_token")}
    by_query = api.call("POST", f"{SDK}/customer", None, token=made["token"], query={"site_id": store["id"]})
    assert customer(by_query)["id"] == made["id"]


def test_update_changes_only_what_is_sent(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    made = customer(register(api, store, first_name="Ada", last_name="Byron", username="ada",
                             metadata={"a": 1}))
    with counting_calls() as calls:
        reply = api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "last_name": "Lovelace",
                                                    "metadata": {"b": True}}, token=made["token"])
    updated = customer(reply)
    assert len(calls) == 2  # the read, then one transaction
    assert (updated["first_name"], updated["last_name"], updated["metadata"]) == ("Ada", "Lovelace", {"b": True})
    assert updated["username"] == "ada" and updated["token"] != made["token"]
    assert updated["updated_at"] >= made["updated_at"]
    again = customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=updated["token"]))
    assert again["last_name"] == "Lovelace"
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=made["token"]))  # still valid
    cleared = customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "first_name": None},
                                token=updated["token"]))
    assert cleared["first_name"] is None and cleared["last_name"] == "Lovelace"


def test_email_change_moves_the_marker_and_resets_confirmation(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any]) -> None:
    assert api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"],
                                                                 "email": "old@example.com"}).status == 200
    logged = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "old@example.com", "token": latest_code("old@example.com")}))
    assert logged["email_confirm"] is True
    moved = customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "email": "New@Example.com"},
                              token=logged["token"]))
    assert moved["email"] == "new@example.com" and moved["email_confirm"] is False
    staff = owner["access_token"]
    # The old address is free again: staff creating it get a new profile, the new one finds the customer.
    fresh = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "old@example.com"}, token=staff)
    found = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "new@example.com"}, token=staff)
    assert fresh.body["id"] != found.body["id"]
    assert found.body["email"] == "new@example.com" and found.body["verified"] is False


def test_update_bad_input_changes_nothing(api: Api, store: dict[str, Any]) -> None:
    customer(register(api, store, "other@example.com", username="other"))
    made = customer(register(api, store, username="mine"))
    token = made["token"]
    bad = [({"email": "other@example.com", "current_password": PASSWORD}, "email"), ({"username": "OTHER"}, "username"),
           ({"email": None}, "body"), ({"password": "short"}, "password"),
           ({"password": "iloveyou1"}, "password"),
           ({"password": "another-good-one"}, "current_password"),
           ({"password": "another-good-one", "current_password": "wrong-password"}, "current_password"),
           # A new email, like a new password, needs the current one while the customer has one.
           ({"email": "mine@example.com"}, "current_password"),
           ({"email": "mine@example.com", "current_password": "wrong-password"}, "current_password"),
           ({"language": "english"}, "language")]
    for change, field in bad:
        assert_field_error(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], **change}, token=token), field)
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=token)) == {**made}
    changed = customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "password": "another-good-one",
                                                           "current_password": PASSWORD}, token=token))
    login = {"site_id": store["id"], "email": "reader@example.com"}
    assert_error(api.call("POST", f"{SDK}/auth/login", {**login, "password": PASSWORD}), 401)
    assert customer(api.call("POST", f"{SDK}/auth/login", {**login, "password": "another-good-one"}))["id"] == \
        changed["id"]


def test_refresh_hands_out_a_new_token(api: Api, store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    with counting_calls() as calls:
        refreshed = customer(api.call("POST", f"{SDK}/customer/refresh", {"site_id": store["id"]},
                                      token=made["token"]))
    assert len(calls) == 2
    assert refreshed["token"] != made["token"] and refreshed["id"] == made["id"]
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=refreshed["token"]))


def test_customer_shows_audience_subscriptions(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    staff = owner["access_token"]
    profile_id = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "reader@example.com"},
                          token=staff).body["id"]
    audience = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "newsletter"}, token=staff).body
    added = api.call("POST", f"/v1/stores/{store['id']}/audiences/{audience['id']}/subscribers",
                     {"profile_id": profile_id}, token=staff)
    assert added.status == 200, added.body
    got = customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=made["token"]))
    assert got["subscriptions"] == []
    assert [(m["audience_id"], m["status"]) for m in got["memberships"]] == [(audience["id"], "active")]


def test_staff_revocation_and_merge_end_customer_tokens(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    staff = owner["access_token"]
    made = customer(register(api, store, username="dup", phone="+1 555 0101"))
    source_id = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "reader@example.com"},
                         token=staff).body["id"]
    target_id = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "keeper@example.com"},
                         token=staff).body["id"]
    merged = api.call("POST", f"/v1/stores/{store['id']}/profiles/{target_id}/merge", {"source_id": source_id},
                      token=staff)
    assert merged.status == 200, merged.body
    # The source is erased with its sessions: its customer token stops at once.
    assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=made["token"]), 401)
    # The target keeps only its own credentials (none): the source's password and username log in nowhere.
    for name in ({"username": "dup"}, {"email": "keeper@example.com"}, {"email": "reader@example.com"}):
        assert_error(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], **name, "password": PASSWORD}),
                     401)
    # The owner of the target's address logs in by code, and finds the gaps filled (phone, customer number).
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": "keeper@example.com"})
    keeper = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "keeper@example.com", "token": latest_code("keeper@example.com")}))
    assert keeper["id"] == made["id"] and keeper["phone"] == "+1 555 0101" and keeper["username"] is None
    # The source's email and username are free for a new sign-up.
    assert customer(register(api, store, username="dup"))["id"] != made["id"]
    revoke = api.call("DELETE", f"/v1/stores/{store['id']}/profiles/{target_id}/sessions", token=staff)
    assert revoke.status == 200
    assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=keeper["token"]), 401)


def test_unknown_route_in_the_pelcro_shape(api: Api) -> None:
    from tests.support import HOSTS

    handler = HOSTS["PelcroFunction"]
    from localrunner.events import proxy_event

    event = proxy_event(method="GET", path=f"{SDK}/customer", query="", headers=[], body=b"", source_ip="203.0.113.7",
                        resource=f"{SDK}/customer", path_parameters={}, request_id="r-1")
    result = handler.invoke(event)
    assert result["statusCode"] == 404
    assert '"error"' in result["body"] and '"status": 404' in result["body"]


def test_deleting_the_site_erases_its_customers(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from storecrm.kernel.repositories.base import default_table

    made = customer(register(api, store, username="Gone"))
    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"]).status == 200
    table = default_table()
    for partition in [f"STORE#{store['id']}#USERNAME#gone", f"STORE#{store['id']}#EMAIL#reader@example.com"]:
        assert list(table.query_all(partition)) == [], partition
    assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=made["token"]), 401)
    assert_field_error(register(api, store), "site_id")


def test_passwords_never_reach_the_logs(api: Api, store: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    made = customer(register(api, store))
    api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "reader@example.com",
                                           "password": "wrong-password-77"})
    api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "password": "new-secret-99",
                                        "current_password": "not-it-55"}, token=made["token"])
    api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": "x@example.com", "password": "short-1"})
    from storecrm.http.app import logger

    logger.warning("capture probe")  # the functions' logger writes where this test reads
    assert "capture probe" in caplog.text
    for secret in (PASSWORD, "wrong-password-77", "new-secret-99", "not-it-55", "short-1"):
        assert secret not in caplog.text
