"""Finding profiles by word prefixes and taxonomy values, through index items, never a scan."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls, seed_profiles


def _tax(tier: str, ltv: float, vip: bool) -> list[dict[str, Any]]:
    return [{"taxonomy_id": "segments", "fields": [
        {"key": "tier", "type": "text", "value": tier}, {"key": "ltv", "type": "number", "value": ltv},
        {"key": "vip", "type": "boolean", "value": vip}]}]


def _seed(api: Api, token: str, store: dict[str, Any]) -> dict[str, str]:
    people = {
        "john.smith@example.com": _tax("gold", 1250, True),
        "jane.jones@example.org": _tax("silver", 300, False),
        "johanna@shop.example.net": _tax("gold", 90.5, False),
        "bob@example.com": _tax("bronze", -20, True),
    }
    return {email: api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": email, "taxonomies": tax},
                            token=token).body["id"] for email, tax in people.items()}


def _find(api: Api, token: str, store: dict[str, Any], **query: Any) -> list[str]:
    if "taxonomy_query" in query:
        query["taxonomy_query"] = json.dumps(query["taxonomy_query"])
    reply = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=token, query=query)
    assert reply.status == 200, reply.body
    return [p["email"] for p in reply.body["items"]]


def test_query_matches_word_prefixes_of_email_and_values(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    token = owner["access_token"]
    ids = _seed(api, token, store)
    assert sorted(_find(api, token, store, query="joh")) == ["johanna@shop.example.net", "john.smith@example.com"]
    assert _find(api, token, store, query="SMITH") == ["john.smith@example.com"]
    assert _find(api, token, store, query="jane.jones@example.org") == ["jane.jones@example.org"]
    assert sorted(_find(api, token, store, query="gold")) == ["johanna@shop.example.net", "john.smith@example.com"]
    assert _find(api, token, store, query="gold john") == ["john.smith@example.com"]  # every word must match
    assert _find(api, token, store, query=ids["bob@example.com"]) == ["bob@example.com"]
    assert _find(api, token, store, query="nobody") == []


def test_taxonomy_filters_equality_and_ranges(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    _seed(api, token, store)

    def tq(*conditions: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"taxonomy_id": "segments", "query": list(conditions)}]

    gold = _find(api, token, store, taxonomy_query=tq({"key": "tier", "type": "text", "value": "Gold"}))
    assert sorted(gold) == ["johanna@shop.example.net", "john.smith@example.com"]
    rich = _find(api, token, store, sort_direction="asc",
                 taxonomy_query=tq({"key": "ltv", "type": "number", "operation": "gte", "value": 90.5}))
    assert rich == ["johanna@shop.example.net", "jane.jones@example.org", "john.smith@example.com"]
    below = _find(api, token, store, sort_direction="desc",
                  taxonomy_query=tq({"key": "ltv", "type": "number", "operation": "lt", "value": 300}))
    assert below == ["johanna@shop.example.net", "bob@example.com"]
    vip_gold = _find(api, token, store, taxonomy_query=tq({"key": "vip", "type": "boolean", "value": True},
                                                          {"key": "tier", "type": "text", "value": "gold"}))
    assert vip_gold == ["john.smith@example.com"]
    assert _find(api, token, store, query="example", taxonomy_query=tq(
        {"key": "ltv", "type": "number", "operation": "gt", "value": 1000})) == ["john.smith@example.com"]


def test_search_follows_updates_and_status(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    ids = _seed(api, token, store)
    bob = ids["bob@example.com"]
    api.call("PUT", f"/v1/stores/{store['id']}/profiles/{bob}", {"email": "robert@example.com",
                                                                  "taxonomies": _tax("platinum", 5000, True)},
             token=token)
    assert _find(api, token, store, query="bob") == []
    assert _find(api, token, store, query="robert") == ["robert@example.com"]
    assert _find(api, token, store, query="bronze") == []
    assert _find(api, token, store, query="platinum") == ["robert@example.com"]
    api.call("PUT", f"/v1/stores/{store['id']}/profiles/{bob}", {"status": "archived"}, token=token)
    assert _find(api, token, store, query="robert", status="active") == []
    assert _find(api, token, store, query="robert", status="archived") == ["robert@example.com"]


def _all_pages(api: Api, token: str, store: dict[str, Any], query: str) -> list[str]:
    """Follows the cursor to the end; every page must be one Query and one BatchGetItem."""
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"query": query, "limit": 2, **({"cursor": cursor} if cursor else {})}
        with counting_calls() as calls:
            reply = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=token, query=params)
        assert calls.calls == ["dynamodb.Query", "dynamodb.BatchGetItem"]
        seen += [p["email"] for p in reply.body["items"]]
        cursor = reply.body["cursor"]
        if not cursor:
            return seen


def test_search_pages_with_cursor_in_two_calls(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    for i in range(5):
        api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": f"pager{i}@example.com"}, token=token)
    assert sorted(_all_pages(api, token, store, "pager")) == [f"pager{i}@example.com" for i in range(5)]
    cursor = _first_cursor(api, token, store)
    other = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=token, query={"query": "smith",
                                                                                     "cursor": cursor})
    assert other.status == 400  # a cursor of one search cannot continue another


def _first_cursor(api: Api, token: str, store: dict[str, Any]) -> str:
    return str(api.call("GET", f"/v1/stores/{store['id']}/profiles", token=token,
                        query={"query": "pager", "limit": 1}).body["cursor"])


def test_bad_search_input_is_400(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    path = f"/v1/stores/{store['id']}/profiles"
    bad = [
        {"query": "j"},
        {"taxonomy_query": "[not json"},
        {"taxonomy_query": json.dumps({"taxonomy_id": "x"})},
        {"taxonomy_query": json.dumps([{"taxonomy_id": "segments", "query": []}])},
        {"taxonomy_query": json.dumps([{"taxonomy_id": "s", "query": [{"key": "t", "type": "text",
                                                                       "operation": "gt", "value": "a"}]}])},
        {"taxonomy_query": json.dumps([{"taxonomy_id": "s", "query": [{"key": "n", "type": "number",
                                                                       "value": "lots"}]}])},
        {"taxonomy_query": json.dumps([{"taxonomy_id": "s", "query": [{"key": "g", "type": "geo_location",
                                                                       "center": {"lat": 1, "lon": 2}}]}])},
    ]
    for query in bad:
        reply = api.call("GET", path, token=token, query=query)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (query, reply.body)
    too_many = [{"taxonomy_id": "t", "fields": [{"key": f"k{i}", "type": "number", "value": i} for i in range(21)]}]
    reply = api.call("POST", path, {"email": "big@example.com", "taxonomies": too_many}, token=token)
    assert reply.status == 400


def test_search_never_crosses_stores(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    _seed(api, owner["access_token"], store)
    other = login(api, "neighbour@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "neighbour-shop", "timezone": "UTC",
                                          "billing_email": "n@example.com"}, token=other).body
    assert _find(api, other, own, query="john") == []
    assert _find(api, other, own, taxonomy_query=[{"taxonomy_id": "segments", "query": [
        {"key": "tier", "type": "text", "value": "gold"}]}]) == []
    reply = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=other, query={"query": "john"})
    assert reply.status == 404


def test_search_pages_never_repeat_a_profile(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    # "user123@example.com" sorts after "user1239": were whole emails indexed among the words,
    # user123 would come back on a later page through its email.
    token = owner["access_token"]
    emails = [f"user123{suffix}@example.com" for suffix in ["", "0", "1", "2", "3"]]
    for email in emails:
        api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": email}, token=token)
    seen = _all_pages(api, token, store, "user123")
    assert sorted(seen) == sorted(emails)


def test_a_full_search_page_is_one_batch_read(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    seed_profiles(store["id"], [f"bulk{i}@example.com" for i in range(99)])
    with counting_calls() as calls:
        page = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=token, query={"query": "bulk", "limit": 100})
    # 98 profiles + the store and membership of the access check = one BatchGetItem of 100 keys.
    assert calls.calls == ["dynamodb.Query", "dynamodb.BatchGetItem"]
    assert len(page.body["items"]) == 98 and page.body["cursor"]
