"""Store billing over HTTP against the local runner and its fake Stripe: the arky-sdk 0.9.1 (fe001ba)
store.subscribe and store.createPortalSession calls, and a signed event from the operator's Stripe."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import requests
from localrunner.fake_stripe import sign_stripe_payload
from localrunner.runner import LOCAL_BILLING_KEYS
from tests.arky_types import assert_client_shape
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token


def test_a_store_subscribes_to_a_plan_and_opens_the_billing_portal(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "billing-shop")
    owner = _owner_token(runner_url, mailbox, "billing-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    [pro] = [p for p in _get(f"{runner_url}/v1/stores/plans").json()["items"] if p["id"] == "plan_pro"]
    # Stripe may send staff back only to the store's own origins: a local admin on any port (the local runner only).
    listed = requests.put(admin, json={"allowed_origins": ["http://localhost:*"]},
                          headers={"Authorization": f"Bearer {owner}"}, timeout=15)
    assert listed.status_code == 200, listed.text

    # store.subscribe({plan_id, success_url, cancel_url}) is a PUT
    started = requests.put(f"{admin}/subscribe", json={"plan_id": "plan_pro",
                                                       "success_url": "http://localhost:5173/billing/done",
                                                       "cancel_url": "http://localhost:5173/billing"},
                           headers={"Authorization": f"Bearer {owner}"}, timeout=15)
    assert started.status_code == 200, started.text
    checkout_url = started.json()["checkout_url"]
    # The fake Stripe serves the session it made, as Stripe would to the operator's key.
    parts = urlsplit(checkout_url)
    session = requests.get(f"{parts.scheme}://{parts.netloc}/v1/checkout/sessions/{parts.path.rsplit('/', 1)[1]}",
                           headers={"Authorization": f"Bearer {LOCAL_BILLING_KEYS['secret_key']}"}, timeout=5).json()
    assert session["mode"] == "subscription" and session["customer"]

    period_end = int(time.time()) + 30 * 86_400
    event = {"id": "evt_billing_shop", "object": "event", "type": "customer.subscription.created",
             "created": int(time.time()), "data": {"object": {
                 "id": "sub_billing_shop", "object": "subscription", "status": "active",
                 "customer": session["customer"], "cancel_at_period_end": False,
                 "metadata": {"store_id": store_id, "plan_id": "plan_pro"},
                 "items": {"data": [{"price": {"id": pro["provider_price_id"]}, "current_period_end": period_end}]}}}}
    payload = json.dumps(event)
    applied = requests.post(f"{runner_url}/v1/billing/stripe/webhook", data=payload, timeout=15, headers={
        "Content-Type": "application/json",
        "Stripe-Signature": sign_stripe_payload(payload, LOCAL_BILLING_KEYS["webhook_secret"])})
    assert applied.status_code == 200 and applied.json()["outcome"] == "applied", applied.text
    # store.getStore: the client's Store, its StoreSubscription with the fields answered before beside it
    answered = _get(admin, owner).json()
    assert_client_shape(answered, "Store")
    subscription = answered["subscription"]
    assert {k: subscription[k] for k in ("plan_id", "status", "current_period_end", "cancel_at_period_end")} == {
        "plan_id": "plan_pro", "status": "active", "current_period_end": period_end, "cancel_at_period_end": False}
    assert subscription["id"] == "sub_billing_shop" and subscription["target"] == store_id
    assert subscription["end_date"] == period_end and subscription["pending_plan_id"] is None
    assert subscription["payment"]["provider"]["profile_id"] == session["customer"]

    # store.createPortalSession({return_url})
    portal = _post(f"{admin}/subscription/portal", {"return_url": "http://localhost:5173/settings"}, owner)
    assert portal.status_code == 200 and portal.json()["portal_url"].startswith(f"{parts.scheme}://{parts.netloc}/")
