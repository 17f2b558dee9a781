"""Issue 4's "done when": a webhook for account.updated, a team change over HTTP, a signed POST arrives.

The receivers run in this process on 127.0.0.1; the runner allows loopback webhooks and retries
after 1, 2, 4... seconds, so the failing receiver below is paid for in a few seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from tests.e2e.conftest import LatestCode
from tests.e2e.test_store_flow import _call, _login
from tests.support import Receiver

SECRET = "whsec_e2e_signing_secret"


def _wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the webhook"
        time.sleep(0.1)


def test_team_change_reaches_a_loopback_receiver_signed(runner_url: str, mailbox: LatestCode) -> None:
    token = _login(runner_url, mailbox, "hooks-owner@example.com")["access_token"]
    store = _call(runner_url, "POST", "/v1/stores", token, {"key": "hook-shop", "timezone": "UTC",
                                                            "billing_email": "b@example.com"}).json()
    receiver, flaky = Receiver(), Receiver(failures=2, status=502)
    try:
        for key, target in (("team", receiver), ("flaky", flaky)):
            created = _call(runner_url, "POST", f"/v1/stores/{store['id']}/webhooks", token, {
                "key": key, "url": target.url, "events": [{"event": "account.updated"}], "headers": {},
                "secret": SECRET, "enabled": True})
            assert created.status_code == 200, created.text
        started = time.monotonic()
        added = _call(runner_url, "POST", f"/v1/stores/{store['id']}/members", token, {"email": "new@example.com"})
        assert added.status_code == 200, added.text

        def about_new_member(requests: list[Any]) -> list[Any]:
            return [r for r in requests if r.json()["data"].get("email") == "new@example.com"]

        _wait_for(lambda: about_new_member(receiver.received))
        print(f"first delivery after {time.monotonic() - started:.2f} s")
        [request] = about_new_member(receiver.received)
        body = request.json()
        assert body["type"] == "account.updated" and body["store_id"] == store["id"]
        signed = f"{request.headers['x-storecrm-timestamp']}.".encode() + request.body
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        assert request.headers["x-storecrm-signature"] == f"v1={expected}"

        _wait_for(lambda: about_new_member(flaky.delivered))  # 502, 502, then 200 after 1 + 2 s of back-off
        tries = [code for r, code in zip(flaky.received, flaky.answered, strict=True) if r.json()["id"] == body["id"]]
        assert tries == [502, 502, 200]
        hook_id = created.json()["id"]
        log = _call(runner_url, "GET", f"/v1/stores/{store['id']}/webhooks/{hook_id}/deliveries", token).json()
        [logged] = [d for d in log["items"] if d["id"] == body["id"]]
        assert logged["status"] == "delivered" and logged["attempts"] == 3
    finally:
        receiver.close()
        flaky.close()
