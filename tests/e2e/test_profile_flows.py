"""The seed's "Profile Login (Magic Code)" and the initialize -> connect part of "E-commerce Checkout",
over HTTP against the local runner, with codes read from /_dev/mailbox."""

from __future__ import annotations

from typing import Any

import requests
from tests.e2e.conftest import LatestCode


def _post(url: str, body: Any = None, token: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    return requests.post(url, json=body, headers=headers, timeout=15)


def _get(url: str, token: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    return requests.get(url, headers=headers, timeout=15)


def _store(base: str, mailbox: LatestCode, key: str) -> str:
    email = f"owner-{key}@example.com"
    before = mailbox.count(email)
    _post(f"{base}/v1/auth/code", {"email": email})
    token = _post(f"{base}/v1/auth/verify", {"email": email, "code": mailbox(email, since=before)}).json()
    created = _post(f"{base}/v1/stores", {"key": key, "timezone": "UTC", "billing_email": email},
                    token["access_token"])
    assert created.status_code == 200, created.text
    return str(created.json()["id"])


def test_profile_login_with_magic_code(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "magic-shop")
    base = f"{runner_url}/v1/stores/{store_id}/profiles"
    before = mailbox.count("reader@example.com")
    assert _post(f"{base}/auth/code", {"email": "reader@example.com"}).json() == {"sent": True}
    code = mailbox("reader@example.com", since=before)
    token = _post(f"{base}/auth/verify", {"email": "reader@example.com", "code": code}).json()
    assert token["is_verified"] is True and token["refresh_token"] and token["access_token"]
    me = _get(f"{base}/me", token["access_token"])
    assert me.status_code == 200 and me.json()["email"] == "reader@example.com" and me.json()["verified"] is True
    refreshed = _post(f"{base}/auth/refresh", {"refresh_token": token["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.json()["profile"]["id"] == token["id"]


def test_checkout_initialize_then_connect(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "checkout-shop")
    base = f"{runner_url}/v1/stores/{store_id}/profiles"
    guest = _post(f"{base}/initialize").json()
    connected = _post(f"{base}/connect", {"email": "shopper@example.com"}, guest["access_token"])
    assert connected.status_code == 200, connected.text
    profile_id = connected.json()["id"]
    assert profile_id != guest["id"]  # the email's own profile, as for an email a customer has
    me = _get(f"{base}/me", connected.json()["access_token"]).json()
    assert me["id"] == profile_id and me["email"] == "shopper@example.com" and me["verified"] is False
