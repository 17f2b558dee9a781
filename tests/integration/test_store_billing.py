"""Store billing: a store buys a plan of the platform through the operator's Stripe account (the real
stripe library against the local fake), the billing portal, and the operator's signed Stripe events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from localrunner.fake_stripe import FakeStripe, sign_stripe_payload

from tests.arky_types import assert_client_shape
from tests.integration.conftest import login
from tests.integration.test_checkout import serialized_transactions  # noqa: F401 - a fixture used here
from tests.support import Api

OPERATOR = {"secret_key": "sk_test_platform_operator", "webhook_secret": "whsec_platform_events"}
PLANS = [
    {"id": "plan_free", "name": "Free", "tier": 0, "amount": 0, "currency": "USD", "interval": "month",
     "interval_count": 1},
    {"id": "plan_pro", "name": "Pro", "tier": 1, "amount": 2900, "currency": "USD", "interval": "month",
     "interval_count": 1, "trial_period_days": 14, "provider_price_id": "price_pro_monthly"},
    {"id": "plan_business", "name": "Business", "tier": 2, "amount": 9900, "currency": "USD", "interval": "month",
     "interval_count": 1, "provider_price_id": "price_business_monthly"},
]
URLS = {"success_url": "https://admin.example.com/billing/done", "cancel_url": "https://admin.example.com/billing"}
WEBHOOK = "/v1/billing/stripe/webhook"


@pytest.fixture
def stripe_fake(provisioned: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:

    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="operator-stripe", SecretString=json.dumps(OPERATOR))
    with FakeStripe() as fake:
        monkeypatch.setenv("STRIPE_API_BASE", fake.url)
        monkeypatch.setenv("BILLING_PLANS", json.dumps(PLANS))
        platform_secret(monkeypatch, provisioned, "operator-stripe")
        yield fake


def platform_secret(monkeypatch: pytest.MonkeyPatch, provisioned: Any, name: str) -> None:
    """The stack as deployed with PlatformStripeSecretName=`name`: the functions' setting and the stores
    function's grant on that secret (which the IAM conformance test judges against) move together."""
    import dataclasses

    from localrunner import iam_recording

    from storecrm import services
    from storecrm.kernel.gateways import secrets

    monkeypatch.setenv("PLATFORM_STRIPE_SECRET_ID", name)
    iam_recording.provisioned(dataclasses.replace(
        provisioned, parameters={**provisioned.parameters, "PlatformStripeSecretName": name}))
    services.reset()
    secrets.reset()


@pytest.fixture(autouse=True)
def admin_origin(request: pytest.FixtureRequest) -> None:
    """The store lists its admin's origin, so Stripe may send its staff back there (storecrm.stores.link_origins)."""
    if "store" in request.fixturenames and "owner" in request.fixturenames:
        api, store, owner = (request.getfixturevalue(name) for name in ("api", "store", "owner"))
        reply = api.call("PUT", f"/v1/stores/{store['id']}", {"allowed_origins": ["https://admin.example.com"]},
                         token=owner["access_token"])
        assert reply.status == 200, reply.body


def subscribe(api: Api, store: dict[str, Any], token: str, method: str = "PUT", **body: Any) -> Any:
    return api.call(method, f"/v1/stores/{store['id']}/subscribe", {"plan_id": "plan_pro", **URLS, **body},
                    token=token)


def send_event(api: Api, event: dict[str, Any], *, secret: str = OPERATOR["webhook_secret"]) -> Any:
    payload = json.dumps(event)
    return api.call("POST", WEBHOOK, raw_body=payload,
                    headers={"Stripe-Signature": sign_stripe_payload(payload, secret)})


def store_events(store_id: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    return [e for e in default_table().query_all(f"STORE#{store_id}#EVENT") if e["type"] == "store.updated"]


def read_store(api: Api, store: dict[str, Any], token: str) -> dict[str, Any]:
    reply = api.call("GET", f"/v1/stores/{store['id']}", token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_plans_come_from_the_stack_configuration(api: Api, stripe_fake: FakeStripe) -> None:
    reply = api.call("GET", "/v1/stores/plans")
    assert reply.status == 200
    assert [(p["id"], p["provider_price_id"]) for p in reply.body["items"]] == [
        ("plan_free", None), ("plan_pro", "price_pro_monthly"), ("plan_business", "price_business_monthly")]


def test_subscribe_opens_checkout_on_one_customer_and_the_event_activates_the_plan(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe) -> None:
    token = owner["access_token"]
    reply = subscribe(api, store, token)
    assert reply.status == 200, reply.body
    [session] = stripe_fake.sessions.values()
    assert reply.body == {"checkout_url": session["url"]}
    [customer] = stripe_fake.customers.values()
    assert customer["metadata"] == {"store_id": store["id"]} and customer["email"] == "billing@acme.example.com"
    [created] = [r for r in stripe_fake.requests if r.path == "/v1/checkout/sessions"]
    assert created.api_key == OPERATOR["secret_key"]
    assert created.params["mode"] == "subscription" and created.params["customer"] == customer["id"]
    assert created.params["line_items"] == [{"price": "price_pro_monthly", "quantity": "1"}]
    assert created.params["subscription_data"] == {"metadata": {"store_id": store["id"], "plan_id": "plan_pro"},
                                                   "trial_period_days": "14"}
    # POST works too (seed 002), and the second subscribe reuses the store's customer.
    again = subscribe(api, store, token, method="POST", plan_id="plan_business")
    assert again.status == 200, again.body
    assert len(stripe_fake.customers) == 1
    assert {s["customer"] for s in stripe_fake.sessions.values()} == {customer["id"]}
    assert read_store(api, store, token)["subscription"] is None

    completed = stripe_fake.complete_checkout(session["id"])
    answer = send_event(api, completed)
    assert answer.status == 200 and answer.body == {"received": True, "outcome": "applied"}, answer.body
    subscription_id = completed["data"]["object"]["subscription"]
    paid_until = stripe_fake.subscriptions[subscription_id]["current_period_end"]
    customer_id = stripe_fake.subscriptions[subscription_id]["customer"]
    started = stripe_fake.subscriptions[subscription_id]["start_date"]
    answered = read_store(api, store, token)
    assert_client_shape(answered["subscription"], "StoreSubscription")
    assert answered["subscription"] == {
        "id": subscription_id, "target": store["id"], "plan_id": "plan_pro", "pending_plan_id": None,
        "payment": {"currency": "USD", "market": "", "provider": {
            "type": "stripe", "profile_id": customer_id, "subscription_id": subscription_id,
            "price_id": "price_pro_monthly"}},
        "status": "active", "start_date": started, "end_date": paid_until, "token": "", "source": "signup",
        "current_period_end": paid_until, "cancel_at_period_end": False}
    # Shoppers do not see the store's plan.
    assert api.call("GET", f"/v1/storefront/{store['id']}").body["subscription"] is None
    [event] = store_events(store["id"])
    assert event["data"] == {"store_id": store["id"], "change": "subscription", "subscription": {
        "plan_id": "plan_pro", "status": "active", "current_period_end": paid_until, "cancel_at_period_end": False}}

    # Changing plans is the portal's job: a second Checkout would bill a second subscription.
    twice = subscribe(api, store, token, plan_id="plan_business")
    assert twice.status == 409 and twice.error == "BILLING.ALREADY_SUBSCRIBED"
    assert len(stripe_fake.sessions) == 2

    portal = api.call("POST", f"/v1/stores/{store['id']}/subscription/portal",
                      {"returnUrl": "https://admin.example.com/settings"}, token=token)
    assert portal.status == 200, portal.body
    [opened] = stripe_fake.portal_sessions.values()
    assert portal.body == {"portal_url": opened["url"]}
    assert opened["customer"] == customer["id"] and opened["return_url"] == "https://admin.example.com/settings"


def test_subscription_changes_follow_stripe_idempotently_and_in_order(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe) -> None:
    token = owner["access_token"]
    assert subscribe(api, store, token).status == 200
    [session] = stripe_fake.sessions.values()
    completed = stripe_fake.complete_checkout(session["id"])
    assert send_event(api, completed).body["outcome"] == "applied"
    assert send_event(api, completed).body["outcome"] == "unchanged"  # Stripe delivers at least once
    subscription_id = completed["data"]["object"]["subscription"]

    scheduled = stripe_fake.subscription_event(subscription_id, cancel_at_period_end=True)
    scheduled["created"] = completed["created"] + 10
    assert send_event(api, scheduled).body["outcome"] == "applied"
    assert read_store(api, store, token)["subscription"]["status"] == "cancellation_scheduled"
    assert read_store(api, store, token)["subscription"]["cancel_at_period_end"] is True

    # The portal switches the plan: the plan follows the subscription's price.
    stripe_fake.subscriptions[subscription_id]["items"]["data"][0]["price"]["id"] = "price_business_monthly"
    switched = stripe_fake.subscription_event(subscription_id, cancel_at_period_end=False)
    switched["created"] = completed["created"] + 20
    assert send_event(api, switched).body["outcome"] == "applied"
    assert read_store(api, store, token)["subscription"]["plan_id"] == "plan_business"

    # An event Stripe made earlier, delivered late, changes nothing.
    late = dict(scheduled, id="evt_late")
    assert send_event(api, late).body["outcome"] == "stale"
    found = read_store(api, store, token)["subscription"]
    assert found["status"] == "active" and found["plan_id"] == "plan_business"

    ended = stripe_fake.subscription_event(subscription_id, "customer.subscription.deleted")
    ended["created"] = completed["created"] + 30
    assert send_event(api, ended).body["outcome"] == "applied"
    assert read_store(api, store, token)["subscription"]["status"] == "cancelled"
    # One event per change (the outbox orders by second only, so compared as a multiset).
    assert sorted(e["data"]["subscription"]["status"] for e in store_events(store["id"])) == [
        "active", "active", "cancellation_scheduled", "cancelled"]


def test_events_with_bad_signatures_change_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                   stripe_fake: FakeStripe) -> None:
    assert subscribe(api, store, owner["access_token"]).status == 200
    [session] = stripe_fake.sessions.values()
    completed = stripe_fake.complete_checkout(session["id"])
    payload = json.dumps(completed)
    for reply in [send_event(api, completed, secret="whsec_someone_else"),
                  api.call("POST", WEBHOOK, raw_body=payload),
                  api.call("POST", WEBHOOK, raw_body=payload + " ",
                           headers={"Stripe-Signature": sign_stripe_payload(payload, OPERATOR["webhook_secret"])}),
                  api.call("POST", WEBHOOK, raw_body="not json",
                           headers={"Stripe-Signature": sign_stripe_payload("not json", OPERATOR["webhook_secret"])}),
                  # A store's own Stripe events go to its own endpoint, never this one.
                  send_event(api, completed, secret="whsec_store_stripe_events")]:
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", reply.body
    assert read_store(api, store, owner["access_token"])["subscription"] is None
    assert store_events(store["id"]) == []


def test_events_for_other_stores_or_other_things_are_ignored(api: Api, owner: dict[str, Any],
                                                             store: dict[str, Any], stripe_fake: FakeStripe) -> None:
    assert subscribe(api, store, owner["access_token"]).status == 200
    [session] = stripe_fake.sessions.values()
    completed = stripe_fake.complete_checkout(session["id"])
    subscription = stripe_fake.subscriptions[completed["data"]["object"]["subscription"]]
    # Metadata naming a store whose customer is another one (or no store at all) is not a plan of that store.
    foreign = {**completed, "type": "customer.subscription.updated",
               "data": {"object": {**subscription, "customer": "cus_someone_else"}}}
    unknown = {**foreign, "data": {"object": {**subscription, "metadata": {"store_id": "no-such-store"}}}}
    other = {**completed, "type": "invoice.paid"}
    for event in (foreign, unknown, other):
        assert send_event(api, event).body["outcome"] == "ignored"
    assert read_store(api, store, owner["access_token"])["subscription"] is None


def test_subscribe_refuses_bad_input_and_changes_nothing(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                         stripe_fake: FakeStripe) -> None:
    token = owner["access_token"]
    cases = [
        ({"plan_id": "plan_gold"}, 400, "plan_id"),
        ({"success_url": "http://admin.example.com/done"}, 400, "success_url"),
        ({"cancel_url": "javascript:alert(1)"}, 400, "cancel_url"),
        ({"plan_id": ""}, 400, "plan_id"),
    ]
    for body, status, field in cases:
        reply = subscribe(api, store, token, **body)
        assert reply.status == status and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
        assert [e["field"] for e in reply.body["validationErrors"]] == [field], reply.body
    missing = api.call("PUT", f"/v1/stores/{store['id']}/subscribe", {"plan_id": "plan_pro"}, token=token)
    assert missing.status == 400
    free = subscribe(api, store, token, plan_id="plan_free")
    assert free.status == 409 and free.error == "BILLING.PLAN_NOT_FOR_SALE"
    # Plain http to loopback is not one of the store's origins outside the local runner.
    local = subscribe(api, store, token, success_url="http://localhost:5173/done")
    assert local.status == 400 and local.body["validationErrors"][0]["field"] == "success_url"
    assert stripe_fake.sessions == {}


def test_stripe_sends_staff_back_only_to_the_stores_origins(api: Api, owner: dict[str, Any],
                                                            stripe_fake: FakeStripe) -> None:
    """Issue 24 part 2: success_url, cancel_url and return_url must be on one of the store's allowed_origins;
    a store that lists none cannot subscribe until its staff list one (Stripe needs somewhere to go back to)."""
    token = owner["access_token"]
    fresh = api.call("POST", "/v1/stores", {"key": "no-origins", "timezone": "UTC", "billing_email": "b@example.com"},
                     token=token).body
    assert fresh["allowed_origins"] == []
    none_listed = subscribe(api, fresh, token)
    assert none_listed.status == 400 and none_listed.body["validationErrors"][0]["field"] == "success_url"
    assert "allowed_origins" in none_listed.body["validationErrors"][0]["error"]
    listed = api.call("PUT", f"/v1/stores/{fresh['id']}", {"allowed_origins": ["https://Admin.Example.com:443/"]},
                      token=token)
    assert listed.status == 200 and listed.body["allowed_origins"] == ["https://admin.example.com"]
    for body, field in [({"success_url": "https://evil.example/done"}, "success_url"),
                        ({"cancel_url": "https://admin.example.com.evil.example/"}, "cancel_url"),
                        ({"cancel_url": "https://admin.example.com:8443/"}, "cancel_url")]:
        refused = subscribe(api, fresh, token, **body)
        assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == field, (body, refused.body)
    assert stripe_fake.sessions == {}
    assert subscribe(api, fresh, token).status == 200
    portal = api.call("POST", f"/v1/stores/{fresh['id']}/subscription/portal",
                      {"return_url": "https://evil.example/"}, token=token)
    assert portal.status == 400 and portal.body["validationErrors"][0]["field"] == "return_url"
    assert stripe_fake.portal_sessions == {}


def test_portal_needs_a_customer_and_an_https_return(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                     stripe_fake: FakeStripe) -> None:
    path = f"/v1/stores/{store['id']}/subscription/portal"
    token = owner["access_token"]
    none_yet = api.call("POST", path, {"return_url": "https://admin.example.com"}, token=token)
    assert none_yet.status == 409 and none_yet.error == "BILLING.NO_CUSTOMER"
    for body in ({"return_url": "http://admin.example.com"}, {"return_url": "/relative"}, {}):
        reply = api.call("POST", path, body, token=token)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
    assert stripe_fake.portal_sessions == {}


def test_only_owners_and_supers_of_the_store_manage_its_billing(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe) -> None:
    token = owner["access_token"]
    members = f"/v1/stores/{store['id']}/members"
    assert api.call("POST", members, {"email": "admin@example.com"}, token=token).status == 200
    assert api.call("POST", members, {"email": "super@example.com", "role": "super"}, token=token).status == 200
    admin, super_ = login(api, "admin@example.com"), login(api, "super@example.com")
    stranger = login(api, "stranger@example.com")
    other = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC", "billing_email": "b@other.example"},
                     token=stranger["access_token"]).body

    refused = subscribe(api, store, admin["access_token"])
    assert refused.status == 403 and refused.error == "GENERAL.FORBIDDEN"
    portal = api.call("POST", f"/v1/stores/{store['id']}/subscription/portal",
                      {"return_url": "https://admin.example.com"}, token=admin["access_token"])
    assert portal.status == 403
    # Another store's staff cannot tell the store exists.
    for reply in (subscribe(api, store, stranger["access_token"]),
                  api.call("POST", f"/v1/stores/{store['id']}/subscription/portal",
                           {"return_url": "https://admin.example.com"}, token=stranger["access_token"]),
                  subscribe(api, other, token)):
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", reply.body
    assert subscribe(api, store, None).status == 401  # type: ignore[arg-type]
    assert stripe_fake.sessions == {} and stripe_fake.customers == {}

    assert subscribe(api, store, super_["access_token"]).status == 200
    assert len(stripe_fake.sessions) == 1


def test_billing_without_an_operator_secret_is_a_clear_conflict(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any], stripe_fake: FakeStripe,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                provisioned: Any) -> None:
    platform_secret(monkeypatch, provisioned, "")
    reply = subscribe(api, store, owner["access_token"])
    assert reply.status == 409 and reply.error == "BILLING.NOT_CONFIGURED"
    assert stripe_fake.requests == []


def test_a_wrong_or_empty_operator_secret_is_the_same_conflict(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any], stripe_fake: FakeStripe,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                provisioned: Any) -> None:
    """The stack names a secret that does not exist, or one that holds no JSON object: 409, never a 500."""

    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.create_secret(Name="not-json", SecretString="sk_test_pasted_alone")
    client.create_secret(Name="a-list", SecretString="[]")
    for name in ("no-such-secret", "not-json", "a-list"):
        platform_secret(monkeypatch, provisioned, name)
        for reply in (subscribe(api, store, owner["access_token"]), send_event(api, {"type": "ping"})):
            assert (reply.status, reply.error) == (409, "BILLING.NOT_CONFIGURED"), (name, reply.body)
    assert stripe_fake.requests == []


def test_deleting_a_store_cancels_its_plan_at_stripe_or_refuses(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any], stripe_fake: FakeStripe,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                provisioned: Any) -> None:
    from localrunner.fake_stripe import StripeError


    token = owner["access_token"]
    subscription_id = _activate(api, store, token, stripe_fake, "plan_pro")
    path = f"/v1/stores/{store['id']}"
    # Stripe failing (after the client's own retries) refuses the deletion and keeps the store.
    original = stripe_fake._dispatch

    def failing(method: str, stripe_path: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "DELETE":
            raise StripeError(500, "An unknown error occurred")
        return original(method, stripe_path, params)

    monkeypatch.setattr(stripe_fake, "_dispatch", failing)
    reply = api.call("DELETE", path, token=token)
    assert (reply.status, reply.error) == (409, "BILLING.CANCEL_FAILED"), reply.body
    assert read_store(api, store, token)["subscription"]["status"] == "active"
    assert stripe_fake.subscriptions[subscription_id]["status"] == "active"
    # Billing switched off meanwhile: the plan cannot be cancelled either.
    platform_secret(monkeypatch, provisioned, "")
    reply = api.call("DELETE", path, token=token)
    assert (reply.status, reply.error) == (409, "BILLING.NOT_CONFIGURED"), reply.body

    platform_secret(monkeypatch, provisioned, "operator-stripe")
    monkeypatch.setattr(stripe_fake, "_dispatch", original)
    reply = api.call("DELETE", path, token=token)
    assert reply.status == 200 and reply.body == {"deleted": True}, reply.body
    [cancel] = [r for r in stripe_fake.requests if r.method == "DELETE" and r.path.endswith(subscription_id)][-1:]
    assert cancel.api_key == OPERATOR["secret_key"]
    assert stripe_fake.subscriptions[subscription_id]["status"] == "canceled"
    # Stripe's event about it finds no store to change.
    ended = stripe_fake.subscription_event(subscription_id, "customer.subscription.deleted")
    assert send_event(api, ended).body["outcome"] == "ignored"


def test_a_store_without_a_plan_is_deleted_without_asking_stripe(api: Api, owner: dict[str, Any],
                                                                 store: dict[str, Any],
                                                                 stripe_fake: FakeStripe) -> None:
    reply = api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"])
    assert reply.status == 200, reply.body
    assert stripe_fake.requests == []


def _activate(api: Api, store: dict[str, Any], token: str, stripe_fake: FakeStripe, plan_id: str) -> str:
    assert subscribe(api, store, token, plan_id=plan_id).status == 200
    session = list(stripe_fake.sessions.values())[-1]
    completed = stripe_fake.complete_checkout(session["id"])
    assert send_event(api, completed).body["outcome"] == "applied"
    return str(completed["data"]["object"]["subscription"])


def test_plan_caps_refuse_one_more_audience_or_webhook_until_a_larger_plan(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    capped = [{**PLANS[0], "limits": {"audiences": 1, "webhooks": 1}}, *PLANS[1:]]
    monkeypatch.setenv("BILLING_PLANS", json.dumps(capped))
    services.reset()
    token = owner["access_token"]
    base = f"/v1/stores/{store['id']}"

    def add_webhook(key: str) -> Any:
        return api.call("POST", f"{base}/webhooks", {"key": key, "url": "https://hooks.example.com/in",
                                                     "events": [{"event": "store.updated"}]}, token=token)

    def add_audience(key: str) -> Any:
        return api.call("POST", f"{base}/audiences", {"key": key}, token=token)

    assert add_webhook("first").status == 200 and add_audience("first").status == 200
    for reply, limit in ((add_webhook("second"), "limits.webhooks"), (add_audience("second"), "limits.audiences")):
        assert reply.status == 402 and reply.error == "BILLING.LIMIT_REACHED", reply.body
        assert limit in reply.body["message"] and "Free" in reply.body["message"]
    assert len(api.call("GET", f"{base}/webhooks", token=token).body) == 1

    _activate(api, store, token, stripe_fake, "plan_pro")  # no caps on Pro
    assert add_webhook("second").status == 200 and add_audience("second").status == 200


def test_a_lapsed_subscription_stops_staff_writes_but_not_customers(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe) -> None:
    token = owner["access_token"]
    base = f"/v1/stores/{store['id']}"
    subscription_id = _activate(api, store, token, stripe_fake, "plan_pro")
    unpaid = stripe_fake.subscription_event(subscription_id, status="unpaid")
    unpaid["created"] += 1
    assert send_event(api, unpaid).body["outcome"] == "applied"
    assert read_store(api, store, token)["subscription"]["status"] == "expired"

    for reply in (api.call("PUT", base, {"timezone": "UTC"}, token=token),
                  api.call("POST", f"{base}/audiences", {"key": "news"}, token=token),
                  api.call("POST", f"{base}/profiles", {"email": "staff.added@example.com"}, token=token)):
        assert reply.status == 402 and reply.error == "BILLING.SUBSCRIPTION_LAPSED", reply.body
    assert read_store(api, store, token)["timezone"] == "America/New_York"
    # Staff may still look (reads under rights that also change things too) and pay; customers are not stopped.
    for path in ("/profiles", "/orders", "/carts", "/audiences", "/webhooks"):
        looked = api.call("GET", f"{base}{path}", token=token)
        assert looked.status == 200, (path, looked.body)
    portal = api.call("POST", f"{base}/subscription/portal", {"return_url": "https://admin.example.com"}, token=token)
    assert portal.status == 200, portal.body
    guest = api.call("POST", f"{base}/profiles/initialize", {})
    assert guest.status == 200, guest.body
    connected = api.call("POST", f"{base}/profiles/connect", {"email": "shopper@example.com"},
                         token=guest.body["access_token"])
    assert connected.status == 200, connected.body

    paid = stripe_fake.subscription_event(subscription_id, status="active")
    paid["created"] = unpaid["created"] + 1
    assert send_event(api, paid).body["outcome"] == "applied"
    assert api.call("PUT", base, {"timezone": "UTC"}, token=token).status == 200


def test_a_lapsed_subscription_stops_api_client_writes_too(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                           stripe_fake: FakeStripe) -> None:
    from tests.integration.api_client_support import client_token, new_client

    token = owner["access_token"]
    client = client_token(api, new_client(api, token, store["id"]))
    made = api.call("POST", "/v0/consumer_profiles", {"email": "before@example.com", "first_name": "Ada",
                                                      "last_name": "Byron"}, token=client)
    assert made.status == 200, made.body
    subscription_id = _activate(api, store, token, stripe_fake, "plan_pro")
    unpaid = stripe_fake.subscription_event(subscription_id, status="unpaid")
    unpaid["created"] += 1
    assert send_event(api, unpaid).body["outcome"] == "applied"

    path = f"/v0/consumer_profiles/{made.body['id']}"
    for reply in (api.call("POST", "/v0/consumer_profiles", {"email": "after@example.com", "first_name": "Al",
                                                             "last_name": "Lee"}, token=client),
                  api.call("PUT", path, {"first_name": "Ada", "last_name": "Lovelace", "extended_attributes": [],
                                         "revision": made.body["revision"]}, token=client),
                  api.call("POST", f"{path}/addresses", {"type": "shipping", "address_line_1": "1 Main St",
                                                         "city": "Boston", "country_code": "US"}, token=client),
                  api.call("DELETE", path, token=client),
                  api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "via-v1@example.com"},
                           token=client)):
        assert reply.status == 402, reply.body
    assert api.call("GET", path, token=client).status == 200  # reading goes on
    assert api.call("GET", "/v0/consumer_profiles", token=client).body["pagination_info"]["total"] == 1


def _at_once(calls: list[Any]) -> list[str]:
    """Runs every call at the same moment, one thread each: "ok", or the code of the error that refused it."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from storecrm.kernel.errors import DomainError

    start = threading.Barrier(len(calls))

    def run(call: Any) -> str:
        start.wait()
        try:
            call()
        except DomainError as error:
            return error.code
        return "ok"

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.usefixtures("serialized_transactions")
def test_concurrent_creates_cannot_pass_the_audience_and_webhook_caps(
        api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten creates at once against a cap of three: the count is kept in each create's own transaction, so three
    go through and seven get the 402; deleting one gives its place back."""
    from storecrm import services
    from storecrm.identity.auth import read_access_token
    from storecrm.identity.gateways.signing_keys import token_verify_keys
    from storecrm.integrations.webhooks import NewWebhook
    from storecrm.messaging.audiences import NewAudience

    capped = [{**PLANS[0], "limits": {"audiences": 3, "webhooks": 3}}, *PLANS[1:]]
    monkeypatch.setenv("BILLING_PLANS", json.dumps(capped))
    services.reset()
    token, base = owner["access_token"], f"/v1/stores/{store['id']}"
    staff = read_access_token(token, token_verify_keys())
    # One of each before the burst: a store from before counters were kept starts its counter from a count.
    first = api.call("POST", f"{base}/webhooks", {"key": "first", "url": "https://hooks.example.com/in",
                                                  "events": [{"event": "store.updated"}]}, token=token)
    assert first.status == 200, first.body

    def webhook(n: int) -> Any:
        return lambda: services.webhook_service().create(staff, store["id"], NewWebhook.model_validate(
            {"key": f"hook-{n}", "url": "https://hooks.example.com/in", "events": [{"event": "store.updated"}]}))

    def audience(n: int) -> Any:
        return lambda: services.audience_service().create(staff, store["id"], NewAudience(key=f"list-{n}"))

    hooks = _at_once([webhook(n) for n in range(10)])
    assert sorted(hooks) == ["BILLING.LIMIT_REACHED"] * 8 + ["ok"] * 2, hooks
    lists = _at_once([audience(n) for n in range(10)])
    assert sorted(lists) == ["BILLING.LIMIT_REACHED"] * 7 + ["ok"] * 3, lists
    listed = api.call("GET", f"{base}/webhooks", token=token).body
    assert len(listed) == 3
    assert len(api.call("GET", f"{base}/audiences", token=token).body["items"]) == 3

    # A deleted webhook gives its place back, once.
    assert api.call("DELETE", f"{base}/webhooks/{listed[0]['id']}", token=token).status == 200
    assert sorted(_at_once([webhook(n) for n in range(10, 14)])) == ["BILLING.LIMIT_REACHED"] * 3 + ["ok"]
