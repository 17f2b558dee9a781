"""arky-sdk 0.9.1 (fe001ba) calls over HTTP against the local runner, with the paths and bodies the client
sends: the store-scoped staff login (codes from /_dev/mailbox), the storefront's audience and market reads,
and a shopper's subscriptions on getMe."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _get, _post, _store


def _owner_token(base: str, mailbox: LatestCode, key: str) -> str:
    email = f"owner-{key}@example.com"
    before = mailbox.count(email)
    _post(f"{base}/v1/auth/code", {"email": email})
    reply = _post(f"{base}/v1/auth/verify", {"email": email, "code": mailbox(email, since=before)})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def test_store_scoped_staff_login(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "clerk-shop")
    owner = _owner_token(runner_url, mailbox, "clerk-shop")
    # store.addMember({email, role}) - no mail is sent, the account just exists
    assert _post(f"{runner_url}/v1/stores/{store_id}/members", {"email": "clerk@example.com", "role": "admin"},
                 owner).json() is True

    before = mailbox.count("clerk@example.com")
    # auth.storeCode(storeId, {email})
    sent = _post(f"{runner_url}/v1/stores/{store_id}/auth/code", {"email": "clerk@example.com"})
    assert sent.status_code == 200 and sent.json() == {"sent": True}
    code = mailbox("clerk@example.com", since=before)
    # auth.storeVerify(storeId, {email, code})
    token = _post(f"{runner_url}/v1/stores/{store_id}/auth/verify", {"email": "clerk@example.com", "code": code})
    assert token.status_code == 200, token.text
    assert token.json()["is_verified"] is True and token.json()["refresh_token"]
    store = _get(f"{runner_url}/v1/stores/{store_id}", token.json()["access_token"])
    assert store.status_code == 200 and store.json()["id"] == store_id
    # The client refreshes at its refreshPath, /v1/auth/refresh by default.
    refreshed = _post(f"{runner_url}/v1/auth/refresh", {"refresh_token": token.json()["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text

    # Someone who is not a member gets the same answer and no mail.
    outsider_mails = mailbox.count("outsider@example.com")
    other = _post(f"{runner_url}/v1/stores/{store_id}/auth/code", {"email": "outsider@example.com"})
    assert other.status_code == 200 and other.json() == {"sent": True}
    assert mailbox.count("outsider@example.com") == outsider_mails
    refused = _post(f"{runner_url}/v1/stores/{store_id}/auth/verify", {"email": "outsider@example.com",
                                                                       "code": "123456"})
    assert refused.status_code == 401 and refused.json()["error"] == "GENERAL.INVALID_CODE"


def test_storefront_reads_and_a_shoppers_subscriptions(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "reading-shop")
    owner = _owner_token(runner_url, mailbox, "reading-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    for body in ({"key": "newsletter"}, {"key": "offers"}, {"key": "secret-drafts"}):
        assert _post(f"{admin}/audiences", body, owner).status_code == 200
    drafts = _get(f"{admin}/audiences/{store_id}:secret-drafts", owner).json()
    # crm.audiences.update({id, status})
    drafted = requests.put(f"{admin}/audiences/{drafts['id']}", json={"id": drafts["id"], "status": "draft"},
                           headers={"Authorization": f"Bearer {owner}"}, timeout=15)
    assert drafted.status_code == 200, drafted.text
    front = f"{runner_url}/v1/storefront/{store_id}"

    # storefront.crm.audience.find({limit: 1}), then find({limit: 1, cursor}) until the cursor is null
    keys: list[str] = []
    query: dict[str, Any] = {"limit": 1}
    for _ in range(10):
        page = _get(f"{front}/audiences?{urlencode(query)}")
        assert page.status_code == 200, page.text
        keys += [a["key"] for a in page.json()["items"]]
        if page.json()["cursor"] is None:
            break
        query["cursor"] = page.json()["cursor"]
    assert keys == ["newsletter", "offers"]
    # storefront.crm.audience.get({key}) -> `${storeId}:${key}`, and get({id})
    newsletter = _get(f"{front}/audiences/{store_id}:newsletter")
    assert newsletter.status_code == 200 and set(newsletter.json()) == {"id", "store_id", "key", "status", "type"}
    assert _get(f"{front}/audiences/{newsletter.json()['id']}").json() == newsletter.json()
    assert _get(f"{front}/audiences/{drafts['id']}").status_code == 404

    # storefront.store.market.list() then market.get(id)
    markets = _get(f"{front}/markets").json()
    us = next(m for m in markets if m["key"] == "us")
    assert _get(f"{front}/markets/{us['id']}").json() == us

    # crm.profile.identify({email, verify: true}) -> verify({code}) -> audience.subscribe -> getMe()
    before = mailbox.count("reader@example.com")
    identified = _post(f"{front}/profiles/identify", {"store_id": store_id, "market": "us",
                                                      "email": "reader@example.com", "verify": True})
    assert identified.status_code == 200 and identified.json()["code_sent"] is True, identified.text
    verified = _post(f"{front}/profiles/verify", {"store_id": store_id,
                                                  "code": mailbox("reader@example.com", since=before)},
                     identified.json()["token"]["token"])
    assert verified.status_code == 200, verified.text
    bearer, profile_id = verified.json()["token"], identified.json()["profile"]["id"]
    subscribed = _post(f"{front}/audiences/{newsletter.json()['id']}/subscribe", {
        "profile_id": profile_id, "price_id": None, "success_url": None, "cancel_url": None, "confirm_url": None},
        bearer)
    assert subscribed.status_code == 200, subscribed.text
    me = _get(f"{front}/profiles/me", bearer).json()
    assert me["audience_subscriptions"] == [subscribed.json()["subscription"]]
    assert me["audience_subscriptions"][0]["audience_id"] == newsletter.json()["id"]

    # store.getSubscriptionPlans({}) -> PaginatedResponse<SubscriptionPlan>
    plans = _get(f"{runner_url}/v1/stores/plans").json()
    assert plans["cursor"] is None and plans["items"][0]["id"] == "plan_free"


def test_catalog_as_the_client_calls_it(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "catalog-shop")
    owner = _owner_token(runner_url, mailbox, "catalog-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    # eshop.createProduct({key, slug, taxonomies, variants})
    created = _post(f"{admin}/products", {
        "key": "mug", "slug": {"en": "coffee-mug"},
        "taxonomies": [{"taxonomy_id": "catalog", "fields": [{"key": "kind", "type": "text", "value": "kitchen"}]}],
        "variants": [{"sku": "MUG-1", "prices": [{"currency": "USD", "market": "us", "amount": 1200}],
                      "inventory": [{"location_id": "main", "available": 4}], "attributes": []}]}, owner)
    assert created.status_code == 200, created.text
    mug = created.json()
    # eshop.updateProduct({id, status}) puts it on sale
    put = requests.put(f"{admin}/products/{mug['id']}", json={"id": mug["id"], "status": "active"},
                       headers={"Authorization": f"Bearer {owner}", "Content-Type": "application/json"}, timeout=15)
    assert put.status_code == 200, put.text
    front = f"{runner_url}/v1/storefront/{store_id}"
    # storefront.eshop.product.find({taxonomy_query, limit}): arrays are JSON, then URL-encoded
    taxonomy_query = '[{"taxonomy_id":"catalog","query":[{"key":"kind","type":"text","value":"kitchen"}]}]'
    found = _get(f"{front}/products?{urlencode({'taxonomy_query': taxonomy_query, 'limit': 10})}")
    assert found.status_code == 200, found.text
    assert [p["id"] for p in found.json()["items"]] == [mug["id"]] and found.json()["cursor"] is None
    # storefront.eshop.product.get({slug}) -> `${storeId}:${locale}:${slug}`
    shown = _get(f"{front}/products/{store_id}:en:coffee-mug")
    assert shown.status_code == 200 and shown.json()["variants"][0]["prices"][0]["amount"] == 1200
    assert _get(f"{front}/products/{store_id}:en:no-such-mug").status_code == 404
