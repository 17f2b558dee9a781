"""The foundation's "done when": a script does the whole store flow over HTTP against `make run`."""

from __future__ import annotations

from typing import Any

import requests
from tests.e2e.conftest import LatestCode


def _call(base: str, method: str, path: str, token: str | None = None, body: Any = None,
          params: dict[str, Any] | None = None) -> requests.Response:
    # The arky client sends Content-Type: application/json on every request, even GET and DELETE.
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, base + path, headers=headers, json=body, params=params, timeout=15)


def _login(base: str, mailbox: LatestCode, email: str) -> dict[str, Any]:
    before = mailbox.count(email)
    assert _call(base, "POST", "/v1/auth/code", body={"email": email}).json() == {"sent": True}
    code = mailbox(email, since=before)
    reply = _call(base, "POST", "/v1/auth/verify", body={"email": email, "code": code})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_code_login_store_markets_team_and_delete(runner_url: str, mailbox: LatestCode) -> None:
    token = _login(runner_url, mailbox, "founder@example.com")["access_token"]

    created = _call(runner_url, "POST", "/v1/stores", token, {
        "key": "e2e-shop", "timezone": "America/New_York", "billing_email": "billing@example.com",
        "languages": [{"id": "en"}], "emails": {"billing": "billing@example.com", "support": "help@example.com"}})
    assert created.status_code == 200, created.text
    assert created.headers["x-request-id"]
    store = created.json()

    markets = _call(runner_url, "GET", f"/v1/stores/{store['id']}/markets", token).json()
    assert sorted(m["key"] for m in markets) == ["eu", "us"]

    added = _call(runner_url, "POST", f"/v1/stores/{store['id']}/members", token, {"email": "helper@example.com"})
    assert added.status_code == 200 and added.json() is True
    helper = _login(runner_url, mailbox, "helper@example.com")
    assert _call(runner_url, "GET", f"/v1/stores/{store['id']}", helper["access_token"]).status_code == 200
    helper_id = helper_account_id(helper["access_token"])
    removed = _call(runner_url, "DELETE", f"/v1/stores/{store['id']}/members/{helper_id}", token)
    assert removed.json() == {"removed": True}
    assert _call(runner_url, "GET", f"/v1/stores/{store['id']}", helper["access_token"]).status_code == 404

    listed = _call(runner_url, "GET", "/v1/stores", token, params={"limit": 10}).json()
    assert [s["key"] for s in listed["items"]] == ["e2e-shop"]

    deleted = _call(runner_url, "DELETE", f"/v1/stores/{store['id']}", token)
    assert deleted.json() == {"deleted": True}
    assert _call(runner_url, "GET", f"/v1/stores/{store['id']}", token).status_code == 404
    assert _call(runner_url, "GET", "/v1/stores", token).json()["items"] == []


def test_refresh_and_errors_over_http(runner_url: str, mailbox: LatestCode) -> None:
    tokens = _login(runner_url, mailbox, "refresher@example.com")
    fresh = _call(runner_url, "POST", "/v1/auth/refresh", body={"refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200 and fresh.json()["refresh_token"] != tokens["refresh_token"]
    bad = requests.post(runner_url + "/v1/stores", data="{oops", timeout=10,
                        headers={"Content-Type": "application/json",
                                 "Authorization": f"Bearer {fresh.json()['access_token']}"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"message", "error", "statusCode", "validationErrors"}
    assert bad.headers["x-request-id"]
    assert _call(runner_url, "GET", "/v1/stores").status_code == 401


def test_swagger_and_openapi_are_served(runner_url: str) -> None:
    # The first call merges all 29 functions' routes into the document: seconds of CPU, more on a loaded machine.
    page = requests.get(runner_url + "/swagger", timeout=60)
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text and "unpkg.com" not in page.text
    document = requests.get(runner_url + "/openapi.json", timeout=60).json()
    assert "/v1/stores/{storeId}/members" in document["paths"]


def helper_account_id(access_token: str) -> str:
    import jwt

    return str(jwt.decode(access_token, options={"verify_signature": False})["sub"])
