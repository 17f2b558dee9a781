"""Stores over the real handlers: create with markets, read, list, update, delete and purge."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls

NEW_STORE = {"key": "corner-shop", "timezone": "Europe/Berlin", "billing_email": "Billing@Corner.example.com",
             "languages": [{"id": "de"}, {"id": "en"}], "emails": {"support": "help@corner.example.com"}}


def test_create_store_makes_caller_owner_with_two_markets(api: Api, owner: dict[str, Any]) -> None:
    reply = api.call("POST", "/v1/stores", NEW_STORE, token=owner["access_token"])
    assert reply.status == 200, reply.body
    store = reply.body
    assert store["key"] == "corner-shop" and store["status"] == "ACTIVE"
    assert store["emails"] == {"billing": "billing@corner.example.com", "support": "help@corner.example.com"}
    assert store["languages"] == [{"id": "de"}, {"id": "en"}]
    assert "owner_count" not in store
    markets = api.call("GET", f"/v1/stores/{store['id']}/markets", token=owner["access_token"]).body
    assert sorted((m["key"], m["currency"], m["tax_mode"]) for m in markets) == [
        ("eu", "EUR", "inclusive"), ("us", "USD", "exclusive")]


def test_store_key_is_unique(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    reply = api.call("POST", "/v1/stores", {**NEW_STORE, "key": store["key"]}, token=owner["access_token"])
    assert reply.status == 409 and reply.error == "STORE.KEY_TAKEN"


def test_create_store_rejects_bad_fields(api: Api, owner: dict[str, Any]) -> None:
    bad = [
        {**NEW_STORE, "key": "ab"},
        {**NEW_STORE, "key": "Not A Slug"},
        {**NEW_STORE, "timezone": "Mars/Olympus"},
        {**NEW_STORE, "billing_email": "nope"},
        {**NEW_STORE, "languages": [{"id": "english!"}]},
        {k: v for k, v in NEW_STORE.items() if k != "timezone"},
        {**NEW_STORE, "languages": "en"},
    ]
    for body in bad:
        reply = api.call("POST", "/v1/stores", body, token=owner["access_token"])
        assert reply.status == 400, (body, reply.body)
        assert reply.error == "GENERAL.VALIDATION_ERROR" and reply.body["validationErrors"]
    assert api.call("GET", "/v1/stores", token=owner["access_token"]).body["items"] == []


def test_store_calls_need_a_token(api: Api, store: dict[str, Any]) -> None:
    for method, path in [("GET", "/v1/stores"), ("GET", f"/v1/stores/{store['id']}"),
                         ("POST", "/v1/stores"), ("DELETE", f"/v1/stores/{store['id']}")]:
        reply = api.call(method, path, {} if method == "POST" else None)
        assert reply.status in (400, 401), reply.body
        if method != "POST":
            assert reply.status == 401 and reply.error == "GENERAL.UNAUTHORIZED"


def test_get_store_is_one_aws_call(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    with counting_calls() as calls:
        reply = api.call("GET", f"/v1/stores/{store['id']}", token=owner["access_token"])
    assert reply.status == 200 and reply.body["id"] == store["id"]
    assert calls.calls == ["dynamodb.BatchGetItem"]


def test_other_accounts_cannot_see_or_change_a_store(api: Api, store: dict[str, Any]) -> None:
    stranger = login(api, "stranger@example.com")["access_token"]
    sid = store["id"]
    for method, path, body in [("GET", f"/v1/stores/{sid}", None), ("PUT", f"/v1/stores/{sid}", {"key": "taken-over"}),
                               ("DELETE", f"/v1/stores/{sid}", None),
                               ("GET", f"/v1/stores/{sid}/markets", None)]:
        reply = api.call(method, path, body, token=stranger)
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", (method, path, reply.body)
    assert api.call("GET", "/v1/stores", token=stranger).body["items"] == []


def test_list_stores_filters_sorts_and_pages(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    for key in ["alpha-one", "beta-two", "gamma-three", "delta-four", "alpha-five"]:
        assert api.call("POST", "/v1/stores", {**NEW_STORE, "key": key}, token=token).status == 200
    page = api.call("GET", "/v1/stores", token=token, query={"sort_field": "key", "sort_direction": "asc",
                                                             "limit": 2})
    assert [s["key"] for s in page.body["items"]] == ["alpha-five", "alpha-one"]
    keys = [s["key"] for s in page.body["items"]]
    while page.body["cursor"]:
        page = api.call("GET", "/v1/stores", token=token, query={"sort_field": "key", "sort_direction": "asc",
                                                                 "limit": 2, "cursor": page.body["cursor"]})
        keys += [s["key"] for s in page.body["items"]]
    assert keys == sorted(keys) and len(keys) == 5
    found = api.call("GET", "/v1/stores", token=token, query={"query": "ALPHA", "status": "ACTIVE"})
    assert sorted(s["key"] for s in found.body["items"]) == ["alpha-five", "alpha-one"]
    with counting_calls() as calls:
        api.call("GET", "/v1/stores", token=token)
    assert calls.calls == ["dynamodb.Query", "dynamodb.BatchGetItem"]


def test_list_stores_rejects_bad_parameters(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    for query in [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"sort_field": "color"},
                  {"sort_direction": "up"}, {"status": "GONE"}, {"cursor": "!!!"}, {"cursor": "eyJ4IjoxfQ"}]:
        reply = api.call("GET", "/v1/stores", token=token, query=query)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (query, reply.body)


def test_cursor_from_another_sort_is_rejected(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    for key in ["one-store", "two-store"]:
        api.call("POST", "/v1/stores", {**NEW_STORE, "key": key}, token=token)
    cursor = api.call("GET", "/v1/stores", token=token, query={"limit": 1}).body["cursor"]
    reply = api.call("GET", "/v1/stores", token=token, query={"limit": 1, "sort_field": "key", "cursor": cursor})
    assert reply.status == 400


def test_update_store_moves_the_unique_key(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    reply = api.call("PUT", f"/v1/stores/{store['id']}", {"id": store["id"], "key": "acme-renamed",
                                                          "timezone": "Asia/Tokyo"}, token=token)
    assert reply.status == 200, reply.body
    assert reply.body["key"] == "acme-renamed" and reply.body["timezone"] == "Asia/Tokyo"
    # The old key is free again, the new one is taken.
    assert api.call("POST", "/v1/stores", {**NEW_STORE, "key": "acme-shop"}, token=token).status == 200
    clash = api.call("POST", "/v1/stores", {**NEW_STORE, "key": "acme-renamed"}, token=token)
    assert clash.status == 409


def test_update_store_rejects_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    for body in [{"id": "someone-else"}, {"timezone": "Nowhere/Land"}, {"key": "x"}]:
        reply = api.call("PUT", f"/v1/stores/{store['id']}", body, token=token)
        assert reply.status == 400, reply.body
    assert api.call("GET", f"/v1/stores/{store['id']}", token=token).body["key"] == store["key"]


def test_delete_store_removes_everything(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                         provisioned: Any) -> None:
    token = owner["access_token"]
    profile = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "kept@example.com"}, token=token).body
    reply = api.call("DELETE", f"/v1/stores/{store['id']}", token=token)
    assert reply.status == 200 and reply.body == {"deleted": True}
    assert api.call("GET", f"/v1/stores/{store['id']}", token=token).status == 404
    assert api.call("GET", "/v1/stores", token=token).body["items"] == []
    from storecrm.kernel.repositories.base import default_table

    table = default_table()
    for partition in [f"STORE#{store['id']}", f"STORE#{store['id']}#EVENT", f"PURGE#{store['id']}",
                      f"PROFILE#{profile['id']}", f"STORE#{store['id']}#EMAIL#kept@example.com"]:
        assert list(table.query_all(partition)) == [], partition
    # The key can be used again.
    assert api.call("POST", "/v1/stores", {**NEW_STORE, "key": store["key"]}, token=token).status == 200


def test_interrupted_purge_is_finished_by_the_scheduler(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                        monkeypatch: Any) -> None:
    from storecrm import services
    from storecrm.stores.repositories.stores import StoreRepository
    from tests.support import HOSTS

    def crash(self: StoreRepository, store_id: str, profile_index_keys: Any) -> int:
        raise RuntimeError("lambda timed out")

    with monkeypatch.context() as patch:
        patch.setattr(StoreRepository, "purge", crash)
        assert api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"]).status == 500
    from storecrm.kernel.repositories.base import default_table

    table = default_table()
    assert list(table.query_all(f"STORE#{store['id']}"))  # leftovers
    monkeypatch.setattr("storecrm.stores.stores.now", lambda: 2**31)  # the job is due
    services.reset()
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"}) == {
        "purged_stores": 1, "released_holds": 0, "expired_uploads": 0, "erased_profiles": 0, "reminders_sent": 0,
        "carts_recovered": 0}
    assert list(table.query_all(f"STORE#{store['id']}")) == []
    assert list(table.query_all(f"PURGE#{store['id']}")) == []


def test_plans_are_a_page_as_the_client_reads_them(api: Api) -> None:
    # arky-sdk 0.9.1 store.getSubscriptionPlans(): Promise<PaginatedResponse<SubscriptionPlan>>
    reply = api.call("GET", "/v1/stores/plans")
    assert reply.status == 200 and set(reply.body) == {"items", "cursor"} and reply.body["cursor"] is None
    assert [p["id"] for p in reply.body["items"]] == ["plan_free", "plan_pro", "plan_business"]
    assert set(reply.body["items"][0]) == {"id", "name", "tier", "amount", "currency", "interval", "interval_count",
                                           "trial_period_days", "features", "provider_price_id", "limits"}


def test_update_store_changes_only_what_is_sent(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    reply = api.call("PUT", f"/v1/stores/{store['id']}", {"emails": {"support": "Help@Example.com"},
                                                          "languages": [{"id": "fr"}]}, token=owner["access_token"])
    assert reply.status == 200, reply.body
    assert reply.body["emails"] == {"billing": store["emails"]["billing"], "support": "help@example.com"}
    assert reply.body["languages"] == [{"id": "fr"}] and reply.body["key"] == store["key"]
    assert reply.body["timezone"] == store["timezone"] and reply.body["updated_at"] >= store["updated_at"]
