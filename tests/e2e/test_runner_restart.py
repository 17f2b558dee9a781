"""`make run` keeps its data: stores, profiles, logins and tokens outlive a SIGTERM and a restart, and what was
answered just before a SIGKILL is there too (the data folder's journal is written before each answer)."""

from __future__ import annotations

import base64
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from tests.e2e.conftest import LatestCode, RunnerProcess


@pytest.fixture
def logs() -> Iterator[list[Path]]:
    found: list[Path] = []
    yield found
    for path in found:
        path.unlink(missing_ok=True)


def _started(data: Path, logs: list[Path]) -> RunnerProcess:
    runner = RunnerProcess(data_dir=data)
    logs.append(runner.log_path)
    runner.wait_healthy()
    return runner


def _call(method: str, url: str, token: str | None = None, **kwargs: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_data_and_tokens_survive_a_sigterm_and_a_sigkill(tmp_path: Path, logs: list[Path]) -> None:
    data = tmp_path / "data"
    runner = _started(data, logs)
    try:
        base = runner.url
        mailbox = LatestCode(base)
        _call("POST", f"{base}/v1/auth/code", json={"email": "keeper@example.com"})
        tokens = _call("POST", f"{base}/v1/auth/verify", json={
            "email": "keeper@example.com", "code": mailbox("keeper@example.com")}).json()
        staff = tokens["access_token"]
        store = _call("POST", f"{base}/v1/stores", staff, json={
            "key": "kept-shop", "timezone": "UTC", "billing_email": "b@example.com"}).json()
        admin = f"{base}/v1/stores/{store['id']}"
        profile = _call("POST", f"{admin}/profiles", staff, json={"email": "kept@example.com"}).json()
        client = _call("POST", f"{admin}/api-clients", staff, json={"name": "Back office",
                                                                    "scopes": ["profiles:read"]}).json()
        basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
        back_office = requests.post(f"{base}/v0/token", data={"grant_type": "client_credentials"}, timeout=30,
                                    headers={"Authorization": f"Basic {basic}"}).json()["access_token"]
    finally:
        assert runner.stop(signal.SIGTERM) == 0, runner.output()

    runner = _started(data, logs)
    try:
        base = runner.url
        admin = f"{base}/v1/stores/{store['id']}"
        assert "(data from the last run)" in runner.output()
        # Tokens issued before the restart still work: the signing keys are kept with the rest.
        assert _call("GET", admin, staff).json()["key"] == "kept-shop"
        assert _call("GET", f"{admin}/profiles/{profile['id']}", staff).json()["profile"]["email"] == "kept@example.com"
        assert _call("GET", f"{base}/v0/consumer_profiles/{profile['id']}", back_office).status_code == 200
        refreshed = _call("POST", f"{base}/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        assert LatestCode(base).count("keeper@example.com") == 1  # the mailbox too
        late = _call("POST", f"{admin}/profiles", staff, json={"email": "late@example.com"})
        assert late.status_code == 200
    finally:
        runner.stop(signal.SIGKILL)

    runner = _started(data, logs)
    try:
        reply = _call("GET", f"{runner.url}/v1/stores/{store['id']}/profiles/{late.json()['id']}", staff)
        assert reply.status_code == 200 and reply.json()["profile"]["email"] == "late@example.com"
    finally:
        runner.stop()

