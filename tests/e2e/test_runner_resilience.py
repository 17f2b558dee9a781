"""The local runner keeps working the way a developer leans on it: events after a failed
transaction, and a burst of parallel clients."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_store_flow import _call, _login
from tests.support import Receiver

PARALLEL_CLIENTS = 64


def _wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


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
                              and r.json()["type"] == "account.updated" for r in receiver.received))
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
