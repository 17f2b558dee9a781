"""Issue 15 over HTTP against the local runner: an owner's API client gets a token (HTTP Basic, a form body),
works with a store location's clienteling consent and reads a profile through the arky admin route; once
revoked, the client gets no new token."""

from __future__ import annotations

from typing import Any

import requests
from tests.e2e.conftest import LatestCode


def _call(method: str, url: str, body: Any = None, token: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    return requests.request(method, url, json=body, headers=headers, timeout=15)


def _token(base: str, client: dict[str, Any]) -> requests.Response:
    return requests.post(f"{base}/v0/token", data={"grant_type": "client_credentials"},
                         auth=(client["client_id"], client["client_secret"]), timeout=15)


def test_api_client_token_clienteling_and_revocation(runner_url: str, mailbox: LatestCode) -> None:
    email = "owner-newstore-clients@example.com"
    before = mailbox.count(email)
    _call("POST", f"{runner_url}/v1/auth/code", {"email": email})
    staff = _call("POST", f"{runner_url}/v1/auth/verify",
                  {"email": email, "code": mailbox(email, since=before)}).json()["access_token"]
    store = _call("POST", f"{runner_url}/v1/stores", {"key": "newstore-clients", "timezone": "UTC",
                                                      "billing_email": email}, staff).json()
    admin = f"{runner_url}/v1/stores/{store['id']}"

    client = _call("POST", f"{admin}/api-clients", {"name": "POS", "scopes": ["profiles:read", "profiles:write"]},
                   staff)
    assert client.status_code == 200, client.text
    issued = _token(runner_url, client.json())
    assert issued.status_code == 200, issued.text
    assert issued.json()["token_type"] == "bearer" and issued.json()["expires_in"] == 900
    token = issued.json()["access_token"]

    location = _call("POST", f"{admin}/locations", {"key": "NYC_1_5thave", "address": {"city": "New York"}}, staff)
    assert location.status_code == 200, location.text
    location_id = location.json()["id"]
    profile = _call("POST", f"{admin}/profiles", {"email": "ada@example.com"}, staff)
    assert profile.status_code == 200, profile.text
    profile_id = profile.json()["id"]

    consent = f"{runner_url}/v0/clienteling/stores/{location_id}/consumers"
    opted_in = _call("PUT", f"{consent}/{profile_id}", {"state": "accepted"}, token)
    assert opted_in.status_code == 200 and opted_in.json()["state"] == "accepted", opted_in.text
    listed = _call("GET", consent, token=token).json()
    assert [(c["id"], c["state"], c["store_name"]) for c in listed["consumers"]] == [
        (profile_id, "accepted", "NYC_1_5thave")]
    assert (listed["count"], listed["total"], listed["offset"]) == (1, 1, 0)

    read = _call("GET", f"{admin}/profiles/{profile_id}", token=token)
    assert read.status_code == 200 and read.json()["profile"]["email"] == "ada@example.com", read.text

    revoked = _call("DELETE", f"{admin}/api-clients/{client.json()['id']}", token=staff)
    assert revoked.status_code == 200 and revoked.json() == {"revoked": True}
    refused = _token(runner_url, client.json())
    assert refused.status_code == 401 and refused.json()["error_code"] == "OAUTH.INVALID_CLIENT", refused.text
