from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from storecrm.identity.auth import (
    Principal,
    SigningKeys,
    TokenSigningKeys,
    TokenVerifyKeys,
    code_matches,
    hash_code,
    issue_access_token,
    new_code,
    read_access_token,
    split_refresh_token,
)
from storecrm.kernel.errors import Unauthorized

KEYS = SigningKeys(current_kid="k2", keys={"k1": "old-secret" * 4, "k2": "new-secret" * 4})
PRIVATE = {"k1": Ed25519PrivateKey.generate(), "k2": Ed25519PrivateKey.generate()}
SIGNING = TokenSigningKeys(current_kid="k2", keys=PRIVATE)
VERIFYING = TokenVerifyKeys({kid: key.public_key() for kid, key in PRIVATE.items()})


def test_codes_are_six_digits_and_stored_as_keyed_hashes() -> None:
    code = new_code()
    assert len(code) == 6 and code.isdigit()
    stored = hash_code(code, "account", "a@example.com", KEYS, "k2")
    assert code not in stored
    assert code_matches(code, stored, "account", "a@example.com", KEYS, "k2")
    assert not code_matches(code, stored, "account", "b@example.com", KEYS, "k2")  # bound to the email


def test_access_tokens_round_trip_and_name_their_key() -> None:
    principal = Principal(kind="account", subject="acc-1", session_id="s-1")
    token, _ = issue_access_token(principal, SIGNING, int(time.time()), 900)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": "k2", "typ": "JWT"}
    assert read_access_token(token, VERIFYING) == principal


def test_an_api_clients_token_carries_its_store_and_scopes() -> None:
    principal = Principal(kind="client", subject="client-1", store_id="store-1",
                          scopes=frozenset({"profiles:read", "profiles:write"}))
    token, _ = issue_access_token(principal, SIGNING, int(time.time()), 900)
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == "profiles:read profiles:write"
    assert read_access_token(token, VERIFYING) == principal


def test_tokens_signed_with_an_older_key_still_verify_after_rotation() -> None:
    old = TokenSigningKeys(current_kid="k1", keys=PRIVATE)
    token, _ = issue_access_token(Principal(kind="account", subject="a"), old, int(time.time()), 900)
    assert read_access_token(token, VERIFYING).subject == "a"


def test_a_key_published_after_the_keys_were_read_is_found_by_reloading() -> None:
    newer = Ed25519PrivateKey.generate()
    token, _ = issue_access_token(Principal(kind="account", subject="a"), TokenSigningKeys("k3", {"k3": newer}),
                                  int(time.time()), 900)
    with pytest.raises(Unauthorized):
        read_access_token(token, VERIFYING)
    reloading = TokenVerifyKeys(VERIFYING.keys, reload=lambda: {**VERIFYING.keys, "k3": newer.public_key()})
    assert read_access_token(token, reloading).subject == "a"


def test_public_keys_verify_but_cannot_sign() -> None:
    """What a function that only checks bearers holds cannot make a token."""
    with pytest.raises((TypeError, AttributeError, jwt.PyJWTError)):
        issue_access_token(Principal(kind="account", subject="a"), TokenSigningKeys("k2", VERIFYING.keys),
                           int(time.time()), 900)


@pytest.mark.parametrize("tamper", ["expired", "wrong_key", "unknown_kid", "garbage", "alg_none", "hs256"])
def test_bad_access_tokens_are_rejected(tamper: str) -> None:
    now = int(time.time())
    principal = Principal(kind="account", subject="a")
    claims = {"sub": "a", "typ": "account", "iat": now, "exp": now + 60, "iss": "storecrm"}
    stranger = Ed25519PrivateKey.generate()
    token = {
        "expired": lambda: issue_access_token(principal, SIGNING, now - 3600, 60)[0],
        "wrong_key": lambda: issue_access_token(principal, TokenSigningKeys("k2", {"k2": stranger}), now, 60)[0],
        "unknown_kid": lambda: issue_access_token(principal, TokenSigningKeys("k9", {"k9": stranger}), now, 60)[0],
        "garbage": lambda: "a.b.c",
        "alg_none": lambda: jwt.encode(claims, None, algorithm="none", headers={"kid": "k2"}),
        # A token of the HS256 era, even one signed with the public key's bytes as its secret.
        "hs256": lambda: jwt.encode(claims, "old-secret" * 4, algorithm="HS256", headers={"kid": "k2"}),
    }[tamper]()
    with pytest.raises(Unauthorized):
        read_access_token(token, VERIFYING)


@pytest.mark.parametrize("bad", ["", "no-dot", ".secret", "session.", "x" * 300, "s.secret.", "s..owner",
                                 "s.x.o.extra"])
def test_refresh_tokens_must_be_session_dot_secret_dot_owner(bad: str) -> None:
    with pytest.raises(Unauthorized):
        split_refresh_token(bad)
