"""The local runner keeps working the way a developer leans on it: events after a failed
transaction, and a burst of parallel clients."""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Any

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_store_flow import _call, _login
from tests.e2e.test_webhook_flow import _wait_for
from tests.support import Receiver

PARALLEL_CLIENTS = 64
# Docker, systemd and most supervisors wait about this long after SIGTERM before they kill.
STOP_GRACE_SECONDS = 3


def test_events_are_delivered_after_a_cancelled_transaction(runner_url: str, mailbox: LatestCode) -> None:
    token = _login(runner_url, mailbox, "cancel-owner@example.com")["access_token"]
    store_body = {"key": "cancel-shop", "timezone": "UTC", "billing_email": "b@example.com"}
    store = _call(runner_url, "POST", "/v1/stores", token, store_body).json()
    receiver = Receiver()
    try:
        created = _call(runner_url, "POST", f"/v1/stores/{store['id']}/webhooks", token, {
            "key": "team", "url": receiver.url, "events": [{"event": "account.updated"}], "headers": {},
            "secret": "whsec_cancelled_tx", "enabled": True})
        assert created.status_code == 200, created.text
        # The store key is unique through a marker item: a second store with it cancels the transaction.
        duplicate = _call(runner_url, "POST", "/v1/stores", token, store_body)
        assert duplicate.status_code == 409, duplicate.text

        added = _call(runner_url, "POST", f"/v1/stores/{store['id']}/members", token,
                      {"email": "after-cancel@example.com"})
        assert added.status_code == 200, added.text
        _wait_for(lambda: any(r.json()["data"].get("email") == "after-cancel@example.com"
                              and r.json()["type"] == "account.updated" for r in receiver.received), timeout=60)
    finally:
        receiver.close()


def test_the_listen_backlog_takes_a_burst_of_clients() -> None:
    from localrunner.server import RunnerServer

    assert RunnerServer.request_queue_size >= PARALLEL_CLIENTS


def test_sixty_four_parallel_clients_are_all_answered(runner_url: str) -> None:
    start = threading.Barrier(PARALLEL_CLIENTS)
    outcomes: list[Any] = [None] * PARALLEL_CLIENTS

    def client(index: int) -> None:
        start.wait()
        try:  # a new connection each, as separate browsers or scripts would open
            outcomes[index] = requests.get(f"{runner_url}/v1/stores/plans", timeout=30).status_code
        except requests.RequestException as error:
            outcomes[index] = repr(error)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(PARALLEL_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [200] * PARALLEL_CLIENTS, [o for o in outcomes if o != 200]


def test_methods_the_api_does_not_have_get_a_json_error(runner_url: str) -> None:
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(runner_url)
    for method in ("TRACE", "QUERY", "PROPFIND", "CONNECT"):
        connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
        try:
            connection.request(method, "/v1/stores")
            reply = connection.getresponse()
            body = json.loads(reply.read())
        finally:
            connection.close()
        assert 400 <= reply.status < 500 and reply.getheader("Content-Type") == "application/json", method
        # API Gateway's own errors carry the functions' security headers too (GatewayResponses).
        assert reply.getheader("X-Content-Type-Options") == "nosniff" and reply.getheader("Cache-Control") == "no-store"
        assert set(body) == {"message", "error", "statusCode", "validationErrors"}, body


def test_sigterm_stops_the_runner_promptly() -> None:
    """What a process supervisor (or Ctrl-C in a container) sends; it waits a few seconds, then kills."""
    from tests.e2e.conftest import RunnerProcess

    runner = RunnerProcess()
    try:
        runner.wait_healthy()
        requests.get(f"{runner.url}/v1/stores/plans", timeout=10)  # a function loaded, consumers polling
        started = time.monotonic()
        runner.process.send_signal(signal.SIGTERM)
        code = runner.process.wait(STOP_GRACE_SECONDS)
        print(f"stopped {time.monotonic() - started:.2f} s after SIGTERM")
        assert code == 0, runner.output()
    finally:
        runner.stop()
        runner.log_path.unlink(missing_ok=True)
