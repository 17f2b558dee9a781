"""Bookable services (arky-sdk 0.9.1 eshop services, providers, service providers): staff CRUD in the client's
shapes, terms checked field by field with nothing written on a mistake, storefront reads of active ones only, and
other stores kept out."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import login
from tests.support import Api

WEEK = [{"day": day, "working_hours": [{"from": 9 * 60, "to": 12 * 60}, {"from": 13 * 60, "to": 17 * 60}]}
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")]
TERMS = {"working_days": WEEK, "specific_dates": [], "slot_interval": 30,
         "durations": [{"duration": 45, "is_pause": False}, {"duration": 15, "is_pause": True}],
         "prices": [{"currency": "USD", "market": "us", "amount": 6000}], "reminders": [600, 86400],
         "min_advance": 0, "max_advance": 0}


def _outbox(store_id: str, type_: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    return [i for i in default_table().query_all(f"STORE#{store_id}#EVENT") if i["type"] == type_]


def _ok(reply: Any) -> Any:
    assert reply.status == 200, reply.body
    return reply.body


def _setup(api: Api, token: str, store_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    base = f"/v1/stores/{store_id}"
    service = _ok(api.call("POST", f"{base}/services", {"key": "haircut", "slug": {"en": "haircut"},
                                                        "status": "active"}, token=token))
    provider = _ok(api.call("POST", f"{base}/providers", {"key": "alice", "status": "active"}, token=token))
    link = _ok(api.call("POST", f"{base}/service-providers", {"service_id": service["id"],
                                                              "provider_id": provider["id"], **TERMS}, token=token))
    return service, provider, link


def test_services_providers_and_terms_in_the_clients_shape(api: Api, owner: dict[str, Any],
                                                           store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}"
    service, provider, link = _setup(api, token, store["id"])
    assert service["key"] == "haircut" and service["status"] == "active" and "revision" not in service
    assert provider["timeline"] == [] and provider["status"] == "active"
    assert link["service_id"] == service["id"] and link["provider_id"] == provider["id"]
    assert link["working_days"][0]["working_hours"] == [{"from": 540, "to": 720}, {"from": 780, "to": 1020}]
    assert link["reminders"] == [86400, 600] and link["slot_interval"] == 30
    for ref in (service["id"], f"{store['id']}:haircut", f"{store['id']}:en:haircut"):
        assert _ok(api.call("GET", f"{base}/services/{ref}", token=token)) == service
    assert _ok(api.call("GET", f"{base}/providers/{store['id']}:alice", token=token)) == provider
    assert [s["id"] for s in _ok(api.call("GET", f"{base}/services", token=token))["items"]] == [service["id"]]
    by_provider = _ok(api.call("GET", f"{base}/services", token=token, query={"provider_id": provider["id"]}))
    assert [s["id"] for s in by_provider["items"]] == [service["id"]]
    by_service = _ok(api.call("GET", f"{base}/providers", token=token, query={"service_id": service["id"]}))
    assert [p["id"] for p in by_service["items"]] == [provider["id"]]
    assert _ok(api.call("GET", f"{base}/service-providers", token=token, query={"service_id": service["id"]})) == [link]
    assert _ok(api.call("GET", f"{base}/service-providers", token=token,
                        query={"provider_id": provider["id"]})) == [link]

    changed = _ok(api.call("PUT", f"{base}/service-providers/{link['id']}", {"reminders": [900], "slot_interval": 15},
                           token=token))
    assert changed["reminders"] == [900] and changed["slot_interval"] == 15 and changed["working_days"] == WEEK
    renamed = _ok(api.call("PUT", f"{base}/services/{service['id']}", {"key": "cut", "status": "draft"}, token=token))
    assert renamed["key"] == "cut"
    assert api.call("GET", f"{base}/services/{store['id']}:haircut", token=token).status == 404
    assert len(_outbox(store["id"], "service.updated")) == 1 and len(_outbox(store["id"], "provider.created")) == 1

    # Deleting the service removes its providers' terms with it.
    assert _ok(api.call("DELETE", f"{base}/services/{service['id']}", token=token)) == {"deleted": True}
    assert _ok(api.call("GET", f"{base}/service-providers", token=token)) == []
    assert api.call("PUT", f"{base}/service-providers/{link['id']}", {"slot_interval": 15},
                    token=token).status == 404
    assert len(_outbox(store["id"], "service.deleted")) == 1
    assert _ok(api.call("DELETE", f"{base}/providers/{provider['id']}", token=token)) == {"deleted": True}


def test_bad_terms_name_the_field_and_write_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}"
    service = _ok(api.call("POST", f"{base}/services", {"key": "massage"}, token=token))
    provider = _ok(api.call("POST", f"{base}/providers", {"key": "bob"}, token=token))
    pair = {"service_id": service["id"], "provider_id": provider["id"]}
    day = {"day": "monday", "working_hours": [{"from": 540, "to": 600}]}
    cases = [
        ({"working_days": [{"day": "monday", "working_hours": [{"from": 540, "to": 720}, {"from": 700, "to": 800}]}]},
         "working_days.0.working_hours.1"),
        ({"working_days": [{"day": "monday", "working_hours": [{"from": 600, "to": 540}]}]},
         "working_days.0.working_hours.0.to"),
        ({"working_days": [{"day": "monday", "working_hours": [{"from": 600, "to": 1500}]}]},
         "working_days.0.working_hours.0.to"),
        ({"working_days": [day, day]}, "working_days.1.day"),
        ({"working_days": [{"day": "someday", "working_hours": []}]}, "working_days.0.day"),
        ({"reminders": [60]}, "reminders.0"),
        ({"reminders": [31 * 86400]}, "reminders.0"),
        ({"reminders": list(range(600, 600 + 11 * 60, 60))}, "reminders"),
        ({"slot_interval": 7}, "slot_interval"),
        ({"slot_interval": 0}, "slot_interval"),
        ({"durations": [{"duration": 10, "is_pause": True}]}, "durations"),
        ({"durations": [{"duration": 400}]}, "durations.0.duration"),
        ({"prices": [{"currency": "USD", "market": "mars", "amount": 1}]}, "prices.0.market"),
        ({"prices": [{"currency": "GBP", "market": "us", "amount": 1}]}, "prices.0.currency"),
        ({"min_advance": 7200, "max_advance": 3600}, "max_advance"),
        ({"service_id": "not-a-service"}, "service_id"),
        ({"provider_id": "not-a-provider"}, "provider_id"),
    ]
    for body, field in cases:
        reply = api.call("POST", f"{base}/service-providers", {**pair, **TERMS, **body}, token=token)
        assert reply.status == 400, (body, reply.body)
        assert field in [e["field"] for e in reply.body["validationErrors"]], (body, reply.body)
    assert _ok(api.call("GET", f"{base}/service-providers", token=token)) == []
    link = _ok(api.call("POST", f"{base}/service-providers", {**pair, **TERMS}, token=token))
    again = api.call("POST", f"{base}/service-providers", {**pair, **TERMS}, token=token)
    assert again.status == 409
    for body, field in [({"reminders": [0]}, "reminders.0"), ({"working_days": None}, "working_days"),
                        ({"id": "another"}, "id")]:
        reply = api.call("PUT", f"{base}/service-providers/{link['id']}", body, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, (body, reply.body)
    assert _ok(api.call("GET", f"{base}/service-providers", token=token)) == [link]
    assert api.call("POST", f"{base}/services", {"key": "massage"}, token=token).status == 409
    assert api.call("POST", f"{base}/services", {"key": "no spaces"}, token=token).status == 400
    assert api.call("GET", f"{base}/services", token=token, query={"cursor": "garbage"}).status == 400


def test_storefront_reads_active_services_and_providers_only(api: Api, owner: dict[str, Any],
                                                             store: dict[str, Any]) -> None:
    token, sid = owner["access_token"], store["id"]
    service, provider, _ = _setup(api, token, sid)
    draft = _ok(api.call("POST", f"/v1/stores/{sid}/services", {"key": "draft-one"}, token=token))
    front = f"/v1/storefront/{sid}"
    assert [s["id"] for s in _ok(api.call("GET", f"{front}/services"))["items"]] == [service["id"]]
    assert _ok(api.call("GET", f"{front}/services/{sid}:en:haircut")) == service
    assert api.call("GET", f"{front}/services/{draft['id']}").status == 404
    assert [p["id"] for p in _ok(api.call("GET", f"{front}/service-providers",
                                          query={"service_id": service["id"]}))] == [provider["id"]]
    assert _ok(api.call("GET", f"{front}/providers/{provider['id']}")) == provider
    assert [p["id"] for p in _ok(api.call("GET", f"{front}/providers"))["items"]] == [provider["id"]]
    assert api.call("GET", "/v1/storefront/not-a-store/services").status == 404


def test_other_stores_cannot_see_or_use_them(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, sid = owner["access_token"], store["id"]
    service, provider, link = _setup(api, token, sid)
    rival_token = login(api, "rival@example.com")["access_token"]
    rival = _ok(api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC",
                                                "billing_email": "r@example.com"}, token=rival_token))
    base = f"/v1/stores/{sid}"
    for method, path, body in [("GET", f"{base}/services/{service['id']}", None),
                               ("PUT", f"{base}/providers/{provider['id']}", {"status": "archived"}),
                               ("DELETE", f"{base}/services/{service['id']}", None),
                               ("GET", f"{base}/service-providers", None),
                               ("PUT", f"{base}/service-providers/{link['id']}", {"slot_interval": 15}),
                               ("POST", f"{base}/services", {"key": "mine"})]:
        assert api.call(method, path, body, token=rival_token).status == 404, (method, path)
    rival_base = f"/v1/stores/{rival['id']}"
    assert api.call("GET", f"{rival_base}/services/{service['id']}", token=rival_token).status == 404
    found = _ok(api.call("GET", f"{rival_base}/providers", token=rival_token,
                         query={"ids": json.dumps([provider["id"]])}))
    assert found["items"] == []
    # The rival's own service cannot take the other store's provider.
    mine = _ok(api.call("POST", f"{rival_base}/services", {"key": "mine"}, token=rival_token))
    reply = api.call("POST", f"{rival_base}/service-providers", {"service_id": mine["id"],
                                                                 "provider_id": provider["id"], **TERMS},
                     token=rival_token)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "provider_id"
    assert _ok(api.call("GET", f"{base}/services/{service['id']}", token=token)) == service
