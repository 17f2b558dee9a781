"""A store-scoped staff login acts on that store only (issue 24 section 3): another store of the same account
answers like an unknown store, through refreshes too; account-level routes show only that store."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, latest_code


@pytest.fixture
def stores(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> list[dict[str, Any]]:
    """Two stores with the same admin, who never logged in anywhere."""
    other = api.call("POST", "/v1/stores", {"key": "second-shop", "timezone": "UTC", "billing_email": "b@example.com"},
                     token=owner["access_token"]).body
    for each in (store, other):
        added = api.call("POST", f"/v1/stores/{each['id']}/members", {"email": "clerk@example.com"},
                         token=owner["access_token"])
        assert added.status == 200, added.body
    return [store, other]


def _store_login(api: Api, store_id: str, email: str) -> dict[str, Any]:
    api.call("POST", f"/v1/stores/{store_id}/auth/code", {"email": email})
    reply = api.call("POST", f"/v1/stores/{store_id}/auth/verify", {"email": email, "code": latest_code(email)})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _reach(api: Api, token: str, store_id: str) -> list[int]:
    """What the session may do in a store: read it, edit it, list its profiles, revoke a profile's sessions
    (whose access check runs inside its transaction)."""
    return [api.call("GET", f"/v1/stores/{store_id}", token=token).status,
            api.call("PUT", f"/v1/stores/{store_id}", {"timezone": "UTC"}, token=token).status,
            api.call("GET", f"/v1/stores/{store_id}/profiles", token=token).status,
            api.call("DELETE", f"/v1/stores/{store_id}/profiles/any/sessions", token=token).status]


def test_a_store_login_reaches_its_store_only(api: Api, stores: list[dict[str, Any]]) -> None:
    mine, other = stores
    session = _store_login(api, mine["id"], "clerk@example.com")
    token = session["access_token"]
    assert _reach(api, token, mine["id"])[:3] == [200, 200, 200]
    refused = api.call("GET", f"/v1/stores/{other['id']}", token=token)
    assert (refused.status, refused.error) == (404, "STORE.NOT_FOUND")
    assert _reach(api, token, other["id"]) == [404] * 4
    # The same answer as a store that does not exist.
    unknown = api.call("GET", "/v1/stores/no-such-store", token=token)
    assert (unknown.status, unknown.body["message"]) == (refused.status, refused.body["message"])
    listed = api.call("GET", "/v1/stores", token=token)
    assert [s["id"] for s in listed.body["items"]] == [mine["id"]]
    # DECISION: a new store is made from a platform login.
    created = api.call("POST", "/v1/stores", {"key": "third-shop", "timezone": "UTC", "billing_email": "b@example.com"},
                       token=token)
    assert created.status == 403 and created.error == "GENERAL.FORBIDDEN", created.body


def test_the_scope_survives_refresh(api: Api, stores: list[dict[str, Any]]) -> None:
    from storecrm.identity.auth import read_access_token
    from storecrm.identity.gateways.signing_keys import token_verify_keys

    mine, other = stores
    session = _store_login(api, mine["id"], "clerk@example.com")
    assert read_access_token(session["access_token"], token_verify_keys()).store_id == mine["id"]
    refreshed = api.call("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert refreshed.status == 200, refreshed.body
    token = refreshed.body["access_token"]
    assert read_access_token(token, token_verify_keys()).store_id == mine["id"]
    assert api.call("GET", f"/v1/stores/{mine['id']}", token=token).status == 200
    assert api.call("GET", f"/v1/stores/{other['id']}", token=token).status == 404
    again = api.call("POST", "/v1/auth/refresh", {"refresh_token": refreshed.body["refresh_token"]})
    assert api.call("GET", f"/v1/stores/{other['id']}", token=again.body["access_token"]).status == 404


def test_a_platform_login_still_reaches_every_store(api: Api, stores: list[dict[str, Any]]) -> None:
    _store_login(api, stores[0]["id"], "clerk@example.com")
    token = login(api, "clerk@example.com")["access_token"]
    for each in stores:
        assert api.call("GET", f"/v1/stores/{each['id']}", token=token).status == 200
    assert {s["id"] for s in api.call("GET", "/v1/stores", token=token).body["items"]} == {s["id"] for s in stores}
