"""Webhooks and integrations driven with the exact bodies arky-sdk 0.9.1 (commit fe001ba) sends.

Each method of `Sdk` copies the body construction of the client method named in its comment
(src/api/store.ts and src/api/platform.ts): the same destructuring, nothing added or renamed.
An admin form edits what the client listed, so updates send back the masked secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import requests
from localrunner.fake_stripe import sign_stripe_payload
from tests.e2e.conftest import LatestCode
from tests.e2e.test_store_flow import _login
from tests.e2e.test_webhook_flow import _wait_for
from tests.support import Receiver

WEBHOOK_SECRET = "whsec_client_bodies_original_7890"
STRIPE_WEBHOOK_SECRET = "whsec_stripe_original_4321"


@dataclass
class Sdk:
    """The admin SDK's httpClient: JSON bodies, Content-Type on every request, the bearer when it has one."""

    base_url: str
    token: str
    store_id: str = ""  # apiConfig.storeId

    def request(self, method: str, path: str, body: Any = None) -> Any:
        reply = requests.request(method, self.base_url + path, timeout=15, data=None if body is None
                                 else json.dumps(body), headers={"Accept": "application/json",
                                                                 "Content-Type": "application/json",
                                                                 "Authorization": f"Bearer {self.token}"})
        assert reply.ok, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    # arky-sdk 0.9.1 store.createWebhook:
    #   const { store_id, ...payload } = params; post(`/v1/stores/${store_id}/webhooks`, payload)
    def create_webhook(self, params: dict[str, Any]) -> Any:
        payload = {k: v for k, v in params.items() if k != "store_id"}
        return self.request("POST", f"/v1/stores/{params['store_id']}/webhooks", payload)

    # arky-sdk 0.9.1 store.listWebhooks: get(`/v1/stores/${params.store_id}/webhooks`)
    def list_webhooks(self, params: dict[str, Any]) -> Any:
        return self.request("GET", f"/v1/stores/{params['store_id']}/webhooks")

    # arky-sdk 0.9.1 store.updateWebhook:
    #   const { store_id, id, ...payload } = params; put(`/v1/stores/${store_id}/webhooks/${id}`, payload)
    def update_webhook(self, params: dict[str, Any]) -> Any:
        payload = {k: v for k, v in params.items() if k not in ("store_id", "id")}
        return self.request("PUT", f"/v1/stores/{params['store_id']}/webhooks/{params['id']}", payload)

    # arky-sdk 0.9.1 store.testWebhook: post(`/v1/stores/${apiConfig.storeId}/webhooks/test`, params)
    def test_webhook(self, params: dict[str, Any]) -> Any:
        return self.request("POST", f"/v1/stores/{self.store_id}/webhooks/test", params)

    # arky-sdk 0.9.1 store.addMember:
    #   const { store_id, ...payload } = params; post(`/v1/stores/${store_id || apiConfig.storeId}/members`, payload)
    def add_member(self, params: dict[str, Any]) -> Any:
        payload = {k: v for k, v in params.items() if k != "store_id"}
        return self.request("POST", f"/v1/stores/{params.get('store_id') or self.store_id}/members", payload)

    # arky-sdk 0.9.1 store.createIntegration:
    #   const { store_id, ...payload } = params; post(`/v1/stores/${store_id}/integrations`, payload)
    def create_integration(self, params: dict[str, Any]) -> Any:
        payload = {k: v for k, v in params.items() if k != "store_id"}
        return self.request("POST", f"/v1/stores/{params['store_id']}/integrations", payload)

    # arky-sdk 0.9.1 store.listIntegrations: get(`/v1/stores/${params.store_id}/integrations`)
    def list_integrations(self, params: dict[str, Any]) -> Any:
        return self.request("GET", f"/v1/stores/{params['store_id']}/integrations")

    # arky-sdk 0.9.1 store.updateIntegration:
    #   const { store_id, id, ...payload } = params; put(`/v1/stores/${store_id}/integrations/${id}`, payload)
    def update_integration(self, params: dict[str, Any]) -> Any:
        payload = {k: v for k, v in params.items() if k not in ("store_id", "id")}
        return self.request("PUT", f"/v1/stores/{params['store_id']}/integrations/{params['id']}", payload)

    # arky-sdk 0.9.1 platform.getWebhookEvents: get('/v1/platform/events')
    def get_webhook_events(self) -> Any:
        return self.request("GET", "/v1/platform/events")

    # arky-sdk 0.9.1 platform.getIntegrationServices: get('/v1/platform/integration-services')
    def get_integration_services(self) -> Any:
        return self.request("GET", "/v1/platform/integration-services")


def _signed_with(secret: str, request: Any) -> bool:
    signed = f"{request.headers['x-storecrm-timestamp']}.".encode() + request.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return bool(request.headers["x-storecrm-signature"] == f"v1={expected}")


def _sdk(runner_url: str, mailbox: LatestCode, email: str, store_key: str) -> Sdk:
    sdk = Sdk(runner_url, _login(runner_url, mailbox, email)["access_token"])
    # arky-sdk 0.9.1 store.createStore: post(`/v1/stores`, params)
    store = sdk.request("POST", "/v1/stores", {"key": store_key, "timezone": "UTC", "billing_email": email})
    sdk.store_id = store["id"]
    return sdk


def test_webhooks_with_the_clients_bodies_keep_signing_with_the_original_secret(runner_url: str,
                                                                                mailbox: LatestCode) -> None:
    sdk = _sdk(runner_url, mailbox, "client-hooks@example.com", "client-hooks")
    receiver = Receiver()
    try:
        events = sdk.get_webhook_events()["data"]
        assert "account.updated" in events and "order.payment_received" in events

        # CreateWebhookParams {store_id, key, url, events, headers, secret, enabled}
        created = sdk.create_webhook({"store_id": sdk.store_id, "key": "team", "url": receiver.url,
                                      "events": [{"event": "account.updated"}, {"event": "cart.abandoned"}],
                                      "headers": {"X-Shop": "client"}, "secret": WEBHOOK_SECRET, "enabled": True})
        assert created["secret"] == WEBHOOK_SECRET
        [listed] = sdk.list_webhooks({"store_id": sdk.store_id})
        assert listed["secret"] == "****7890"

        # The admin form edits the listed Webhook; UpdateWebhookParams requires secret, so the mask goes back.
        updated = sdk.update_webhook({**listed, "store_id": sdk.store_id, "key": "team-renamed"})
        assert updated["key"] == "team-renamed" and updated["secret"] == "****7890"

        # TestWebhookParams {webhook: Webhook}: the listed object as it is, masked secret included.
        [listed] = sdk.list_webhooks({"store_id": sdk.store_id})
        tested = sdk.test_webhook({"webhook": listed})
        assert tested["tested"] is True, tested
        [test_event] = [r for r in receiver.received if r.json()["type"] == "webhook.test"]
        assert _signed_with(WEBHOOK_SECRET, test_event)

        # A real event, through the outbox, the stream, the queue and the dispatcher. (The store's own
        # creation may arrive too: it can fall in the same second as the webhook's.)
        assert sdk.add_member({"store_id": sdk.store_id, "email": "clerk@example.com"}) is True

        def about_clerk() -> list[Any]:
            return [r for r in receiver.received if r.json()["data"].get("email") == "clerk@example.com"]

        _wait_for(about_clerk)
        [delivery] = about_clerk()
        assert delivery.json()["type"] == "account.updated"
        assert _signed_with(WEBHOOK_SECRET, delivery), "the delivery must verify with the ORIGINAL secret"
        assert delivery.headers["x-shop"] == "client"
    finally:
        receiver.close()


def _stripe_event_accepted(runner_url: str, store_id: str, secret: str) -> requests.Response:
    payload = json.dumps({"id": "evt_client_bodies", "object": "event", "type": "ping", "created": int(time.time()),
                          "data": {"object": {}}})
    return requests.post(f"{runner_url}/v1/stores/{store_id}/stripe/webhook", data=payload, timeout=15,
                         headers={"Content-Type": "application/json",
                                  "Stripe-Signature": sign_stripe_payload(payload, secret)})


def test_integrations_with_the_clients_bodies_keep_their_secrets(runner_url: str, mailbox: LatestCode) -> None:
    sdk = _sdk(runner_url, mailbox, "client-integrations@example.com", "client-integrations")
    services = {s["id"]: s for s in sdk.get_integration_services()}
    assert {"stripe", "git_hub", "hub_spot"} <= set(services)
    assert [f["name"] for f in services["stripe"]["fields"] if f["secret"]] == ["secret_key", "webhook_secret"]

    # CreateIntegrationParams {store_id, key, provider: IntegrationProvider}
    stripe = sdk.create_integration({"store_id": sdk.store_id, "key": "payments", "provider": {
        "type": "stripe", "secret_key": "sk_test_client_bodies_1111", "publishable_key": "pk_test_client",
        "webhook_secret": STRIPE_WEBHOOK_SECRET, "currency": "usd"}})
    github = sdk.create_integration({"store_id": sdk.store_id, "key": "code", "provider": {
        "type": "git_hub", "api_key": "ghp_client_bodies_2222"}})
    assert github["provider"] == {"type": "git_hub", "api_key": "****2222"}

    listed = {i["key"]: i for i in sdk.list_integrations({"store_id": sdk.store_id})}
    assert listed["payments"]["provider"]["secret_key"] == "****1111"
    # UpdateIntegrationParams {store_id, id, key?, provider?}: the form sends the listed provider back, masked.
    for integration, change in [(listed["payments"], {"currency": "eur"}), (listed["code"], {})]:
        updated = sdk.update_integration({"store_id": sdk.store_id, "id": integration["id"], "key": integration["key"],
                                          "provider": {**integration["provider"], **change}})
        assert updated["provider"] == {**integration["provider"], **{k: v.upper() for k, v in change.items()}}

    # The stored Stripe signing secret is still the original: an event signed with it is taken, the mask is not.
    accepted = _stripe_event_accepted(runner_url, sdk.store_id, STRIPE_WEBHOOK_SECRET)
    assert accepted.status_code == 200 and accepted.json() == {"received": True, "outcome": "ignored"}, accepted.text
    assert _stripe_event_accepted(runner_url, sdk.store_id, "****4321").status_code == 400
    assert stripe["id"] == listed["payments"]["id"]
