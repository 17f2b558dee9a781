"""An unverified answer does not tell an existing customer's email from a new one (issue 24 section 9), and a
public create path on an unknown or deleted store is a 404 that writes nothing (issue 24 section 1).

A customer exists (verified by code, with a guest of hers and some history); an attacker compares what
connect, identify, me and refresh answer for her email and for an email nobody has: ids, tokens that embed
them, times and counts."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tests.integration.test_pelcro_customers import SDK
from tests.support import Api, latest_code

CUSTOMER = "customer@example.com"


def _p(store: dict[str, Any], tail: str) -> str:
    return f"/v1/stores/{store['id']}/profiles/{tail}"


def _sf(store: dict[str, Any], tail: str) -> str:
    return f"/v1/storefront/{store['id']}/profiles/{tail}"


@pytest.fixture
def customer(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    api.call("POST", _p(store, "auth/code"), {"email": CUSTOMER})
    made = api.call("POST", _p(store, "auth/verify"), {"email": CUSTOMER, "code": latest_code(CUSTOMER)}).body
    api.call("POST", _p(store, "connect"), {"email": CUSTOMER})  # more sessions and a later update
    api.call("PUT", f"/v1/stores/{store['id']}/profiles/{made['id']}", {"taxonomies": [
        {"taxonomy_id": "t", "fields": [{"key": "k", "type": "text", "value": "v"}]}]}, token=owner["access_token"])
    return dict(made)


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def _shape(profile: dict[str, Any], session_id: str, session_created_at: int) -> dict[str, Any]:
    """What may differ between two answers is only what the caller sent or got fresh (the email, the session);
    the rest must be equal. The id must be random: no time in it to compare with `created_at`."""
    assert uuid.UUID(profile["id"]).version == 4, profile["id"]
    assert profile["created_at"] == profile["updated_at"] == session_created_at
    assert profile["auth_tokens"] == [{"id": session_id, "created_at": session_created_at, "verified": False,
                                       "token": ""}]
    return {k: v for k, v in profile.items() if k not in ("id", "email", "auth_tokens", "created_at", "updated_at")}


def test_connect_me_and_refresh_answer_alike(api: Api, store: dict[str, Any], customer: dict[str, Any]) -> None:
    shapes = []
    for email in (CUSTOMER, "new@example.com"):
        connected = api.call("POST", _p(store, "connect"), {"email": email}).body
        assert set(connected) == {"id", "profile", "session_id", "access_token", "refresh_token",
                                  "access_expires_at", "refresh_expires_at", "created_at", "is_verified"}
        claims = _claims(connected["access_token"])
        assert set(claims) == {"iss", "sub", "typ", "iat", "exp", "ver", "sid", "store"}
        assert claims["sub"] == connected["id"] and connected["refresh_token"].endswith(connected["id"])
        me = api.call("GET", _p(store, "me"), token=connected["access_token"]).body
        refreshed = api.call("POST", _p(store, "auth/refresh"), {"refresh_token": connected["refresh_token"]}).body
        shapes.append([_shape(answer, connected["session_id"], connected["created_at"])
                       for answer in (connected["profile"], me, refreshed["profile"])])
    assert shapes[0] == shapes[1]


def test_a_guests_bearer_does_not_tell_them_apart(api: Api, store: dict[str, Any], customer: dict[str, Any]) -> None:
    for email in (CUSTOMER, "new@example.com"):
        guest = api.call("POST", _p(store, "initialize")).body
        connected = api.call("POST", _p(store, "connect"), {"email": email}, token=guest["access_token"]).body
        assert connected["id"] != guest["id"]
        _shape(connected["profile"], connected["session_id"], connected["created_at"])
        identified = api.call("POST", _sf(store, "identify"), {"email": email},
                              token=api.call("POST", _sf(store, "identify"), {}).body["token"]["token"]).body
        assert identified["profile"]["id"] != guest["id"]
        _shape(identified["profile"], identified["token"]["id"], identified["token"]["created_at"])
        me = api.call("GET", _sf(store, "me"), token=identified["token"]["token"]).body
        _shape(me["profile"], identified["token"]["id"], identified["token"]["created_at"])
        assert me["audience_subscriptions"] == [] and me["carts"] == [] and me["orders"] == []


def test_profile_ids_are_random_in_every_dialect(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    made = [
        api.call("POST", _p(store, "initialize")).body["id"],
        api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "staff-made@example.com"},
                 token=owner["access_token"]).body["id"],
    ]
    registered = api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": "pelcro@example.com",
                                                           "password": "plum-tree-42"})
    from storecrm.profiles.repositories.profiles import ProfileRepository

    made.append(str(ProfileRepository().id_for_email(store["id"], registered.body["data"]["email"])))
    assert all(uuid.UUID(i).version == 4 for i in made), made


# ---------------------------------------------------------------- unknown or deleted stores
def _store_items(store_id: str) -> list[dict[str, Any]]:
    """Every item that names the store (a Scan: tests only)."""
    import boto3

    from storecrm.config import settings

    table = boto3.resource("dynamodb", region_name="us-east-1").Table(settings().table_name)
    found, start = [], None
    while True:
        page = table.scan(**({"ExclusiveStartKey": start} if start else {}))
        found += [i for i in page["Items"] if store_id in json.dumps(i, default=str)]
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def test_public_creates_on_an_unknown_store_are_a_404_and_write_nothing(api: Api) -> None:
    unknown = str(uuid.uuid4())
    for path, body in ((f"/v1/stores/{unknown}/profiles/connect", {"email": "x@example.com"}),
                       (f"/v1/storefront/{unknown}/profiles/identify", {"email": "x@example.com"}),
                       (f"/v1/stores/{unknown}/profiles/initialize", None)):
        reply = api.call("POST", path, body)
        assert (reply.status, reply.error) == (404, "STORE.NOT_FOUND"), (path, reply.body)
    assert _store_items(unknown) == []


def test_public_creates_on_a_deleted_store_are_a_404_and_write_nothing(api: Api, owner: dict[str, Any],
                                                                       store: dict[str, Any]) -> None:
    api.call("POST", _p(store, "connect"), {"email": CUSTOMER})
    # Codes asked for while the store existed, used after it is gone.
    api.call("POST", _p(store, "auth/code"), {"email": "late@example.com"})
    arky_code = latest_code("late@example.com")
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": "later@example.com"})
    pelcro_code = latest_code("later@example.com")
    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"]).status == 200
    # What is left until its TTL: the codes, the request counters (keyed by the store's code budget) and, for the
    # store purge to settle (issue 24 section 8), the sessions of its profiles.
    left = {(i["PK"], i["SK"]) for i in _store_items(store["id"])}
    assert all(pk.startswith(("CODE#", "RATE#", "SESSION#")) for pk, _ in left), left
    for email in (CUSTOMER, "new@example.com"):
        reply = api.call("POST", _p(store, "connect"), {"email": email})
        assert (reply.status, reply.error) == (404, "STORE.NOT_FOUND"), reply.body
        reply = api.call("POST", _sf(store, "identify"), {"email": email})
        assert (reply.status, reply.error) == (404, "STORE.NOT_FOUND"), reply.body
    late = api.call("POST", _p(store, "auth/verify"), {"email": "late@example.com", "code": arky_code})
    assert (late.status, late.error) == (404, "STORE.NOT_FOUND"), late.body
    later = api.call("POST", f"{SDK}/auth/passwordless/login", {"site_id": store["id"], "email": "later@example.com",
                                                                "token": pelcro_code})
    assert later.status == 400 and "site_id" in later.body["errors"], later.body
    # Nothing new but the checks counted (the codes themselves were not spent: their transaction failed).
    assert all(pk.startswith("RATE#code-check#") for pk, _ in {(i["PK"], i["SK"]) for i in _store_items(store["id"])}
               - left)
