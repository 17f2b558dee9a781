"""Store locations (the arky-sdk 0.9.1 location calls): CRUD, unique keys, paging, validation, other stores."""

from __future__ import annotations

from typing import Any

from tests.integration.api_client_support import client_token, new_client
from tests.integration.conftest import login
from tests.support import Api, counting_calls

FIFTH_AVENUE = {"name": "5th Avenue", "street1": "767 5th Ave", "city": "New York", "state": "NY",
                "postal_code": "10153", "country": "US", "phone": "+1 212 555 0100"}


def test_location_crud(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/locations"
    # The client sends its store id in the body as well.
    created = api.call("POST", base, {"key": "NYC_1_5thave", "address": FIFTH_AVENUE, "is_pickup_location": True,
                                      "store_id": store["id"]}, token=token)
    assert created.status == 200, created.body
    location = created.body
    assert set(location) == {"id", "store_id", "key", "address", "is_pickup_location", "created_at", "updated_at"}
    assert location["store_id"] == store["id"] and location["is_pickup_location"] is True
    assert location["address"] == {**FIFTH_AVENUE, "company": None, "street2": None, "email": None}
    with counting_calls() as calls:
        assert api.call("GET", f"{base}/{location['id']}", token=token).body == location
    assert calls.calls == ["dynamodb.BatchGetItem"]

    updated = api.call("PUT", f"{base}/{location['id']}", {"id": location["id"], "key": "NYC_5th",
                                                            "address": {**FIFTH_AVENUE, "street2": "Floor 2"},
                                                            "store_id": store["id"]}, token=token)
    assert updated.status == 200, updated.body
    assert updated.body["key"] == "NYC_5th" and updated.body["address"]["street2"] == "Floor 2"
    assert updated.body["is_pickup_location"] is True  # left out: kept
    assert api.call("POST", base, {"key": "NYC_1_5thave", "address": {}}, token=token).status == 200  # old key free
    clash = api.call("POST", base, {"key": "NYC_5th", "address": {}}, token=token)
    assert clash.status == 409 and clash.error == "LOCATION.KEY_TAKEN"

    listing = api.call("GET", base, token=token)
    assert isinstance(listing.body, list) and [loc["key"] for loc in listing.body] == ["NYC_5th", "NYC_1_5thave"]
    assert "x-next-cursor" not in listing.headers
    assert api.call("DELETE", f"{base}/{location['id']}", token=token).body == {"deleted": True}
    assert api.call("GET", f"{base}/{location['id']}", token=token).status == 404
    assert api.call("DELETE", f"{base}/{location['id']}", token=token).status == 404


def test_location_list_pages(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/locations"
    made = [api.call("POST", base, {"key": f"shop-{i}", "address": {}}, token=token).body["id"] for i in range(3)]
    with counting_calls() as calls:
        first = api.call("GET", base, token=token, query={"limit": 2})
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    assert len(first.body) == 2 and first.headers["x-next-cursor"]
    second = api.call("GET", base, token=token, query={"limit": 2, "cursor": first.headers["x-next-cursor"]})
    assert [loc["id"] for loc in first.body + second.body] == made and "x-next-cursor" not in second.headers
    # The arky client reads neither the header nor a cursor field: it passes the last id it holds as `after`
    # (location.list({params: {limit, after}})) until a page is shorter than its limit.
    by_id = [loc["id"] for loc in api.call("GET", base, token=token, query={"limit": 2}).body]
    rest = api.call("GET", base, token=token, query={"limit": 2, "after": by_id[-1]})
    assert rest.status == 200 and [loc["id"] for loc in rest.body] == made[2:]
    assert api.call("GET", base, token=token, query={"limit": 2, "after": made[2]}).body == []
    api.call("DELETE", f"{base}/{made[0]}", token=token)  # the id need not be a location any more
    assert [loc["id"] for loc in api.call("GET", base, token=token, query={"after": made[0]}).body] == made[1:]


def test_location_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/locations"
    for body in [{"address": {}}, {"key": "shop"}, {"key": "x", "address": {}}, {"key": "no spaces", "address": {}},
                 {"key": "shop", "address": {"country": "usa"}}, {"key": "shop", "address": {"city": "x" * 201}},
                 {"key": "shop", "address": {}, "store_id": "another-store"},
                 {"key": "shop", "address": {}, "is_pickup_location": "sometimes"},
                 # ISO codes, checked against the lists GET /v1/platform/countries answers.
                 {"key": "shop", "address": {"country": "XX"}},
                 {"key": "shop", "address": {"country": "US", "state": "Bavaria"}}]:
        reply = api.call("POST", base, body, token=token)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
    location = api.call("POST", base, {"key": "shop", "address": {}}, token=token).body
    for body in [{"id": "other-id"}, {"key": "?"}, {"address": {"country": "United States"}}]:
        reply = api.call("PUT", f"{base}/{location['id']}", body, token=token)
        assert reply.status == 400, (body, reply.body)
    for query in ({"cursor": "nope"}, {"limit": 0}, {"limit": 101}, {"after": "not-an-id"},
                  {"after": location["id"], "cursor": "nope"}):
        assert api.call("GET", base, token=token, query=query).status == 400, query
    assert api.call("GET", f"{base}/not-a-location", token=token).status == 404


def test_other_stores_and_api_clients_cannot_reach_locations(api: Api, owner: dict[str, Any],
                                                             store: dict[str, Any]) -> None:
    base = f"/v1/stores/{store['id']}/locations"
    location = api.call("POST", base, {"key": "shop", "address": {}}, token=owner["access_token"]).body
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    for method, path, body in [("GET", base, None), ("POST", base, {"key": "mine", "address": {}}),
                               ("GET", f"{base}/{location['id']}", None),
                               ("PUT", f"{base}/{location['id']}", {"key": "mine"}),
                               ("DELETE", f"{base}/{location['id']}", None)]:
        assert api.call(method, path, body, token=rival).status == 404, (method, path)
    assert api.call("GET", f"/v1/stores/{own['id']}/locations/{location['id']}", token=rival).status == 404
    assert api.call("GET", f"/v1/stores/{own['id']}/locations", token=rival).body == []
    # A cursor of one store's list is refused on another's.
    for i in range(2):
        api.call("POST", base, {"key": f"more-{i}", "address": {}}, token=owner["access_token"])
    cursor = api.call("GET", base, token=owner["access_token"], query={"limit": 1}).headers["x-next-cursor"]
    assert api.call("GET", f"/v1/stores/{own['id']}/locations", token=rival, query={"cursor": cursor}).status == 400
    # An API client's token is for profiles only.
    client = client_token(api, new_client(api, owner["access_token"], store["id"]))
    assert api.call("GET", base, token=client).status == 403
    assert api.call("GET", f"{base}/{location['id']}", token=client).status == 403
