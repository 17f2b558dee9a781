"""Identity rules without AWS (issue 24): a merge never moves credentials, profile ids carry no time, a
store-scoped staff token reaches its store only, and every staff scope shares one code budget."""

from __future__ import annotations

import uuid

import pytest

from storecrm.crm.customers import code_scope as customer_scope
from storecrm.crm.profiles import merge_profiles
from storecrm.identity.auth import Principal
from storecrm.kernel.errors import NotFound
from storecrm.messaging.profile_sessions import code_scope as profile_scope
from storecrm.profiles.models.profiles import Profile
from storecrm.stores.access import outside_scope
from storecrm.stores.accounts import SCOPE, store_scope


def _profile(profile_id: str, **fields: object) -> Profile:
    return Profile.model_validate({"id": profile_id, "store_id": "s", "created_at": 1, "updated_at": 1, **fields})


def test_a_merge_keeps_the_targets_credentials_and_never_takes_the_sources() -> None:
    source = _profile("src", email="dupe@example.com", password_hash="scrypt$source", username="dupe",
                      first_name="Ada", phone="+1 555 0100")
    bare = merge_profiles(_profile("tgt", email="a@example.com"), source, 5)
    assert bare.password_hash is None and bare.username is None
    assert (bare.first_name, bare.phone) == ("Ada", "+1 555 0100")  # the other gaps are still filled
    own = merge_profiles(_profile("tgt", password_hash="scrypt$target", username="mine"), source, 5)
    assert (own.password_hash, own.username) == ("scrypt$target", "mine")


def test_random_ids_carry_no_time() -> None:
    from storecrm.clock import new_random_id

    made = [new_random_id() for _ in range(50)]
    assert len(set(made)) == 50
    # Version 4: 122 random bits, where a version 7 id starts with the millisecond it was made.
    assert all(uuid.UUID(i).version == 4 and uuid.UUID(i).variant == uuid.RFC_4122 for i in made)


def test_a_store_scoped_staff_token_reaches_its_store_only() -> None:
    scoped = Principal(kind="account", subject="acc", session_id="s", store_id="mine")
    outside_scope(scoped, "mine")
    with pytest.raises(NotFound) as refused:
        outside_scope(scoped, "other")
    assert refused.value.code == "STORE.NOT_FOUND"
    outside_scope(Principal(kind="account", subject="acc", session_id="s"), "any")  # a platform login


def test_code_scopes_and_the_budgets_they_share() -> None:
    # Staff: every store's scope is its own, and all of them count against one budget per email.
    assert {SCOPE.budget, store_scope("a").budget, store_scope("b").budget} == {SCOPE.budget}
    assert len({SCOPE.name, store_scope("a").name, store_scope("b").name}) == 3
    # A store's customers: both dialects' scopes share the store's budget; another store has its own.
    assert profile_scope("a").budget == customer_scope("a").budget != profile_scope("b").budget
    assert profile_scope("a").name != customer_scope("a").name
