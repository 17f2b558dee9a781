from __future__ import annotations

import time

import jwt
import pytest

from storecrm.domain.auth import (
    Principal,
    SigningKeys,
    code_matches,
    hash_code,
    issue_access_token,
    new_code,
    read_access_token,
    split_refresh_token,
)
from storecrm.domain.errors import Unauthorized

KEYS = SigningKeys(current_kid="k2", keys={"k1": "old-secret" * 4, "k2": "new-secret" * 4})


def test_codes_are_six_digits_and_stored_as_keyed_hashes() -> None:
    code = new_code()
    assert len(code) == 6 and code.isdigit()
    stored = hash_code(code, "account", "a@example.com", KEYS, "k2")
    assert code not in stored
    assert code_matches(code, stored, "account", "a@example.com", KEYS, "k2")
    assert not code_matches(code, stored, "account", "b@example.com", KEYS, "k2")  # bound to the email


def test_access_tokens_round_trip_and_name_their_key() -> None:
    principal = Principal(kind="account", subject="acc-1", session_id="s-1")
    token, _ = issue_access_token(principal, KEYS, int(time.time()), 900)
    assert jwt.get_unverified_header(token)["kid"] == "k2"
    assert read_access_token(token, KEYS) == principal


def test_an_api_clients_token_carries_its_store_and_scopes() -> None:
    principal = Principal(kind="client", subject="client-1", store_id="store-1",
                          scopes=frozenset({"profiles:read", "profiles:write"}))
    token, _ = issue_access_token(principal, KEYS, int(time.time()), 900)
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == "profiles:read profiles:write"
    assert read_access_token(token, KEYS) == principal


def test_tokens_signed_with_an_older_key_still_verify_after_rotation() -> None:
    old = SigningKeys(current_kid="k1", keys=KEYS.keys)
    token, _ = issue_access_token(Principal(kind="account", subject="a"), old, int(time.time()), 900)
    assert read_access_token(token, KEYS).subject == "a"


@pytest.mark.parametrize("tamper", ["expired", "wrong_key", "unknown_kid", "garbage", "alg_none"])
def test_bad_access_tokens_are_rejected(tamper: str) -> None:
    now = int(time.time())
    principal = Principal(kind="account", subject="a")
    token = {
        "expired": lambda: issue_access_token(principal, KEYS, now - 3600, 60)[0],
        "wrong_key": lambda: issue_access_token(principal, SigningKeys("k2", {"k2": "x" * 40}), now, 60)[0],
        "unknown_kid": lambda: issue_access_token(principal, SigningKeys("k9", {"k9": "y" * 40}), now, 60)[0],
        "garbage": lambda: "a.b.c",
        "alg_none": lambda: jwt.encode({"sub": "a", "typ": "account", "iat": now, "exp": now + 60,
                                        "iss": "storecrm"}, None, algorithm="none", headers={"kid": "k2"}),
    }[tamper]()
    with pytest.raises(Unauthorized):
        read_access_token(token, KEYS)


@pytest.mark.parametrize("bad", ["", "no-dot", ".secret", "session.", "x" * 300, "s.secret.", "s..owner",
                                 "s.x.o.extra"])
def test_refresh_tokens_must_be_session_dot_secret_dot_owner(bad: str) -> None:
    with pytest.raises(Unauthorized):
        split_refresh_token(bad)
