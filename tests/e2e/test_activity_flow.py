"""Issue 29's activity timeline over HTTP against the local runner, the way arky-sdk 0.9.1 calls it: the storefront
tracks (`activity.track`), a checkout's `order.created` becomes an activity through the outbox stream, and the
staff read the timeline (`crm.activity.timeline`) and find (`crm.activity.find`) with the client's query shapes."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import requests
from tests.e2e.conftest import LatestCode

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1 Mobile/15E148 Safari/604.1")


def _call(method: str, url: str, body: Any = None, token: str | None = None,
          headers: dict[str, str] | None = None) -> requests.Response:
    sent = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}),
            **(headers or {})}
    return requests.request(method, url, json=body, headers=sent, timeout=15)


def _staff_store(base: str, mailbox: LatestCode, key: str) -> tuple[str, str]:
    email = f"owner-{key}@example.com"
    before = mailbox.count(email)
    _call("POST", f"{base}/v1/auth/code", {"email": email})
    token = _call("POST", f"{base}/v1/auth/verify", {"email": email, "code": mailbox(email, since=before)}).json()
    created = _call("POST", f"{base}/v1/stores", {"key": key, "timezone": "UTC", "billing_email": email},
                    token=token["access_token"])
    assert created.status_code == 200, created.text
    return token["access_token"], str(created.json()["id"])


def test_storefront_tracks_and_staff_read_the_timeline(runner_url: str, mailbox: LatestCode) -> None:
    staff, store_id = _staff_store(runner_url, mailbox, "activity-shop")
    front = f"{runner_url}/v1/storefront/{store_id}"
    guest = _call("POST", f"{front}/profiles/identify", {"store_id": store_id, "market": "us", "verify": False})
    assert guest.status_code == 200, guest.text
    bearer, profile_id = guest.json()["token"]["token"], guest.json()["profile"]["id"]

    # The client's track: POST {type, payload}; it ignores the answer.
    tracked = _call("POST", f"{front}/activities/track", {"type": "product_view", "payload": {"product_id": "x"}},
                    token=bearer, headers={"User-Agent": IPHONE, "CloudFront-Viewer-Country": "FR",
                                           "Accept-Language": "fr-FR"})
    assert tracked.status_code == 200, tracked.text
    assert (tracked.json()["device_type"], tracked.json()["country_code"]) == ("mobile", "FR")
    assert _call("POST", f"{front}/activities/track", {"type": "search", "payload": {"q": "shoes"}},
                 token=bearer).status_code == 200

    # A staff-created profile's `profile.created` reaches its timeline through the outbox stream.
    ann = _call("POST", f"{runner_url}/v1/stores/{store_id}/profiles", {"email": "ann@example.com"}, token=staff)
    assert ann.status_code == 200, ann.text
    deadline = time.monotonic() + 15
    while True:
        found = _call("GET", f"{runner_url}/v1/stores/{store_id}/activities/timeline?profile_id={ann.json()['id']}",
                      token=staff).json()
        if found["items"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert [a["type"] for a in found["items"]] == ["profile_created"]

    # crm.activity.timeline: profile_id, limit, cursor; newest first.
    first = _call("GET", f"{runner_url}/v1/stores/{store_id}/activities/timeline?profile_id={profile_id}&limit=1",
                  token=staff)
    assert first.status_code == 200, first.text
    assert [a["type"] for a in first.json()["items"]] == ["search"] and first.json()["cursor"]
    rest = _call("GET", f"{runner_url}/v1/stores/{store_id}/activities/timeline?profile_id={profile_id}&limit=1"
                        f"&cursor={first.json()['cursor']}", token=staff).json()
    assert [a["type"] for a in rest["items"]] == ["product_view"]

    # crm.activity.find: types JSON-encoded then URL-encoded, as the client sends arrays.
    types = quote(json.dumps(["product_view"]))
    found = _call("GET", f"{runner_url}/v1/stores/{store_id}/activities?types={types}", token=staff)
    assert found.status_code == 200, found.text
    assert [a["profile_id"] for a in found.json()["items"]] == [profile_id]

    # A shopper's bearer reads no one's timeline; a forged pixel still gets its image.
    assert _call("GET", f"{runner_url}/v1/stores/{store_id}/activities?limit=5", token=bearer).status_code == 403
    pixel = requests.get(f"{runner_url}/v1/notifications/track/pixel/forged.token", timeout=15)
    assert pixel.status_code == 200 and pixel.headers["Content-Type"] == "image/gif"
    assert pixel.content.startswith(b"GIF89a")
