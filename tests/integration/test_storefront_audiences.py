"""The storefront's audience reads (arky-sdk 0.9.1 storefront crm.audience.get / find): active audiences
only, no subscriber data, and the mailed-link routes beside them stay what they are."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.arky_types import assert_client_shape
from tests.support import Api, counting_calls, latest_code

AUDIENCE_FIELDS = {"id", "store_id", "key", "status", "type"}


def _sf(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/storefront/{store['id']}/audiences{tail}"


def _create(api: Api, token: str, store: dict[str, Any], key: str, **body: Any) -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": key, **body}, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


@pytest.fixture
def audiences(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, dict[str, Any]]:
    token = owner["access_token"]
    made = {key: _create(api, token, store, key) for key in ("alpha", "beta", "gamma")}
    made["draft"] = _create(api, token, store, "draft-list", status="draft")
    made["paid"] = _create(api, token, store, "members", type="paid", prices=[
        {"id": "monthly", "currency": "USD", "amount": 900, "interval": {"period": "month"}}])
    archived = _create(api, token, store, "old-news")
    api.call("PUT", f"/v1/stores/{store['id']}/audiences/{archived['id']}", {"status": "archived"}, token=token)
    made["archived"] = archived
    # A subscriber, so a leak of subscriber data would show.
    shopper = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "fan@example.com"}, token=token).body
    api.call("POST", f"/v1/stores/{store['id']}/audiences/{made['alpha']['id']}/subscribers",
             {"profile_id": shopper["id"]}, token=token)
    return made


def test_find_lists_active_audiences_a_page_at_a_time(api: Api, store: dict[str, Any],
                                                      audiences: dict[str, dict[str, Any]]) -> None:
    # storefront.crm.audience.find({}) - no bearer needed
    reply = api.call("GET", _sf(store))
    assert reply.status == 200, reply.body
    assert [a["key"] for a in reply.body["items"]] == ["alpha", "beta", "gamma", "members"]
    assert reply.body["cursor"] is None
    assert all(set(a) == AUDIENCE_FIELDS for a in reply.body["items"])
    assert reply.body["items"][0] == audiences["alpha"]
    assert reply.body["items"][3]["type"]["prices"][0]["amount"] == 900

    # find({limit, cursor}) walks the list
    seen, cursor = [], None
    for _ in range(10):
        query: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.call("GET", _sf(store), query=query).body
        seen += [a["key"] for a in page["items"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == ["alpha", "beta", "gamma", "members"]

    # find({query}), find({ids}) (JSON-encoded, as the client sends arrays), find({status})
    assert [a["key"] for a in api.call("GET", _sf(store), query={"query": "gam"}).body["items"]] == ["gamma"]
    ids = json.dumps([audiences["beta"]["id"], audiences["draft"]["id"], audiences["archived"]["id"]])
    assert [a["key"] for a in api.call("GET", _sf(store), query={"ids": ids}).body["items"]] == ["beta"]
    assert api.call("GET", _sf(store), query={"status": "draft"}).body["items"] == []
    assert len(api.call("GET", _sf(store), query={"status": "active"}).body["items"]) == 4

    with counting_calls() as calls:
        api.call("GET", _sf(store))
    assert calls.calls == ["dynamodb.Query", "dynamodb.BatchGetItem"]


def test_get_by_id_or_key(api: Api, store: dict[str, Any], audiences: dict[str, dict[str, Any]]) -> None:
    alpha = audiences["alpha"]
    # storefront.crm.audience.get({id}) and get({key}) -> `${storeId}:${key}`
    for ref in (alpha["id"], f"{store['id']}:alpha", "alpha"):
        reply = api.call("GET", _sf(store, f"/{ref}"))
        assert reply.status == 200 and reply.body == alpha, (ref, reply.body)
    with counting_calls() as calls:
        api.call("GET", _sf(store, f"/{alpha['id']}"))
    assert calls.calls == ["dynamodb.BatchGetItem"]
    for hidden in (audiences["draft"]["id"], audiences["archived"]["id"], "draft-list", "nope"):
        reply = api.call("GET", _sf(store, f"/{hidden}"))
        assert reply.status == 404 and reply.error == "AUDIENCE.NOT_FOUND", (hidden, reply.body)
    gone = api.call("GET", f"/v1/storefront/no-such-store/audiences/{alpha['id']}")
    assert gone.status == 404


def test_links_are_not_read_as_audience_ids(api: Api, store: dict[str, Any],
                                            audiences: dict[str, dict[str, Any]]) -> None:
    for link in ("confirm", "unsubscribe"):
        reply = api.call("GET", _sf(store, f"/{link}"), query={"token": "forged"})
        assert reply.status == 400 and reply.error == "AUDIENCE.INVALID_TOKEN", (link, reply.body)
        missing = api.call("GET", _sf(store, f"/{link}"))
        assert missing.status == 400 and missing.body["validationErrors"][0]["field"] == "token"


def test_reads_stay_in_their_store(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                   audiences: dict[str, dict[str, Any]]) -> None:
    other = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC",
                                            "billing_email": "o@example.com"}, token=owner["access_token"]).body
    theirs = _create(api, owner["access_token"], other, "theirs")
    assert api.call("GET", _sf(store, f"/{theirs['id']}")).status == 404
    assert api.call("GET", _sf(store, f"/{other['id']}:theirs")).status == 404
    assert api.call("GET", _sf(store), query={"ids": json.dumps([theirs["id"]])}).body["items"] == []
    assert [a["key"] for a in api.call("GET", _sf(other)).body["items"]] == ["theirs"]
    # A cursor from one store's list is refused by another's.
    first = api.call("GET", _sf(store), query={"limit": 1}).body
    reply = api.call("GET", _sf(other), query={"limit": 1, "cursor": first["cursor"]})
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "cursor"


def test_bad_input(api: Api, store: dict[str, Any], audiences: dict[str, dict[str, Any]]) -> None:
    for query, field in [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"status": "gone"}, "status"),
                         ({"ids": "not json"}, "ids"), ({"ids": json.dumps({"a": 1})}, "ids"),
                         ({"cursor": "garbage!"}, "cursor")]:
        reply = api.call("GET", _sf(store), query=query)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (query, reply.body)
        assert set(reply.body) == {"message", "error", "statusCode", "validationErrors"}
        assert any(field in e["field"] for e in reply.body["validationErrors"]), (query, reply.body)
    too_long = api.call("GET", _sf(store, f"/{'a' * 300}"))
    assert too_long.status == 400 and too_long.error == "GENERAL.VALIDATION_ERROR"


# The arky client's AudienceSubscription (src/types/index.ts at fe001ba), field for field.
SUBSCRIPTION_FIELDS = {"id", "store_id", "profile_id", "audience_id", "plan_id", "pending_plan_id", "payment",
                       "status", "start_date", "end_date", "token", "source", "created_at", "updated_at"}


def _verified_bearer(api: Api, store: dict[str, Any], email: str) -> tuple[str, dict[str, Any]]:
    """storefront.crm.profile.identify({email, verify: true}) then verify({code}): the bearer and the profile."""
    named = api.call("POST", f"/v1/storefront/{store['id']}/profiles/identify",
                     {"store_id": store["id"], "market": None, "email": email, "verify": True})
    assert named.status == 200, named.body
    verified = api.call("POST", f"/v1/storefront/{store['id']}/profiles/verify",
                        {"store_id": store["id"], "code": latest_code(email)}, token=named.body["token"]["token"])
    assert verified.status == 200, verified.body
    return verified.body["token"], named.body["profile"]


def test_subscriptions_come_in_the_client_shape_everywhere(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                           audiences: dict[str, dict[str, Any]]) -> None:
    bearer, profile = _verified_bearer(api, store, "reader@example.com")
    beta = audiences["beta"]
    # storefront.crm.audience.subscribe({id, profile_id, ...})
    subscribed = api.call("POST", _sf(store, f"/{beta['id']}/subscribe"),
                          {"profile_id": profile["id"], "price_id": None, "success_url": None, "cancel_url": None,
                           "confirm_url": None}, token=bearer)
    assert subscribed.status == 200, subscribed.body
    subscription = subscribed.body["subscription"]
    assert set(subscription) == SUBSCRIPTION_FIELDS
    assert subscription == {
        "id": subscription["id"], "store_id": store["id"], "profile_id": profile["id"], "audience_id": beta["id"],
        "plan_id": "", "pending_plan_id": None, "payment": {"currency": "", "market": "", "provider": None},
        "status": "active", "start_date": subscription["created_at"], "end_date": 0, "token": "",
        "source": "signup", "created_at": subscription["created_at"], "updated_at": subscription["updated_at"]}
    # storefront.crm.audience.checkAccess({id}), storefront.crm.profile.getMe(), staff crm.get({id})
    access = api.call("GET", _sf(store, f"/{beta['id']}/access"), token=bearer).body
    me = api.call("GET", f"/v1/storefront/{store['id']}/profiles/me", token=bearer).body
    detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{profile['id']}", token=owner["access_token"]).body
    assert access["subscription"] == subscription
    assert_client_shape(subscribed.body, "AudienceSubscribeResponse")
    assert_client_shape(access, "AudienceAccessResponse")
    assert_client_shape(me, "ProfileDetail")
    assert me["audience_subscriptions"] == [subscription]
    assert detail["audience_subscriptions"] == [subscription]
