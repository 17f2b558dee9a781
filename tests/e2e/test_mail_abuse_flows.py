"""Issue 24 parts 1 and 2, played over HTTP as an attacker would against the local runner: anyone may get a store,
so nothing a store can make the platform mail may turn its sender into a relay, and no link in a mail (or a
redirect) goes anywhere but where the store said."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from localrunner.fake_stripe import sign_stripe_payload
from localrunner.runner import LOCAL_BILLING_KEYS
from tests.e2e.conftest import TINY_MAIL_PLAN, TINY_MAILS_PER_DAY, LatestCode
from tests.e2e.test_profile_flows import _get, _post

SDK = "/api/v1/sdk"
TEMPLATE = {"key": "confirm", "subject": {"en": "Confirm your {{store_name}} letters"},
            "body": "<p><a href=\"{{confirm_url}}\">Confirm</a></p><p><a href=\"{{unsubscribe_url}}\">Leave</a></p>",
            "from_name": "Letters", "from_email": "letters@example.com"}


def _put(url: str, body: Any, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.put(url, json=body, headers=headers, timeout=15)


def _owner(base: str, mailbox: LatestCode, key: str) -> tuple[str, str]:
    """A new account and its new store: anyone can have both. (store id, staff token)"""
    email = f"owner-{key}@example.com"
    before = mailbox.count(email)
    _post(f"{base}/v1/auth/code", {"email": email})
    token = _post(f"{base}/v1/auth/verify", {"email": email, "code": mailbox(email, since=before)}).json()
    created = _post(f"{base}/v1/stores", {"key": key, "timezone": "UTC", "billing_email": email},
                    token["access_token"])
    assert created.status_code == 200, created.text
    return str(created.json()["id"]), str(token["access_token"])


def _double_opt_in(base: str, store_id: str, staff: str, key: str = "letters") -> str:
    template = _post(f"{base}/v1/stores/{store_id}/email-templates", {**TEMPLATE, "key": f"{key}-confirm"}, staff)
    assert template.status_code == 200, template.text
    audience = _post(f"{base}/v1/stores/{store_id}/audiences",
                     {"key": key, "confirm_template_id": template.json()["id"]}, staff)
    assert audience.status_code == 200, audience.text
    return str(audience.json()["id"])


def _subscribe(base: str, store_id: str, audience_id: str, email: str, **body: Any) -> requests.Response:
    """`connect` any address (no proof needed), then subscribe it."""
    connected = _post(f"{base}/v1/stores/{store_id}/profiles/connect", {"email": email}).json()
    return _post(f"{base}/v1/stores/{store_id}/audiences/{audience_id}/subscribe",
                 {"profile_id": connected["id"], **body}, connected["access_token"])


def _mails(mailbox: LatestCode, email: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The address's mail once it has `count` (store mail goes out through the outbox, a moment later)."""
    deadline = time.monotonic() + timeout
    while len(items := mailbox.items(email)) < count:
        assert time.monotonic() < deadline, f"{len(items)} mails for {email}, waited for {count}: {items}"
        time.sleep(0.1)
    return items


def test_25_subscribes_of_a_connected_address_mail_it_once(runner_url: str, mailbox: LatestCode) -> None:
    store_id, staff = _owner(runner_url, mailbox, "relay-shop")
    audience_id = _double_opt_in(runner_url, store_id, staff)
    for _ in range(25):
        reply = _subscribe(runner_url, store_id, audience_id, "victim@relay.example")
        assert reply.status_code == 200 and reply.json()["subscription"]["status"] == "pending", reply.text
    # Store mails leave in the order they were decided: once a later one arrived, every earlier one did.
    assert _subscribe(runner_url, store_id, audience_id, "sentinel@relay.example").status_code == 200
    _mails(mailbox, "sentinel@relay.example")
    assert len(mailbox.items("victim@relay.example")) == 1


def test_a_template_cannot_impersonate(runner_url: str, mailbox: LatestCode) -> None:
    store_id, staff = _owner(runner_url, mailbox, "impostor-shop")
    templates = f"{runner_url}/v1/stores/{store_id}/email-templates"
    for changes, field in [({"from_name": "Bank Security Team <security@bank.example>"}, "from_name"),
                           ({"from_name": "B" * 65}, "from_name"), ({"reply_to": "security@bank.example"}, "reply_to")]:
        refused = _post(templates, {**TEMPLATE, **changes}, staff)
        assert refused.status_code == 400, refused.text
        assert [e["field"] for e in refused.json()["validationErrors"]] == [field], refused.text
    # What a template may say is the platform's sender under a display name, answered at the store's address.
    audience_id = _double_opt_in(runner_url, store_id, staff)
    assert _subscribe(runner_url, store_id, audience_id, "reader@impostor.example").status_code == 200
    [mail] = _mails(mailbox, "reader@impostor.example")
    assert mail["from"].startswith("Letters <") and "letters@example.com" not in mail["from"]
    assert mail["reply_to"] == []  # from_email is not one of the store's emails, and it has no support address


def test_confirmation_mails_carry_one_click_unsubscribe(runner_url: str, mailbox: LatestCode) -> None:
    store_id, staff = _owner(runner_url, mailbox, "one-click-shop")
    audience_id = _double_opt_in(runner_url, store_id, staff)
    assert _subscribe(runner_url, store_id, audience_id, "reader@one-click.example").status_code == 200
    [mail] = _mails(mailbox, "reader@one-click.example")
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["headers"]["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert urlsplit(link).path == f"/v1/stores/{store_id}/audiences/unsubscribe" and link.startswith(runner_url)
    # What a mail client sends (RFC 8058): a POST of the form (multipart, as the RFC prefers), to the link as it is.
    left = requests.post(link, files={"List-Unsubscribe": (None, "One-Click")}, timeout=15)
    assert left.status_code == 200 and left.json() == {"unsubscribed": True}, left.text
    subscribers = _get(f"{runner_url}/v1/stores/{store_id}/audiences/{audience_id}/subscribers", staff).json()
    assert [s["status"] for s in subscribers["items"]] == ["cancelled"]


def test_the_plans_daily_quota_stops_store_mail_and_staff_see_it(runner_url: str, mailbox: LatestCode) -> None:
    plans = _get(f"{runner_url}/v1/stores/plans").json()["items"]
    tiny = next((p for p in plans if p["id"] == TINY_MAIL_PLAN), None)
    if tiny is None:
        pytest.skip("this runner was not started by the e2e session (no tiny mail plan)")
    store_id, staff = _owner(runner_url, mailbox, "quota-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    assert _put(admin, {"allowed_origins": ["http://localhost:*"]}, staff).status_code == 200
    _on_plan(runner_url, admin, store_id, staff, tiny)
    audience_id = _double_opt_in(runner_url, store_id, staff)
    for n in range(TINY_MAILS_PER_DAY + 1):
        reply = _subscribe(runner_url, store_id, audience_id, f"reader{n}@quota.example")
        assert reply.status_code == 200 and reply.json()["subscription"]["status"] == "pending", reply.text
    quota = _get(admin, staff).json()["mail_quota"]
    assert (quota["limit"], quota["sent"], quota["refused"]) == (TINY_MAILS_PER_DAY, TINY_MAILS_PER_DAY, 1)
    for n in range(TINY_MAILS_PER_DAY):
        _mails(mailbox, f"reader{n}@quota.example")
    # The refused one was never written to the outbox: nothing can send it later.
    assert mailbox.items(f"reader{TINY_MAILS_PER_DAY}@quota.example") == []


def _on_plan(base: str, admin: str, store_id: str, staff: str, plan: dict[str, Any]) -> None:
    """The store pays for `plan` through the operator's (fake) Stripe: a checkout, then its signed event."""
    started = _put(f"{admin}/subscribe", {"plan_id": plan["id"], "success_url": "http://localhost:5173/done",
                                          "cancel_url": "http://localhost:5173/plans"}, staff)
    assert started.status_code == 200, started.text
    parts = urlsplit(started.json()["checkout_url"])
    session = requests.get(f"{parts.scheme}://{parts.netloc}/v1/checkout/sessions/{parts.path.rsplit('/', 1)[1]}",
                           headers={"Authorization": f"Bearer {LOCAL_BILLING_KEYS['secret_key']}"}, timeout=5).json()
    event = {"id": f"evt_{store_id}", "object": "event", "type": "customer.subscription.created",
             "created": int(time.time()), "data": {"object": {
                 "id": f"sub_{store_id}", "object": "subscription", "status": "active",
                 "customer": session["customer"], "cancel_at_period_end": False,
                 "metadata": {"store_id": store_id, "plan_id": plan["id"]},
                 "items": {"data": [{"price": {"id": plan["provider_price_id"]},
                                     "current_period_end": int(time.time()) + 30 * 86_400}]}}}}
    payload = json.dumps(event)
    applied = requests.post(f"{base}/v1/billing/stripe/webhook", data=payload, timeout=15, headers={
        "Content-Type": "application/json",
        "Stripe-Signature": sign_stripe_payload(payload, LOCAL_BILLING_KEYS["webhook_secret"])})
    assert applied.status_code == 200 and applied.json()["outcome"] == "applied", applied.text


def test_an_email_change_relay_mails_an_address_a_few_times_only(runner_url: str, mailbox: LatestCode) -> None:
    """A customer moved back and forth to someone else's address: each move would mail them a verification."""
    store_id, _ = _owner(runner_url, mailbox, "mover-shop")
    registered = _post(f"{runner_url}{SDK}/auth/register", {"site_id": store_id, "email": "mover@mover.example",
                                                             "password": "a long unusual passphrase 7"})
    assert registered.status_code == 200, registered.text
    token = registered.json()["data"]["token"]
    for n in range(8):
        for email in ("victim@mover.example", f"elsewhere{n}@mover.example"):
            moved = _put(f"{runner_url}{SDK}/customer", {"site_id": store_id, "email": email,
                                                         "current_password": "a long unusual passphrase 7"}, token)
            assert moved.status_code == 200, moved.text
            token = moved.json()["data"]["token"]
    assert len(mailbox.items("victim@mover.example")) == 5


def test_links_go_only_where_the_store_said(runner_url: str, mailbox: LatestCode) -> None:
    store_id, staff = _owner(runner_url, mailbox, "origin-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    audience_id = _double_opt_in(runner_url, store_id, staff)

    # No origins listed: no link built from the caller's URL, the code (or the platform's own link) instead.
    grabbed = _post(f"{runner_url}{SDK}/auth/passwordless/request", {
        "site_id": store_id, "email": "victim@origin.example", "redirect_url": "http://evil.example/grab"})
    assert grabbed.status_code == 200, grabbed.text
    code = mailbox("victim@origin.example")
    body = mailbox.items("victim@origin.example")[-1]["body"]
    assert "evil.example" not in body and code in body
    assert _subscribe(runner_url, store_id, audience_id, "reader@origin.example",
                      confirm_url="http://evil.example/grab").status_code == 200
    [mail] = _mails(mailbox, "reader@origin.example")
    links = re.findall(r'href="([^"]+)"', html.unescape(mail["body"]))
    assert links and all(link.startswith(f"{runner_url}/v1/stores/{store_id}/audiences/") for link in links), links
    paid = _post(f"{admin}/audiences", {"key": "vip", "type": "paid", "prices": [
        {"currency": "USD", "amount": 500, "interval": {"period": "month", "count": 1}}]}, staff).json()
    refused = _subscribe(runner_url, store_id, paid["id"], "payer@origin.example",
                         price_id=paid["type"]["prices"][0]["id"], success_url="https://evil.example/paid")
    assert refused.status_code == 400 and refused.json()["validationErrors"][0]["field"] == "success_url"

    # Origins listed: an unlisted one is a 400 naming the field, a listed one makes the link.
    listed = _put(admin, {"allowed_origins": ["https://shop.origin.example"]}, staff)
    assert listed.status_code == 200 and listed.json()["allowed_origins"] == ["https://shop.origin.example"]
    evil = _post(f"{runner_url}{SDK}/auth/passwordless/request", {
        "site_id": store_id, "email": "victim@origin.example", "redirect_url": "http://evil.example/grab"})
    assert evil.status_code == 400 and evil.json() == {"errors": {"redirect_url": [
        "its origin is not one of the store's allowed_origins"]}}, evil.text
    evil = _subscribe(runner_url, store_id, audience_id, "other@origin.example",
                      confirm_url="https://evil.example/confirm")
    assert evil.status_code == 400 and evil.json()["validationErrors"][0]["field"] == "confirm_url", evil.text
    evil = _subscribe(runner_url, store_id, paid["id"], "payer@origin.example",
                      price_id=paid["type"]["prices"][0]["id"], success_url="https://evil.example/paid")
    assert evil.status_code == 400 and evil.json()["validationErrors"][0]["field"] == "success_url", evil.text
    evil = _put(f"{admin}/subscribe", {"plan_id": "plan_pro", "success_url": "https://evil.example/done",
                                       "cancel_url": "https://shop.origin.example/plans"}, staff)
    assert evil.status_code == 400 and evil.json()["validationErrors"][0]["field"] == "success_url", evil.text
    before = mailbox.count("victim@origin.example")
    good = _post(f"{runner_url}{SDK}/auth/passwordless/request", {
        "site_id": store_id, "email": "victim@origin.example", "redirect_url": "https://shop.origin.example/in"})
    assert good.status_code == 200, good.text
    code = mailbox("victim@origin.example", since=before)
    link = re.search(r"https://shop\.origin\.example/in\?\S+", mailbox.items("victim@origin.example")[-1]["body"])
    assert link and parse_qs(urlsplit(link.group(0)).query) == {"email": ["victim@origin.example"], "token": [code]}
