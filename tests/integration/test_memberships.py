"""Paid audience memberships: Stripe Checkout through the real stripe library against the local fake,
and signed Stripe events that activate, renew, schedule cancellation and cancel."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from localrunner.fake_stripe import FakeStripe, sign_stripe_payload

from tests.integration.conftest import login
from tests.integration.test_audiences import _outbox, _shopper
from tests.support import Api

WEBHOOK_SECRET = "whsec_store_stripe_events"
STRIPE = {"type": "stripe", "secret_key": "sk_test_51StoreKey0001", "publishable_key": "pk_test_51Store",
          "webhook_secret": WEBHOOK_SECRET, "currency": "USD"}
PRICES = [{"id": "monthly", "currency": "USD", "amount": 900, "interval": {"period": "month"}},
          {"id": "yearly", "currency": "USD", "amount": 9000, "interval": {"period": "year"}}]
URLS = {"success_url": "https://shop.example.com/welcome", "cancel_url": "https://shop.example.com/pricing"}


@pytest.fixture
def paid(api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe) -> dict[str, Any]:
    token = owner["access_token"]
    assert api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe", "provider": STRIPE},
                    token=token).status == 200
    # Stripe sends the payer back to URLS: the store lists their origin (storecrm.stores.link_origins).
    assert api.call("PUT", f"/v1/stores/{store['id']}", {"allowed_origins": ["https://shop.example.com"]},
                    token=token).status == 200
    reply = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "members", "type": "paid",
                                                                     "prices": PRICES}, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def send_event(api: Api, store: dict[str, Any], event: dict[str, Any], *, secret: str = WEBHOOK_SECRET,
               timestamp: int | None = None) -> Any:
    payload = json.dumps(event)
    return api.call("POST", f"/v1/stores/{store['id']}/stripe/webhook", raw_body=payload,
                    headers={"Stripe-Signature": sign_stripe_payload(payload, secret, timestamp)})


def subscribe(api: Api, store: dict[str, Any], audience: dict[str, Any], shopper: dict[str, Any],
              **body: Any) -> Any:
    return api.call("POST", f"/v1/stores/{store['id']}/audiences/{audience['id']}/subscribe",
                    {"profile_id": shopper["id"], **body}, token=shopper["access_token"])


def access(api: Api, store: dict[str, Any], audience: dict[str, Any], shopper: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("GET", f"/v1/stores/{store['id']}/audiences/{audience['id']}/access",
                     token=shopper["access_token"])
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_paid_membership_lifecycle(api: Api, provisioned: Any, store: dict[str, Any], paid: dict[str, Any],
                                   stripe_fake: FakeStripe) -> None:
    shopper = _shopper(api, store, "member@example.com")
    reply = subscribe(api, store, paid, shopper, price_id="yearly", **URLS)
    assert reply.status == 200, reply.body
    [session] = stripe_fake.sessions.values()
    assert reply.body == {"checkout_url": session["url"], "subscription": None, "verification_required": False}
    [request] = [r for r in stripe_fake.requests if r.path == "/v1/checkout/sessions"]
    assert request.api_key == STRIPE["secret_key"] and request.params["mode"] == "subscription"
    assert request.params["line_items"][0]["price_data"]["unit_amount"] == "9000"
    assert request.params["line_items"][0]["price_data"]["recurring"]["interval"] == "year"
    assert request.params["subscription_data"]["metadata"]["profile_id"] == shopper["id"]
    assert access(api, store, paid, shopper)["has_access"] is False  # nothing until Stripe says it is paid

    completed = stripe_fake.complete_checkout(session["id"])
    applied = send_event(api, store, completed)
    assert applied.status == 200 and applied.body == {"received": True, "outcome": "applied"}, applied.body
    granted = access(api, store, paid, shopper)
    assert granted["has_access"] is True
    assert granted["subscription"]["status"] == "active" and granted["subscription"]["plan_id"] == "yearly"
    subscription_id = completed["data"]["object"]["subscription"]
    paid_until = stripe_fake.subscriptions[subscription_id]["current_period_end"]
    assert granted["subscription"]["end_date"] == paid_until
    assert granted["subscription"]["payment"] == {"currency": "USD", "market": "", "provider": {
        "type": "stripe", "profile_id": completed["data"]["object"]["customer"], "subscription_id": subscription_id,
        "price_id": "yearly"}}
    [added] = _outbox(provisioned, store["id"], "audience.subscriber_added")
    assert added["data"]["subscriber"]["profile_id"] == shopper["id"]

    # Stripe retries deliveries: the same event again changes nothing and announces nothing.
    assert send_event(api, store, completed).body["outcome"] == "unchanged"
    assert len(_outbox(provisioned, store["id"], "audience.subscriber_added")) == 1
    again = subscribe(api, store, paid, shopper, price_id="yearly", **URLS)
    assert again.body["subscription"]["status"] == "active" and again.body["checkout_url"] is None

    scheduled = stripe_fake.subscription_event(subscription_id, cancel_at_period_end=True)
    assert send_event(api, store, scheduled).body["outcome"] == "applied"
    still = access(api, store, paid, shopper)
    assert still["has_access"] is True and still["subscription"]["status"] == "cancellation_scheduled"

    renewed = stripe_fake.subscription_event(subscription_id, cancel_at_period_end=False,
                                             current_period_end=int(time.time()) + 400 * 86400)
    send_event(api, store, renewed)
    assert access(api, store, paid, shopper)["subscription"]["status"] == "active"

    ended = stripe_fake.subscription_event(subscription_id, "customer.subscription.deleted")
    send_event(api, store, ended)
    gone = access(api, store, paid, shopper)
    assert gone["has_access"] is False and gone["subscription"]["status"] == "cancelled"
    # An older event arriving late does not bring the membership back.
    scheduled["created"] -= 3600
    assert send_event(api, store, scheduled).body["outcome"] == "stale"
    assert access(api, store, paid, shopper)["has_access"] is False


def test_stripe_events_with_bad_signatures_change_nothing(api: Api, store: dict[str, Any], paid: dict[str, Any],
                                                          stripe_fake: FakeStripe) -> None:
    shopper = _shopper(api, store, "member@example.com")
    subscribe(api, store, paid, shopper, price_id="monthly", **URLS)
    [session] = stripe_fake.sessions.values()
    completed = stripe_fake.complete_checkout(session["id"])
    for reply in [send_event(api, store, completed, secret="whsec_someone_else"),
                  send_event(api, store, completed, timestamp=int(time.time()) - 3600),  # a replay
                  api.call("POST", f"/v1/stores/{store['id']}/stripe/webhook", raw_body=json.dumps(completed)),
                  api.call("POST", f"/v1/stores/{store['id']}/stripe/webhook", raw_body="not json",
                           headers={"Stripe-Signature": sign_stripe_payload("not json", WEBHOOK_SECRET)})]:
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", reply.body
    assert access(api, store, paid, shopper)["has_access"] is False


def test_a_membership_keeps_the_stripe_account_it_was_paid_through(api: Api, owner: dict[str, Any],
                                                                     store: dict[str, Any], paid: dict[str, Any],
                                                                     stripe_fake: FakeStripe) -> None:
    """The store makes another Stripe integration the active one after a member paid through the first: the
    first account's events about that membership still apply (checked with its signing secret)."""
    from storecrm.kernel.repositories.base import default_table

    shopper = _shopper(api, store, "member@example.com")
    assert subscribe(api, store, paid, shopper, price_id="monthly", **URLS).status == 200
    [session] = stripe_fake.sessions.values()
    first = session["metadata"]["integration_id"]
    other = {**STRIPE, "secret_key": "sk_test_51OtherAccount02", "webhook_secret": "whsec_other_account"}
    switched = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe-two", "provider": other,
                                                                          "active": True},
                        token=owner["access_token"])
    assert switched.status == 200 and switched.body["active"] is True

    completed = stripe_fake.complete_checkout(session["id"])
    assert send_event(api, store, completed).body["outcome"] == "applied"
    assert access(api, store, paid, shopper)["has_access"] is True
    from storecrm.kernel.repositories import keys

    item = default_table().get(keys.subscription(paid["id"], shopper["id"]))
    assert item is not None and item["payment_integration_id"] == first
    # Stripe copied the checkout's metadata onto the subscription, so its later events are checked the same way.
    ended = stripe_fake.subscription_event(completed["data"]["object"]["subscription"],
                                           "customer.subscription.deleted")
    assert send_event(api, store, ended, secret=other["webhook_secret"]).status == 400
    assert send_event(api, store, ended).body["outcome"] == "applied"
    assert access(api, store, paid, shopper)["has_access"] is False


def test_paid_subscribe_bad_input(api: Api, store: dict[str, Any], paid: dict[str, Any],
                                  stripe_fake: FakeStripe) -> None:
    shopper = _shopper(api, store, "member@example.com")
    for body, field in [({**URLS}, "price_id"), ({"price_id": "weekly", **URLS}, "price_id"),
                        ({"price_id": "monthly"}, "success_url"),
                        ({"price_id": "monthly", "success_url": "javascript:alert(1)"}, "success_url")]:
        reply = subscribe(api, store, paid, shopper, **body)
        assert reply.status == 400 and field in [e["field"] for e in reply.body["validationErrors"]], reply.body
    assert stripe_fake.sessions == {}


def test_stripe_keys_and_events_stay_in_their_store(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                    paid: dict[str, Any], stripe_fake: FakeStripe) -> None:
    rival_token = login(api, "rival@example.com")["access_token"]
    rival = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=rival_token).body
    rival_secret = "whsec_rival_events"
    api.call("POST", f"/v1/stores/{rival['id']}/integrations", {"key": "stripe", "provider": {
        **STRIPE, "secret_key": "sk_test_51RivalKey0002", "webhook_secret": rival_secret}}, token=rival_token)
    shopper = _shopper(api, store, "member@example.com")
    subscribe(api, store, paid, shopper, price_id="monthly", **URLS)
    assert {r.api_key for r in stripe_fake.requests} == {STRIPE["secret_key"]}  # the store's own account
    [session] = stripe_fake.sessions.values()
    completed = stripe_fake.complete_checkout(session["id"])
    # The rival signs our store's event with its own secret and posts it to its own endpoint.
    reply = send_event(api, rival, completed, secret=rival_secret)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "metadata.store_id"
    assert send_event(api, store, completed, secret=rival_secret).status == 400
    assert access(api, store, paid, shopper)["has_access"] is False
    # A shopper of the rival store cannot subscribe here, nor read access here.
    outsider = _shopper(api, rival, "outsider@example.com")
    assert subscribe(api, store, paid, {**outsider}, price_id="monthly", **URLS).status in (401, 403)
    assert api.call("GET", f"/v1/stores/{store['id']}/audiences/{paid['id']}/access",
                    token=outsider["access_token"]).status in (401, 403)


def test_a_store_without_stripe_cannot_take_events(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                   stripe_fake: FakeStripe) -> None:
    reply = send_event(api, store, {"id": "evt_1", "type": "checkout.session.completed", "created": 1,
                                    "data": {"object": {}}})
    assert reply.status == 409 and reply.error == "PAYMENT.NOT_CONFIGURED"


# arky-sdk's SubscriptionPrice has an optional interval: without one a price is a one-time purchase.
LIFETIME = {"id": "lifetime", "currency": "USD", "amount": 25000}


@pytest.fixture
def lifetime(api: Api, owner: dict[str, Any], store: dict[str, Any], paid: dict[str, Any]) -> dict[str, Any]:
    # crm.audiences.create({key, type: {type: "paid", prices}}) with a recurring and a one-time price
    reply = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "forever", "type": {
        "type": "paid", "prices": [PRICES[0], {**LIFETIME, "providers": []}]}}, token=owner["access_token"])
    assert reply.status == 200, reply.body
    assert [p.get("interval") for p in reply.body["type"]["prices"]] == [{"period": "month", "count": 1}, None]
    return dict(reply.body)


def test_a_one_time_price_is_a_purchase_that_never_ends(api: Api, provisioned: Any, store: dict[str, Any],
                                                         lifetime: dict[str, Any], stripe_fake: FakeStripe) -> None:
    shopper = _shopper(api, store, "buyer@example.com")
    reply = subscribe(api, store, lifetime, shopper, price_id="lifetime", **URLS)
    assert reply.status == 200, reply.body
    [session] = stripe_fake.sessions.values()
    assert reply.body == {"checkout_url": session["url"], "subscription": None, "verification_required": False}
    [request] = [r for r in stripe_fake.requests if r.path == "/v1/checkout/sessions"]
    assert request.params["mode"] == "payment" and "subscription_data" not in request.params
    assert "recurring" not in request.params["line_items"][0]["price_data"]
    assert request.params["line_items"][0]["price_data"]["unit_amount"] == "25000"
    assert request.params["payment_intent_data"]["metadata"]["profile_id"] == shopper["id"]
    assert access(api, store, lifetime, shopper)["has_access"] is False

    completed = stripe_fake.complete_checkout(session["id"])
    assert send_event(api, store, completed).body == {"received": True, "outcome": "applied"}
    granted = access(api, store, lifetime, shopper)
    assert granted["has_access"] is True
    subscription = granted["subscription"]
    assert (subscription["status"], subscription["plan_id"], subscription["end_date"]) == ("active", "lifetime", 0)
    assert subscription["payment"] == {"currency": "USD", "market": "", "provider": {
        "type": "stripe", "profile_id": completed["data"]["object"]["customer"], "subscription_id": None,
        "price_id": "lifetime"}}
    [added] = _outbox(provisioned, store["id"], "audience.subscriber_added")
    assert added["data"]["subscriber"]["profile_id"] == shopper["id"]
    assert send_event(api, store, completed).body["outcome"] == "unchanged"  # Stripe's retry
    again = subscribe(api, store, lifetime, shopper, price_id="lifetime", **URLS)
    assert again.body == {"checkout_url": None, "subscription": subscription, "verification_required": False}
    assert len(stripe_fake.sessions) == 1


def test_a_delayed_payment_grants_access_only_once_it_clears(api: Api, store: dict[str, Any],
                                                              lifetime: dict[str, Any],
                                                              stripe_fake: FakeStripe) -> None:
    shopper = _shopper(api, store, "slow@example.com")
    subscribe(api, store, lifetime, shopper, price_id="lifetime", **URLS)
    [session] = stripe_fake.sessions.values()
    assert send_event(api, store, stripe_fake.complete_checkout(session["id"], paid=False)).body["outcome"] == \
        "ignored"
    assert access(api, store, lifetime, shopper)["has_access"] is False
    assert send_event(api, store, stripe_fake.settle_payment(session["id"])).body["outcome"] == "applied"
    assert access(api, store, lifetime, shopper)["has_access"] is True

    other = _shopper(api, store, "bounced@example.com")
    subscribe(api, store, lifetime, other, price_id="lifetime", **URLS)
    [bounced] = [s for s in stripe_fake.sessions.values() if s["id"] != session["id"]]
    send_event(api, store, stripe_fake.complete_checkout(bounced["id"], paid=False))
    failed = stripe_fake.settle_payment(bounced["id"], succeeded=False)
    assert send_event(api, store, failed).body["outcome"] == "ignored"
    assert access(api, store, lifetime, other)["has_access"] is False


def test_price_intervals_are_checked_when_given(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    for interval in ({"period": "week"}, {"period": "month", "count": 0}, "monthly"):
        reply = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "odd", "type": "paid", "prices": [
            {**LIFETIME, "interval": interval}]}, token=owner["access_token"])
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (interval, reply.body)
    explicit_none = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "once", "type": "paid", "prices": [
        {**LIFETIME, "interval": None}]}, token=owner["access_token"])
    assert explicit_none.status == 200 and explicit_none.body["type"]["prices"][0]["interval"] is None
