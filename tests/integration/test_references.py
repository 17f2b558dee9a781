"""Ids a request body names (issue 10, section 1): another store's record, or one that does not exist, is a
400 naming the field, the same answer for both; nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_audiences import TEMPLATE
from tests.integration.test_memberships import PRICES, STRIPE
from tests.support import Api

ARKY_ERROR_KEYS = {"message", "error", "statusCode", "validationErrors"}


def _assert_400(reply: Any, field: str) -> None:
    assert reply.status == 400, reply.body
    assert set(reply.body) == ARKY_ERROR_KEYS and reply.body["error"] == "GENERAL.VALIDATION_ERROR"
    assert [e["field"] for e in reply.body["validationErrors"]] == [field], reply.body


@pytest.fixture
def other(api: Api, owner: dict[str, Any]) -> dict[str, Any]:
    """A second store of the same owner: its records exist, just not in the first store."""
    reply = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC", "billing_email": "o@example.com"},
                     token=owner["access_token"])
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _integration(api: Api, token: str, store: dict[str, Any], key: str, provider: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": key, "provider": provider}, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _profile(api: Api, token: str, store: dict[str, Any], email: str) -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": email}, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_payment_integration_id_names_a_stripe_integration_of_this_store(
        api: Api, owner: dict[str, Any], store: dict[str, Any], other: dict[str, Any]) -> None:
    token = owner["access_token"]
    path = f"/v1/stores/{store['id']}/audiences"
    theirs = _integration(api, token, other, "stripe", STRIPE)
    shipping = _integration(api, token, store, "shippo", {"type": "shippo", "api_token": "shippo_test_123456"})
    for named in (theirs["id"], "no-such-integration", shipping["id"]):
        flat = api.call("POST", path, {"key": "vip", "type": "paid", "prices": PRICES,
                                       "payment_integration_id": named}, token=token)
        _assert_400(flat, "payment_integration_id")
        nested = api.call("POST", path, {"key": "vip", "type": {"type": "paid", "prices": PRICES,
                                                                "payment_integration_id": named}}, token=token)
        _assert_400(nested, "payment_integration_id")
    assert api.call("GET", f"{path}/vip", token=token).status == 404  # nothing was stored
    ours = _integration(api, token, store, "stripe", STRIPE)
    made = api.call("POST", path, {"key": "vip", "type": "paid", "prices": PRICES,
                                   "payment_integration_id": ours["id"]}, token=token)
    assert made.status == 200 and made.body["type"]["payment_integration_id"] == ours["id"], made.body


def test_confirm_template_id_names_a_template_of_this_store(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                            other: dict[str, Any]) -> None:
    token = owner["access_token"]
    theirs = api.call("POST", f"/v1/stores/{other['id']}/email-templates", TEMPLATE, token=token).body
    for named in (theirs["id"], "no-such-template"):
        reply = api.call("POST", f"/v1/stores/{store['id']}/audiences",
                         {"key": "letters", "confirm_template_id": named}, token=token)
        _assert_400(reply, "confirm_template_id")


def test_a_subscriber_is_a_profile_of_this_store(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                 other: dict[str, Any]) -> None:
    token = owner["access_token"]
    audience = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "news"}, token=token).body
    path = f"/v1/stores/{store['id']}/audiences/{audience['id']}/subscribers"
    theirs = _profile(api, token, other, "theirs@example.com")
    for named in (theirs["id"], "no-such-profile"):
        _assert_400(api.call("POST", path, {"profile_id": named}, token=token), "profile_id")
    assert api.call("GET", path, token=token).body["items"] == []
    ours = _profile(api, token, store, "ours@example.com")
    added = api.call("POST", path, {"profile_id": ours["id"]}, token=token)
    assert added.status == 200 and added.body["subscriber"]["profile_id"] == ours["id"], added.body


def test_a_merge_source_is_a_profile_of_this_store(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                   other: dict[str, Any]) -> None:
    token = owner["access_token"]
    target = _profile(api, token, store, "target@example.com")
    theirs = _profile(api, token, other, "theirs@example.com")
    merge = f"/v1/stores/{store['id']}/profiles/{target['id']}/merge"
    for named in (theirs["id"], "no-such-profile"):
        _assert_400(api.call("POST", merge, {"source_id": named}, token=token), "source_id")
    assert api.call("GET", f"/v1/stores/{other['id']}/profiles/{theirs['id']}", token=token).status == 200
    # The path's own profile is still a 404 when it is missing.
    source = _profile(api, token, store, "source@example.com")
    missing = api.call("POST", f"/v1/stores/{store['id']}/profiles/no-such-profile/merge", {"source_id": source["id"]},
                       token=token)
    assert missing.status == 404 and missing.error == "PROFILE.NOT_FOUND"
    assert api.call("POST", merge, {"source_id": source["id"]}, token=token).status == 200
