"""Personal API tokens' rules (storecrm.identity.account_tokens): their shape, what makes one usable, who may
manage them."""

from __future__ import annotations

import pytest

from storecrm.identity.account_tokens import acts_as_login, compose, split, usable
from storecrm.identity.auth import Principal, hash_secret, is_personal_token
from storecrm.identity.models.account_tokens import AccountToken
from storecrm.kernel.errors import Forbidden


def token(**changes: object) -> AccountToken:
    fields = {"id": "t1", "account_id": "a1", "secret_hash": hash_secret("s3cret_with-underscores"),
              "created_at": 100, **changes}
    return AccountToken.model_validate(fields)


def test_a_token_names_its_account_and_id_and_keeps_underscores_in_its_secret() -> None:
    bearer = compose("a1", "t1", "s3cret_with-underscores")
    assert is_personal_token(bearer) and not is_personal_token("eyJhbGciOiJFZERTQSJ9.e30.sig")
    parts = split(bearer)
    assert parts is not None and (parts.account_id, parts.token_id, parts.secret) == ("a1", "t1",
                                                                                       "s3cret_with-underscores")


@pytest.mark.parametrize("bearer", ["pat_", "pat_a1", "pat_a1_t1", "pat_a1__s", "pat_" + "x_" * 100])
def test_malformed_tokens_do_not_split(bearer: str) -> None:
    assert split(bearer) is None


def test_usable_only_with_the_right_secret_account_and_time() -> None:
    parts = split(compose("a1", "t1", "s3cret_with-underscores"))
    assert parts is not None
    assert usable(token(), parts, at=200)
    assert not usable(None, parts, at=200)
    assert not usable(token(account_id="a2"), parts, at=200)
    assert not usable(token(secret_hash=hash_secret("other")), parts, at=200)
    assert usable(token(expires_at=201), parts, at=200)
    assert not usable(token(expires_at=200), parts, at=200)


@pytest.mark.parametrize("caller", [
    Principal(kind="account", subject="a1"),  # a personal token: no session
    Principal(kind="account", subject="a1", session_id="s1", store_id="store-1"),  # a login to one store
    Principal(kind="client", subject="c1", store_id="store-1"),
])
def test_only_a_platform_login_manages_tokens(caller: Principal) -> None:
    with pytest.raises(Forbidden):
        acts_as_login(caller)
    acts_as_login(Principal(kind="account", subject="a1", session_id="s1"))
