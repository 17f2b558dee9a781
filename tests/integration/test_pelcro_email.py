"""The Pelcro-style customer API: email verification, and what proving an email does to a password set before."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.integration.test_pelcro_customers import (  # noqa: F401 - cheap_hashing is an autouse fixture
    PASSWORD,
    SDK,
    assert_error,
    assert_field_error,
    cheap_hashing,
    customer,
    other_store,
    register,
)
from tests.support import Api, counting_calls, latest_code, sent_mail

VERIFY = f"{SDK}/customer/email/verify"


def mailed_token(email: str) -> str:
    mails = sent_mail(email)
    assert mails, f"no mail sent to {email}"
    found = re.search(r"verification token is (\S+)", str(mails[-1]["body"]))
    assert found, mails[-1]
    return found.group(1)


def staff_view(api: Api, owner: dict[str, Any], store: dict[str, Any], email: str) -> dict[str, Any]:
    found = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=owner["access_token"], query={"query": email})
    assert found.status == 200 and len(found.body["items"]) == 1, found.body
    profile: dict[str, Any] = found.body["items"][0]
    return profile


def test_verify_email_by_the_mailed_token(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    page = {"site_id": store["id"], "redirect_url": "https://shop.example.com/verify?x=1"}
    # A store that lists no origins mails the token alone, whatever page the caller names.
    assert api.call("GET", VERIFY, token=made["token"], query=page).status == 200
    assert "open this link" not in str(sent_mail("reader@example.com")[-1]["body"])
    assert api.call("PUT", f"/v1/stores/{store['id']}", {"allowed_origins": ["https://shop.example.com"]},
                    token=owner["access_token"]).status == 200
    assert_field_error(api.call("GET", VERIFY, token=made["token"], query={
        "site_id": store["id"], "redirect_url": "https://evil.example/grab"}), "redirect_url")
    with counting_calls() as calls:
        sent = api.call("GET", VERIFY, token=made["token"], query=page)
    assert sent.status == 200 and sent.body == {"data": {"sent": True}}, sent.body
    assert len(calls) == 3  # the customer, store and counter; the token stored and counted; the mail
    token = mailed_token("reader@example.com")
    link = re.search(r"open this link: (\S+)", str(sent_mail("reader@example.com")[-1]["body"]))
    assert link and parse_qs(urlsplit(link.group(1)).query) == {"x": ["1"], "email_verify_token": [token]}
    assert staff_view(api, owner, store, "reader@example.com")["verified"] is False
    confirmed = api.call("POST", VERIFY, {"site_id": store["id"], "email_verify_token": token})  # public
    assert confirmed.status == 200 and confirmed.body == {"data": {"email_confirm": True}}, confirmed.body
    assert staff_view(api, owner, store, "reader@example.com")["verified"] is True
    # The first proof of the address ends every session and the password set before it (whoever registered
    # the address may not be who reads its mail): the customer logs in by code and sets a password again.
    assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=made["token"]), 401)
    assert_error(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "reader@example.com",
                                                        "password": PASSWORD}), 401)
    assert staff_view(api, owner, store, "reader@example.com")["auth_tokens"] == []
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": "reader@example.com"})
    got = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "reader@example.com", "token": latest_code("reader@example.com")}))
    assert got["email_confirm"] is True
    # Confirmed: nothing more to mail, and the token does not work twice.
    assert_error(api.call("GET", VERIFY, token=got["token"], query={"site_id": store["id"]}), 404)
    assert_field_error(api.call("POST", VERIFY, {"site_id": store["id"], "email_verify_token": token}),
                       "email_verify_token")


def test_only_the_latest_token_works(api: Api, store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"]})
    first = mailed_token("reader@example.com")
    api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"]})
    second = mailed_token("reader@example.com")
    assert first != second
    assert_field_error(api.call("POST", VERIFY, {"site_id": store["id"], "email_verify_token": first}),
                       "email_verify_token")
    assert customer_confirmed(api, store, second)


def customer_confirmed(api: Api, store: dict[str, Any], token: str) -> bool:
    reply = api.call("POST", VERIFY, {"site_id": store["id"], "email_verify_token": token})
    assert reply.status == 200, reply.body
    return bool(reply.body["data"]["email_confirm"])


def test_email_change_mails_a_token_for_the_new_address(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"]})
    old_token = mailed_token("reader@example.com")
    moved = customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "email": "new@example.com",
                                                         "current_password": PASSWORD}, token=made["token"]))
    assert moved["email_confirm"] is False
    # The old address's token proves an address the customer no longer has.
    assert_field_error(api.call("POST", VERIFY, {"site_id": store["id"], "email_verify_token": old_token}),
                       "email_verify_token")
    assert customer_confirmed(api, store, mailed_token("new@example.com"))
    assert staff_view(api, owner, store, "new@example.com")["verified"] is True


def test_verification_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"]})
    token = mailed_token("reader@example.com")
    profile_id, _, secret = token.partition(".")
    for bad in ["", "x", "no-dot-at-all", f"{profile_id}.{secret[:-1]}X", f"{profile_id}#x.{secret}",
                f"{profile_id}.{'A' * 300}", "\u00e9" * 10]:
        assert_field_error(api.call("POST", VERIFY, {"site_id": store["id"], "email_verify_token": bad}),
                           "email_verify_token")
    assert_field_error(api.call("POST", VERIFY, {"site_id": store["id"]}), "email_verify_token")
    assert_field_error(api.call("POST", VERIFY, {"email_verify_token": token}), "site_id")
    assert_field_error(api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"],
                                                                           "redirect_url": "javascript:alert(1)"}),
                       "redirect_url")
    assert_error(api.call("GET", VERIFY, query={"site_id": store["id"]}), 401)
    assert staff_view(api, owner, store, "reader@example.com")["verified"] is False
    assert customer_confirmed(api, store, token)  # none of that spent it


def test_verification_is_per_site(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    second = other_store(api, owner)
    made = customer(register(api, store))
    # The token of one site is not a customer of another (401), and its mailed token confirms nothing there.
    assert_error(api.call("GET", VERIFY, token=made["token"], query={"site_id": second["id"]}), 401)
    api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"]})
    token = mailed_token("reader@example.com")
    assert_field_error(api.call("POST", VERIFY, {"site_id": second["id"], "email_verify_token": token}),
                       "email_verify_token")
    assert customer_confirmed(api, store, token)


def test_verification_mails_are_limited(api: Api, store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    statuses = [api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"]}).status
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert len(sent_mail("reader@example.com")) == 5


def test_proving_the_email_drops_a_password_set_before(api: Api, owner: dict[str, Any],
                                                       store: dict[str, Any]) -> None:
    """Pre-registration takeover: someone registers the victim's address with a password of theirs. When the
    owner proves the address with a mailed code, that password and its sessions stop working."""
    squatter = customer(register(api, store, "victim@example.com"))
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": "victim@example.com"})
    owner_login = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "victim@example.com", "token": latest_code("victim@example.com")}))
    assert owner_login["id"] == squatter["id"] and owner_login["email_confirm"] is True
    assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=squatter["token"]), 401)
    login = {"site_id": store["id"], "email": "victim@example.com", "password": PASSWORD}
    assert_error(api.call("POST", f"{SDK}/auth/login", login), 401)
    profile = staff_view(api, owner, store, "victim@example.com")
    assert [t["id"] for t in profile["auth_tokens"]] and len(profile["auth_tokens"]) == 1
    # The owner sets a password of their own (no current one to give).
    customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "password": "owners-own-secret"},
                      token=owner_login["token"]))
    assert customer(api.call("POST", f"{SDK}/auth/login", {**login, "password": "owners-own-secret"}))


def test_a_password_set_after_the_proof_stays_through_later_proofs(api: Api, store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    api.call("GET", VERIFY, token=made["token"], query={"site_id": store["id"]})
    assert customer_confirmed(api, store, mailed_token("reader@example.com"))  # the first proof: password gone

    def code_login() -> dict[str, Any]:
        api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": "reader@example.com"})
        return customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
            "site_id": store["id"], "email": "reader@example.com", "token": latest_code("reader@example.com")}))

    first = code_login()
    customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "password": "owners-own-secret"},
                      token=first["token"]))
    code_login()  # proves the address again: nothing to end this time
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=first["token"]))
    assert customer(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "reader@example.com",
                                                           "password": "owners-own-secret"}))



def test_verification_mails_to_one_address_are_limited_whoever_asks(api: Api, owner: dict[str, Any],
                                                                     store: dict[str, Any]) -> None:
    """Issue 24: anyone can register a customer with any address, or change theirs to it; the address gets at most
    as many verification mails as code requests in ten minutes, whichever site or customer asks."""
    attacker = customer(register(api, store, "attacker@example.com"))
    path = f"{SDK}/customer"
    for n in range(8):  # back and forth: each move to the victim's address would mail it
        for email in ("victim@example.com", f"elsewhere{n}@example.com"):
            moved = api.call("PUT", path, {"site_id": store["id"], "email": email, "current_password": PASSWORD},
                             token=attacker["token"])
            assert moved.status == 200, moved.body  # the change itself is never refused
            attacker["token"] = customer(moved)["token"]
    assert len(sent_mail("victim@example.com")) == 5
    # Another site's customer with that address cannot ask for more.
    second = other_store(api, owner)
    there = customer(register(api, second, "victim@example.com"))
    assert_error(api.call("GET", VERIFY, token=there["token"], query={"site_id": second["id"]}), 429)
    assert len(sent_mail("victim@example.com")) == 5
