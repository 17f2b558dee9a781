"""Service and provider finds with the rest of the arky client's GetServicesParams / GetProvidersParams (0.9.1):
`sort_field` (created_at, the listing order) and `sort_direction`, `created_at_from`/`_to`, `taxonomy_query` with
`match_all` are applied on the staff and storefront finds; `from`/`to` (a booked-time window this find does not
serve) and other sorts are a 400 naming them, never ignored. Services keep the client's `location`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api


def _ok(reply: Any) -> Any:
    assert reply.status == 200, reply.body
    return reply.body


def _tagged(kind: str, colour: str) -> list[dict[str, Any]]:
    return [{"taxonomy_id": "style", "fields": [{"key": "kind", "type": "text", "value": kind},
                                                {"key": "colour", "type": "text", "value": colour}]}]


def _query(kind: str | None = None, colour: str | None = None) -> str:
    queries = []
    if kind:
        queries.append({"taxonomy_id": "style", "query": [{"key": "kind", "type": "text", "value": kind}]})
    if colour:
        queries.append({"taxonomy_id": "style", "query": [{"key": "colour", "type": "text", "value": colour}]})
    return json.dumps(queries)


@pytest.fixture
def catalog(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}"
    made: dict[str, list[dict[str, Any]]] = {"services": [], "providers": []}
    for key, kind, colour in [("cut", "hair", "red"), ("shave", "beard", "red"), ("dye", "hair", "blue")]:
        made["services"].append(_ok(api.call("POST", f"{base}/services", {
            "key": key, "status": "active", "taxonomies": _tagged(kind, colour)}, token=token)))
        made["providers"].append(_ok(api.call("POST", f"{base}/providers", {
            "key": f"{key}-pro", "status": "active", "taxonomies": _tagged(kind, colour)}, token=token)))
    return made


@pytest.mark.parametrize("kind", ["services", "providers"])
def test_sort_time_range_and_taxonomies_on_staff_and_storefront_finds(api: Api, owner: dict[str, Any],
                                                                      store: dict[str, Any], catalog: Any,
                                                                      kind: str) -> None:
    token = owner["access_token"]
    made = catalog[kind]
    for path, bearer in [(f"/v1/stores/{store['id']}/{kind}", token), (f"/v1/storefront/{store['id']}/{kind}", None)]:
        def keys(**query: Any) -> list[str]:
            return [e["key"] for e in _ok(api.call("GET", path, token=bearer, query=query))["items"]]  # noqa: B023

        oldest_first = [e["key"] for e in made]
        assert keys() == keys(sort_field="created_at", sort_direction="asc") == oldest_first
        assert keys(sort_direction="desc") == oldest_first[::-1]
        # Pages newest first follow their cursor; a cursor of the other direction is refused.
        seen, cursor = [], None
        for _ in range(5):
            page = _ok(api.call("GET", path, token=bearer, query={
                "limit": 1, "sort_direction": "desc", **({"cursor": cursor} if cursor else {})}))
            seen += [e["key"] for e in page["items"]]
            cursor = page["cursor"]
            if not cursor:
                break
        assert seen == oldest_first[::-1]
        first = _ok(api.call("GET", path, token=bearer, query={"limit": 1, "sort_direction": "desc"}))
        refused = api.call("GET", path, token=bearer, query={"limit": 1, "cursor": first["cursor"]})
        assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == "cursor"

        created = made[0]["created_at"]
        assert keys(created_at_from=created + 3600) == []
        assert keys(created_at_from=created - 5, created_at_to=created + 3600) == oldest_first
        assert keys(created_at_to=created - 5) == []
        assert keys(taxonomy_query=_query(kind="hair")) == [oldest_first[0], oldest_first[2]]
        assert keys(taxonomy_query=_query(kind="hair", colour="red")) == [oldest_first[0]]
        assert keys(taxonomy_query=_query(kind="beard", colour="blue")) == []
        assert keys(taxonomy_query=_query(kind="beard", colour="blue"), match_all="false") == oldest_first[1:]
        assert keys(ids=json.dumps([e["id"] for e in made]), sort_direction="desc",
                    taxonomy_query=_query(colour="red")) == [oldest_first[1], oldest_first[0]]


@pytest.mark.parametrize("query, field", [({"from": 1700000000}, "from"), ({"to": 1700000000}, "to"),
                                          ({"sort_field": "key"}, "sort_field"),
                                          ({"sort_direction": "up"}, "sort_direction"),
                                          ({"created_at_from": 20, "created_at_to": 10}, "created_at_to"),
                                          ({"taxonomy_query": "[{\"query\": 1}]"}, "taxonomy_query.0.taxonomy_id"),
                                          ({"match_all": "perhaps"}, "match_all")])
def test_what_the_find_cannot_serve_is_a_400_naming_it(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                       query: dict[str, Any], field: str) -> None:
    for kind in ("services", "providers"):
        for path, bearer in [(f"/v1/stores/{store['id']}/{kind}", owner["access_token"]),
                             (f"/v1/storefront/{store['id']}/{kind}", None)]:
            reply = api.call("GET", path, token=bearer, query=query)
            assert (reply.status, reply.error) == (400, "GENERAL.VALIDATION_ERROR"), (path, query, reply.body)
            assert reply.body["validationErrors"][0]["field"] == field, (path, reply.body)


def test_filters_read_nothing_of_another_store(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                              catalog: Any) -> None:
    stranger = login(api, "stranger@example.com")["access_token"]
    query = {"taxonomy_query": _query(kind="hair"), "sort_direction": "desc"}
    assert api.call("GET", f"/v1/stores/{store['id']}/services", token=stranger, query=query).status == 404
    other = _ok(api.call("POST", "/v1/stores", {"key": "stranger-shop", "timezone": "UTC",
                                                "billing_email": "stranger@example.com"}, token=stranger))
    assert _ok(api.call("GET", f"/v1/storefront/{other['id']}/providers", query=query))["items"] == []


def test_a_services_location_is_stored_changed_and_removed(api: Api, owner: dict[str, Any],
                                                           store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}"
    # eshop.createService({key, location: ZoneLocation, status})
    where = {"country": "US", "state": "NY", "city": "New York", "postal_code": "10001"}
    service = _ok(api.call("POST", f"{base}/services", {"key": "massage", "location": where, "status": "active"},
                           token=token))
    assert service["location"] == where
    assert _ok(api.call("GET", f"{base}/services/{service['id']}", token=token))["location"] == where
    assert _ok(api.call("GET", f"/v1/storefront/{store['id']}/services/{service['id']}"))["location"] == where
    # eshop.updateService({id, location}): a partial location replaces it; null removes it.
    moved = _ok(api.call("PUT", f"{base}/services/{service['id']}", {"id": service["id"], "location": {
        "city": "Boston"}}, token=token))
    assert moved["location"] == {"country": None, "state": None, "city": "Boston", "postal_code": None}
    kept = _ok(api.call("PUT", f"{base}/services/{service['id']}", {"id": service["id"], "key": "massage-2"},
                        token=token))
    assert kept["location"]["city"] == "Boston"
    removed = _ok(api.call("PUT", f"{base}/services/{service['id']}", {"id": service["id"], "location": None},
                           token=token))
    assert removed["location"] is None
    assert _ok(api.call("POST", f"{base}/services", {"key": "nowhere"}, token=token))["location"] is None
    bad = api.call("POST", f"{base}/services", {"key": "far", "location": {"postal_code": "9" * 21}}, token=token)
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "location.postal_code"
    stranger = login(api, "stranger@example.com")["access_token"]
    assert api.call("PUT", f"{base}/services/{service['id']}", {"location": where}, token=stranger).status == 404
    assert _ok(api.call("GET", f"{base}/services/{service['id']}", token=token))["location"] is None
