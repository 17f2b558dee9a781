"""e2e fixtures: the local runner as a real subprocess, and its mailbox.

Set STORECRM_E2E_URL=http://127.0.0.1:3000 to run the suite against a runner you started yourself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.e2e.log_scan import leaks

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
CODE_PATTERN = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# A plan only the e2e session's runner sells (through the fake Stripe, like the template's paid plans): its daily
# mail quota is small enough for a test to use up (tests/e2e/test_mail_abuse_flows.py).
TINY_MAIL_PLAN = "plan_e2e_tiny_mail"
TINY_MAILS_PER_DAY = 2


def _plans_with_a_tiny_mail_quota() -> str:
    from localrunner.template import load_template

    plans = json.loads(load_template()["Parameters"]["BillingPlans"]["Default"])
    plans.append({"id": TINY_MAIL_PLAN, "name": "Tiny mail", "tier": 9, "amount": 100, "currency": "USD",
                  "interval": "month", "interval_count": 1, "limits": {"mails_per_day": TINY_MAILS_PER_DAY}})
    for plan in plans:  # as localrunner.runner.local_billing sells them
        if plan.get("amount"):
            plan["provider_price_id"] = f"price_local_{plan['id']}"
    return json.dumps(plans, separators=(",", ":"))


def _tail(path: Path, limit: int = 8000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return text[-limit:]


class RunnerProcess:
    """`python -m localrunner` with its output in a file (a pipe could fill up and block it), and its data in a
    folder of its own (a scratch one, removed by stop(), unless `data_dir` names one to keep)."""

    def __init__(self, *flags: str, data_dir: Path | None = None) -> None:
        self.scratch = data_dir is None
        self.data_dir = Path(tempfile.mkdtemp(prefix="localrunner-e2e-data-")) if data_dir is None else data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        handle, name = tempfile.mkstemp(prefix="localrunner-e2e-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_ENDPOINT_URL")}
        env["PYTHONUNBUFFERED"] = "1"
        # Every flow's staff log in from 127.0.0.1: more code requests in ten minutes than one address may make.
        env["CODE_REQUESTS_PER_IP"] = "1000"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "localrunner", "--port", str(self.port), "--data-dir", str(self.data_dir),
                 "--param", f"BillingPlans={_plans_with_a_tiny_mail_quota()}", *flags],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return _tail(self.log_path)

    def whole_output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"local runner exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/_dev/health", timeout=2).json() == {"ok": True}:
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"local runner not healthy after {START_TIMEOUT_SECONDS:.0f} s:\n{self.output()}")

    def stop(self, how: signal.Signals = signal.SIGINT) -> int:
        """SIGINT (what Ctrl-C sends) or `how`, then kill if it does not stop in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.scratch:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return int(self.process.returncode)


@pytest.fixture(scope="session")
def runner_process() -> Iterator[RunnerProcess | None]:
    if os.environ.get("STORECRM_E2E_URL"):
        yield None
        return
    runner = RunnerProcess()
    try:
        runner.wait_healthy()
        yield runner
    finally:
        code = runner.stop()
        output = runner.output()
        # Every flow of the session has run through this runner: none may have logged personal data.
        leaked = leaks(runner.whole_output())
        runner.log_path.unlink(missing_ok=True)
    if code != 0:
        pytest.fail(f"local runner did not stop cleanly (exit code {code}):\n{output}")
    if leaked:
        pytest.fail("the local runner's output shows what must never be logged:\n" + "\n".join(leaked[:20]))


@pytest.fixture(scope="session")
def runner_url(runner_process: RunnerProcess | None) -> str:
    """Base URL of a running local runner, e.g. http://127.0.0.1:54321."""
    if runner_process is None:
        return os.environ["STORECRM_E2E_URL"].rstrip("/")
    return runner_process.url


class LatestCode:
    """latest_code(email) -> the 6-digit code in the newest mail to that address (polls, bounded)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def items(self, email: str) -> list[dict[str, Any]]:
        reply = requests.get(f"{self.base_url}/_dev/mailbox", params={"to": email}, timeout=5)
        reply.raise_for_status()
        items: list[dict[str, Any]] = reply.json()["items"]
        return items

    def count(self, email: str) -> int:
        """How many mails the address has; pass it as `since` to wait for a newer one."""
        return len(self.items(email))

    def __call__(self, email: str, *, since: int = 0, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        items: list[dict[str, Any]] = []
        while True:
            items = self.items(email)
            if len(items) > since:
                newest = items[-1]
                found = CODE_PATTERN.search(f"{newest['subject']}\n{newest['body']}")
                if found:
                    return found.group(1)
            if time.monotonic() >= deadline:
                pytest.fail(f"no mail with a 6-digit code for {email} within {timeout:.0f} s; mailbox: {items}")
            time.sleep(0.1)


@pytest.fixture
def mailbox(runner_url: str) -> LatestCode:
    return LatestCode(runner_url)
