"""Proving an email ends what others did with it (issue 24 section 4): the first proof in any dialect drops a
password set before and ends every other session, in the transaction that marks the profile verified."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_pelcro_customers import (  # noqa: F401 - cheap_hashing is an autouse fixture
    PASSWORD,
    SDK,
    assert_error,
    cheap_hashing,
    customer,
)
from tests.support import Api, latest_code

VICTIM = "victim@example.com"


def _registrant(api: Api, store: dict[str, Any]) -> dict[str, Any]:
    """Someone registers the victim's address with a password of theirs, and keeps a session."""
    return customer(api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": VICTIM,
                                                              "password": PASSWORD, "username": "squatter"}))


def _stored(profile_id: str) -> dict[str, Any]:
    from storecrm.profiles.repositories.profiles import ProfileRepository

    found = ProfileRepository().get(profile_id)
    assert found is not None
    return found.model_dump()


def _arky_proof(api: Api, store: dict[str, Any]) -> str:
    base = f"/v1/stores/{store['id']}/profiles"
    api.call("POST", f"{base}/auth/code", {"email": VICTIM})
    reply = api.call("POST", f"{base}/auth/verify", {"email": VICTIM, "code": latest_code(VICTIM)})
    assert reply.status == 200 and reply.body["is_verified"] is True, reply.body
    return str(reply.body["session_id"])


def _storefront_proof(api: Api, store: dict[str, Any]) -> str:
    sf = f"/v1/storefront/{store['id']}/profiles"
    named = api.call("POST", f"{sf}/identify", {"email": VICTIM, "verify": True})
    assert named.status == 200, named.body
    reply = api.call("POST", f"{sf}/verify", {"code": latest_code(VICTIM)}, token=named.body["token"]["token"])
    assert reply.status == 200, reply.body
    return str(reply.body["id"])


@pytest.mark.parametrize("prove", [_arky_proof, _storefront_proof], ids=["arky-code", "storefront-verify"])
def test_the_first_proof_ends_a_registrants_password_and_sessions(api: Api, owner: dict[str, Any],
                                                                   store: dict[str, Any], prove: Any) -> None:
    squatter = _registrant(api, store)
    connected = api.call("POST", f"/v1/stores/{store['id']}/profiles/connect", {"email": VICTIM}).body
    own_session = prove(api, store)
    # The registrant's customer token, its password (by email or username) and a connected session all stop.
    assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=squatter["token"]), 401)
    for name in ({"email": VICTIM}, {"username": "squatter"}):
        assert_error(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], **name, "password": PASSWORD}),
                     401)
    assert api.call("GET", f"/v1/stores/{store['id']}/profiles/me", token=connected["access_token"]).status == 401
    staff = api.call("GET", f"/v1/stores/{store['id']}/profiles/{connected['id']}", token=owner["access_token"]).body
    assert staff["profile"]["verified"] is True
    assert [t["id"] for t in staff["profile"]["auth_tokens"]] == [own_session]
    stored = _stored(connected["id"])
    assert stored["password_hash"] is None and stored["username"] == "squatter"  # a name, not a secret
    from storecrm.kernel.repositories.base import default_table

    events = [e for e in default_table().query_all(f"STORE#{store['id']}#EVENT") if e["type"] == "profile.updated"]
    assert events[-1]["data"]["changed"] == ["verified"] and "password_hash" not in events[-1]["data"]["profile"]


def test_a_later_proof_ends_nothing(api: Api, store: dict[str, Any]) -> None:
    _arky_proof(api, store)
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": VICTIM})
    owner_login = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": VICTIM, "token": latest_code(VICTIM)}))
    customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "password": "owners-own-secret"},
                      token=owner_login["token"]))
    _arky_proof(api, store)
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=owner_login["token"]))
    assert customer(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": VICTIM,
                                                           "password": "owners-own-secret"}))


def test_a_new_email_is_proven_afresh(api: Api, store: dict[str, Any]) -> None:
    """A customer who moves their account to another address (with the current password) proves that address
    anew: whoever reads its mail may not be who set the password."""
    _arky_proof(api, store)
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": VICTIM})
    mine = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": VICTIM, "token": latest_code(VICTIM)}))
    mine = customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "password": "owners-own-secret"},
                             token=mine["token"]))
    moved = customer(api.call("PUT", f"{SDK}/customer", {"site_id": store["id"], "email": "new@example.com",
                                                         "current_password": "owners-own-secret"}, token=mine["token"]))
    assert moved["email_confirm"] is False
    base = f"/v1/stores/{store['id']}/profiles"
    api.call("POST", f"{base}/auth/code", {"email": "new@example.com"})
    assert api.call("POST", f"{base}/auth/verify", {"email": "new@example.com",
                                                    "code": latest_code("new@example.com")}).status == 200
    assert_error(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=moved["token"]), 401)
    assert_error(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "new@example.com",
                                                        "password": "owners-own-secret"}), 401)
