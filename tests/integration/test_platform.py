"""The platform catalogue: webhook event names and integration services, as arky-sdk 0.9.1 reads them."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import ROUTES, Api, counting_calls
from tests.unit.integrations.test_providers import CLIENT_PROVIDERS, CLIENT_SERVICE_CATEGORIES
from tests.unit.integrations.test_webhook_rules import CLIENT_EVENT_NAMES

# arky-sdk 0.9.1 src/api/platform.ts: IntegrationService (docsUrl and triggers are optional there).
SERVICE_KEYS = {"id", "name", "description", "icon", "color", "category", "configurationRequired", "website",
                "urlPatterns", "resources"}


def test_webhook_event_names(api: Api) -> None:
    # platform.getWebhookEvents(): GET /v1/platform/events -> {data: string[]}
    with counting_calls() as calls:
        reply = api.call("GET", "/v1/platform/events")
    assert reply.status == 200 and set(reply.body) == {"data"}
    names = reply.body["data"]
    assert names[:len(CLIENT_EVENT_NAMES)] == CLIENT_EVENT_NAMES  # the client's order first
    assert {"audience.subscriber_added", "profile.created", "profile.merged"} <= set(names)
    assert len(names) == len(set(names)) and "webhook.test" not in names
    assert calls.calls == []


def test_integration_services_are_listed_from_the_provider_models(api: Api) -> None:
    # platform.getIntegrationServices(): GET /v1/platform/integration-services -> IntegrationService[]
    with counting_calls() as calls:
        reply = api.call("GET", "/v1/platform/integration-services")
    assert reply.status == 200 and isinstance(reply.body, list), reply.body
    assert calls.calls == []
    by_id = {s["id"]: s for s in reply.body}
    assert set(CLIENT_PROVIDERS) <= set(by_id) and len(by_id) == len(reply.body)
    for service in reply.body:
        assert set(service) >= SERVICE_KEYS, service
        assert service["category"] in CLIENT_SERVICE_CATEGORIES and service["resources"] == []
        assert service["configurationRequired"] is True and service["fields"]
    stripe = by_id["stripe"]
    assert stripe["name"] == "Stripe" and stripe["category"] == "payments" and stripe["icon"] == "stripe"
    assert stripe["urlPatterns"] == ["^https://api\\.stripe\\.com/"]
    assert stripe["fields"][0] == {"name": "secret_key", "type": "string", "required": True, "secret": True}
    assert {f["name"]: f["secret"] for f in by_id["twilio"]["fields"]} == {"account_sid": False, "auth_token": True}
    assert "git_hub" in by_id and "github" not in by_id


def test_the_catalogue_is_the_same_for_everyone(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    # Nothing in it belongs to a store, so no caller sees more or less than another; it needs no token.
    rival = login(api, "rival@example.com")["access_token"]
    for path in ["/v1/platform/events", "/v1/platform/integration-services", "/v1/platform/countries/US",
                 "/v1/platform/currencies"]:
        anonymous = api.call("GET", path)
        assert api.call("GET", path, token=owner["access_token"]).body == anonymous.body
        assert api.call("GET", path, token=rival).body == anonymous.body


def test_the_catalogue_is_read_only() -> None:
    # The template declares GET only: any other method has no route (answered 404 in the arky shape).
    platform = {(r.method, r.path) for r in ROUTES if r.path.startswith("/v1/platform/")}
    assert platform == {("GET", "/v1/platform/events"), ("GET", "/v1/platform/integration-services"),
                        ("GET", "/v1/platform/countries"), ("GET", "/v1/platform/countries/{code}"),
                        ("GET", "/v1/platform/currencies")}
    for method in ["POST", "PUT", "DELETE"]:
        assert ROUTES.match(method, "/v1/platform/events") is None
        assert ROUTES.match(method, "/v1/platform/integration-services") is None


def test_countries_with_their_states(api: Api) -> None:
    # location.getCountries(): GET /v1/platform/countries -> {items: LocationCountry[], cursor}
    with counting_calls() as calls:
        reply = api.call("GET", "/v1/platform/countries")
    assert calls.calls == []
    assert reply.status == 200 and set(reply.body) == {"items", "cursor"} and reply.body["cursor"] is None
    by_code = {c["code"]: c for c in reply.body["items"]}
    assert len(by_code) == 249 and by_code["DE"]["name"] == "Germany"
    assert {"code": "IL", "name": "Illinois"} in by_code["US"]["states"]


def test_one_country_by_code(api: Api) -> None:
    # location.getCountry(code): GET /v1/platform/countries/{code} -> LocationCountry
    reply = api.call("GET", "/v1/platform/countries/ca")
    assert reply.status == 200 and reply.body["code"] == "CA" and reply.body["name"] == "Canada"
    assert {"code": "QC", "name": "Quebec"} in reply.body["states"]
    for unknown in ["XX", "usa", "1"]:
        missing = api.call("GET", f"/v1/platform/countries/{unknown}")
        assert missing.status == 404 and missing.error == "COUNTRY.NOT_FOUND", missing.body


def test_currencies(api: Api) -> None:
    # platform.getCurrencies(): GET /v1/platform/currencies -> string[]
    reply = api.call("GET", "/v1/platform/currencies")
    assert reply.status == 200 and {"USD", "EUR", "JPY", "CHF"} <= set(reply.body)
    assert reply.body == sorted(reply.body) and all(len(c) == 3 for c in reply.body)
