"""Clienteling consent rules and API-client scope grants, without AWS."""

from __future__ import annotations

import pytest

from storecrm.crm.clienteling import with_state
from storecrm.crm.models.clienteling import Consent
from storecrm.stores.api_clients import OAuthError, granted_scopes
from storecrm.stores.models.api_clients import ApiClient


def _consent(state: str, at: int = 100) -> Consent:
    return Consent.model_validate({"state": state, "opt_in_date": at if state == "accepted" else None,
                                   "created_at": at, "updated_at": at})


def test_opting_out_at_one_location_opts_out_at_all() -> None:
    current = {"a": _consent("accepted"), "b": _consent("waiting"), "c": _consent("rejected")}
    after = with_state(current, "b", "rejected", 200)
    assert {loc: c.state for loc, c in after.items()} == {"a": "rejected", "b": "rejected", "c": "rejected"}
    assert after["a"].opt_in_date is None and after["a"].created_at == 100 and after["a"].updated_at == 200
    assert after["c"] is current["c"]  # already out: untouched


def test_other_states_change_one_location_and_keep_the_opt_in_date() -> None:
    current = {"a": _consent("accepted"), "b": _consent("rejected")}
    again = with_state(current, "a", "accepted", 300)
    assert again["a"].opt_in_date == 100 and again["a"].updated_at == 300 and again["b"] is current["b"]
    new = with_state(current, "c", "accepted", 300)
    assert new["c"] == Consent(state="accepted", opt_in_date=300, created_at=300, updated_at=300)
    assert with_state(current, "a", "waiting", 300)["a"].opt_in_date is None


def test_granted_scopes_are_a_subset_of_the_clients() -> None:
    client = ApiClient(id="c", store_id="s", name="n", scopes=["profiles:read", "profiles:write"], secret_hash="h",
                       created_by="a", created_at=1, updated_at=1)
    assert granted_scopes(None, client) == {"profiles:read", "profiles:write"}
    assert granted_scopes("  ", client) == {"profiles:read", "profiles:write"}
    assert granted_scopes("profiles:read", client) == {"profiles:read"}
    with pytest.raises(OAuthError) as refused:
        granted_scopes("profiles:read profiles:delete", client)
    assert refused.value.code == "OAUTH.INVALID_SCOPE" and "profiles:delete" in refused.value.message
