"""The local runner under a storefront team's load: 64 clients of mixed profile reads and writes (arky and
NewStore dialects on the same profiles) and storefront reads for 30 s, then 10,000 more requests, with the
runner's resident memory before and after. Latencies are the clients' (request sent to answer read).

python -m bench --only runner [--clients N] [--seconds S] [--more N]
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import table

REPO_ROOT = Path(__file__).resolve().parents[1]
CLIENT_TIMEOUT_SECONDS = 30.0
START_TIMEOUT_SECONDS = 90.0
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mib(pid: int) -> float:
    """The process's resident set (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def local_runner(*flags: str) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`python -m localrunner` on a free port with a data folder of its own; yields (process, url, log)."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-runner-") as scratch:
        log_path = Path(scratch) / "runner.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        env.update({"PYTHONUNBUFFERED": "1", "CODE_REQUESTS_PER_IP": "1000"})
        command = [sys.executable, "-m", "localrunner", "--port", str(port), *flags]
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the local runner did not start:\n{log_path.read_text()[-4000:]}")
                time.sleep(0.2)
            yield process, url, log_path
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)


def _healthy(url: str) -> bool:
    try:
        return Client(url, timeout=2).request("GET", "/_dev/health")[0] == 200
    except OSError:
        return False


class Client:
    """One keep-alive connection, as a browser tab or a script holds one."""

    def __init__(self, base_url: str, timeout: float = CLIENT_TIMEOUT_SECONDS) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                form: dict[str, str] | None = None, basic: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        payload: bytes | None = None
        if body is not None:
            payload = json.dumps(body).encode()
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            payload = urlencode(form).encode()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if basic:
            headers["Authorization"] = f"Basic {basic}"
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            reply = self.connection.getresponse()
            data = reply.read()
        except BaseException:
            self.close()
            raise
        try:
            document = json.loads(data) if data else None
        except ValueError:
            document = data.decode("utf-8", "replace")
        return reply.status, document

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _ok(reply: tuple[int, Any]) -> Any:
    status, document = reply
    if status != 200:
        raise RuntimeError(f"set-up call answered {status}: {document}")
    return document


@dataclass
class Shop:
    """What the clients work on: a store, its owner, a back office's token and one profile per client."""

    store_id: str = ""
    owner: str = ""
    back_office: str = ""
    profiles: list[str] = field(default_factory=list)
    product_id: str = ""


def login(base_url: str, email: str) -> str:
    client = Client(base_url)
    _ok(client.request("POST", "/v1/auth/code", {"email": email}))
    deadline = time.monotonic() + 15
    while True:
        mails = _ok(client.request("GET", f"/_dev/mailbox?{urlencode({'to': email})}"))["items"]
        found = CODE.search(f"{mails[-1]['subject']}\n{mails[-1]['body']}") if mails else None
        if found:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"no login code for {email}")
        time.sleep(0.1)
    return str(_ok(client.request("POST", "/v1/auth/verify", {"email": email, "code": found.group(1)}))["access_token"])


def set_up(base_url: str, profiles: int) -> Shop:
    import base64

    shop = Shop()
    client = Client(base_url)
    shop.owner = login(base_url, "owner@bench.example.com")
    shop.store_id = _ok(client.request("POST", "/v1/stores", {
        "key": "bench-shop", "timezone": "UTC", "billing_email": "billing@bench.example.com"}, shop.owner))["id"]
    admin = f"/v1/stores/{shop.store_id}"
    api_client = _ok(client.request("POST", f"{admin}/api-clients", {
        "name": "Back office", "scopes": ["profiles:read", "profiles:write"]}, shop.owner))
    basic = base64.b64encode(f"{api_client['client_id']}:{api_client['client_secret']}".encode()).decode()
    shop.back_office = _ok(client.request("POST", "/v0/token", form={"grant_type": "client_credentials"},
                                          basic=basic))["access_token"]
    for index in range(profiles):
        shop.profiles.append(_ok(client.request("POST", f"{admin}/profiles", {
            "email": f"shopper{index}@bench.example.com"}, shop.owner))["id"])
    product = _ok(client.request("POST", f"{admin}/products", {
        "key": "mug", "slug": {"en": "coffee-mug"},
        "variants": [{"sku": "MUG-1", "prices": [{"currency": "USD", "market": "us", "amount": 1200}],
                      "inventory": [{"location_id": "main", "available": 4}], "attributes": []}]}, shop.owner))
    _ok(client.request("PUT", f"{admin}/products/{product['id']}", {"id": product["id"], "status": "active"},
                       shop.owner))
    shop.product_id = product["id"]
    return shop


@dataclass
class Tally:
    millis: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)
    # Profile updates answered 200, by profile: each wrote one revision.
    updates: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, elapsed_ms: float, status: int, updated: str | None = None) -> None:
        with self.lock:
            self.millis.append(elapsed_ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if updated is not None and status == 200:
                self.updates[updated] += 1

    @property
    def count(self) -> int:
        return len(self.millis)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


Request = tuple[str, str, Any, str]  # method, path, JSON body, bearer token ("" for none)
Maker = Callable[[random.Random], Request]


def operations(shop: Shop, index: int, revisions: dict[str, int]) -> list[tuple[int, Maker]]:
    """(weight, request maker) for client `index`: its own profile, and now and then a neighbour's. `revisions`
    holds the last revision the client saw of each profile (a /v0 update must name it)."""
    admin = f"/v1/stores/{shop.store_id}"
    front = f"/v1/storefront/{shop.store_id}"

    def profile(rng: random.Random) -> str:
        # One write in four goes to a profile another client also writes: the two dialects meet on it.
        return shop.profiles[index if rng.random() < 0.75 else (index + 1) % len(shop.profiles)]

    def arky_read(rng: random.Random) -> Request:
        return "GET", f"{admin}/profiles/{profile(rng)}", None, shop.owner

    def arky_write(rng: random.Random) -> Request:
        body = {"taxonomies": [{"taxonomy_id": "bench", "fields": [
            {"key": "tier", "type": "text", "value": rng.choice(["gold", "silver", "bronze"])}]}]}
        return "PUT", f"{admin}/profiles/{profile(rng)}", body, shop.owner

    def v0_read(rng: random.Random) -> Request:
        return "GET", f"/v0/consumer_profiles/{profile(rng)}", None, shop.back_office

    def v0_write(rng: random.Random) -> Request:
        target = profile(rng)
        body = {"first_name": rng.choice(["Ada", "Bo", "Cy"]), "last_name": "Bench", "extended_attributes": [],
                "revision": revisions.get(target, 1)}
        return "PUT", f"/v0/consumer_profiles/{target}", body, shop.back_office

    def find(rng: random.Random) -> Request:
        return "GET", f"{admin}/profiles?limit=20", None, shop.owner

    def storefront(rng: random.Random) -> Request:
        path = rng.choice([f"{front}/products?limit=10", f"{front}/products/{shop.product_id}", f"{front}/markets",
                           f"{front}"])
        return "GET", path, None, ""

    return [(25, arky_read), (15, arky_write), (10, v0_read), (10, v0_write), (10, find), (30, storefront)]


def drive(base_url: str, shop: Shop, clients: int, *, seconds: float | None = None,
          requests: int | None = None, seed: int = 7) -> Tally:
    """`clients` threads send requests back to back until `seconds` pass or `requests` are answered in all."""
    tally = Tally()
    stop = threading.Event()
    budget = [requests if requests is not None else -1]
    budget_lock = threading.Lock()
    start = threading.Barrier(clients)

    def take() -> bool:
        if requests is None:
            return not stop.is_set()
        with budget_lock:
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            return True

    def client_loop(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client(base_url)
        revisions: dict[str, int] = {}
        ops = operations(shop, index, revisions)
        weights = [weight for weight, _ in ops]
        start.wait()
        while take():
            make = rng.choices([maker for _, maker in ops], weights)[0]
            method, path, body, token = make(rng)
            began = time.perf_counter()
            try:
                status, document = client.request(method, path, body, token or None)
            except TimeoutError:
                tally.timeouts += 1
                continue
            except OSError as error:
                tally.errors.append(f"{method} {path}: {error!r}")
                continue
            updated = path.rsplit("/", 1)[1] if method == "PUT" else None
            tally.add((time.perf_counter() - began) * 1000, status, updated)
            if path.startswith("/v0/consumer_profiles/") and isinstance(document, dict) and "revision" in document:
                revisions[path.rsplit("/", 1)[1]] = int(document["revision"])
            elif status == 409 and method == "PUT" and path.startswith("/v0/"):
                revisions.pop(path.rsplit("/", 1)[1], None)
        client.close()

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    if seconds is not None:
        time.sleep(seconds)
        stop.set()
    for thread in threads:
        thread.join()
    return tally


def _traceback_ends(log_text: str) -> list[str]:
    """The exception line that ends each traceback in the runner's log."""
    ends: list[str] = []
    lines = log_text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            rest = lines[number + 1:]
            ends.append(next((entry for entry in rest if entry and not entry.startswith((" ", "\t"))), "?"))
    return ends


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _row(label: str, tally: Tally, elapsed: float, cpu: float, rss: float) -> list[str]:
    return [label, str(tally.count), f"{tally.count / elapsed:.1f}", f"{_percentile(tally.millis, 0.5):.0f}",
            f"{_percentile(tally.millis, 0.99):.0f}", f"{max(tally.millis, default=0):.0f}", str(tally.timeouts),
            str(tally.server_errors), str(len(tally.errors)), f"{cpu * 1000 / max(1, tally.count):.1f}",
            f"{cpu / elapsed:.2f}", f"{rss:.0f}"]


def revisions(base_url: str, shop: Shop) -> dict[str, int]:
    client = Client(base_url)
    return {profile: int(_ok(client.request("GET", f"/v0/consumer_profiles/{profile}", token=shop.back_office))[
        "revision"]) for profile in shop.profiles}


class _Receiver:
    """A webhook receiver on loopback that notes when each event arrives, after sleeping `delay` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.arrived: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                receiver.arrived.setdefault(body["data"]["profile"].get("email") or "", time.monotonic())
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def beside_a_slow_receiver(base_url: str, shop: Shop, sleep: float = 12.0) -> float | None:
    """Seconds from another store's profile.created to its delivery while the bench shop's receiver sleeps past
    the 10 s timeout on its own (None: not delivered within 30 s)."""
    client = Client(base_url)
    other = _ok(client.request("POST", "/v1/stores", {"key": "bench-other-shop", "timezone": "UTC",
                                                      "billing_email": "billing@bench.example.com"}, shop.owner))["id"]
    slow, fast = _Receiver(delay=sleep), _Receiver()
    try:
        for store, receiver in ((shop.store_id, slow), (other, fast)):
            _ok(client.request("POST", f"/v1/stores/{store}/webhooks", {
                "key": "crm", "url": receiver.url, "events": [{"event": "profile.created"}],
                "secret": "whsec_bench_receiver_0001"}, shop.owner))
        _ok(client.request("POST", f"/v1/stores/{shop.store_id}/profiles", {"email": "slow@bench.example.com"},
                           shop.owner))
        deadline = time.monotonic() + 30
        while "slow@bench.example.com" not in slow.arrived and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = time.monotonic()
        _ok(client.request("POST", f"/v1/stores/{other}/profiles", {"email": "fast@bench.example.com"}, shop.owner))
        while "fast@bench.example.com" not in fast.arrived and time.monotonic() < sent + 30:
            time.sleep(0.05)
        arrived = fast.arrived.get("fast@bench.example.com")
        return None if arrived is None else arrived - sent
    finally:
        slow.close()
        fast.close()


def run(clients: int = 64, seconds: float = 30.0, more: int = 10000, flags: tuple[str, ...] = ()) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-runner-data-") as data:
        _run(clients, seconds, more, ("--data-dir", data, *flags))


def _run(clients: int, seconds: float, more: int, flags: tuple[str, ...]) -> None:
    print(f"Local runner under load: {clients} clients, {seconds:g} s, then {more} more requests "
          "(mixed profile reads/writes in the arky and /v0 dialects, storefront reads)")
    with local_runner(*flags) as (process, url, log_path):
        started_rss = resident_mib(process.pid)
        shop = set_up(url, clients)
        before = revisions(url, shop)
        after_setup = resident_mib(process.pid)
        load = os.getloadavg()[0]
        began, cpu = time.perf_counter(), cpu_seconds(process.pid)
        first = drive(url, shop, clients, seconds=seconds)
        first_elapsed, first_cpu = time.perf_counter() - began, cpu_seconds(process.pid) - cpu
        first_rss = resident_mib(process.pid)
        began, cpu = time.perf_counter(), cpu_seconds(process.pid)
        second = drive(url, shop, clients, requests=more, seed=11)
        second_elapsed, second_cpu = time.perf_counter() - began, cpu_seconds(process.pid) - cpu
        second_rss = resident_mib(process.pid)
        after = revisions(url, shop)
        beside_slow = beside_a_slow_receiver(url, shop)
        log_text = log_path.read_text(errors="replace")
    began = time.perf_counter()
    with local_runner(*flags) as (process, url, _):
        restarted_in = time.perf_counter() - began
        kept = revisions(url, shop)
        restart_rss = resident_mib(process.pid)
    rows = [["phase", "answers", "per s", "p50 ms", "p99 ms", "max ms", "timeouts", "5xx", "conn. errors",
             "CPU ms/answer", "cores used", "resident MiB"],
            ["started, set up", *["-"] * 10, f"{started_rss:.0f} / {after_setup:.0f}"],
            _row(f"{seconds:g} s", first, first_elapsed, first_cpu, first_rss),
            _row(f"+{more} requests", second, second_elapsed, second_cpu, second_rss)]
    print(table(rows, right=frozenset(range(1, 12))))
    print(f"machine load average when the run began: {load:.1f} on {os.cpu_count()} cores (the runner's "
          "figures are its own process's; other load slows every answer)")
    statuses = {**first.statuses}
    for status, n in second.statuses.items():
        statuses[status] = statuses.get(status, 0) + n
    print("statuses:", ", ".join(f"{status} x{n}" for status, n in sorted(statuses.items())))
    for error in (first.errors + second.errors)[:5]:
        print("  connection error:", error)
    failures = _traceback_ends(log_text)
    compactions = re.findall(r"data folder compacted in ([0-9.]+) s", log_text)
    print(f"runner log: {len(failures)} tracebacks, {log_text.count(' -> 5')} 5xx lines, "
          f"{len(compactions)} journal compactions while serving ({', '.join(compactions) or '-'} s, moto paused)")
    for line in sorted(set(failures))[:5]:
        print("  ", line[:300])
    acknowledged = first.updates + second.updates
    lost = sum(before[p] + acknowledged[p] - after[p] for p in shop.profiles)
    print(f"profile updates answered 200: {sum(acknowledged.values())}; revisions written: "
          f"{sum(after[p] - before[p] for p in shop.profiles)}; lost: {lost}")
    print("another store's webhook delivered " + (f"{beside_slow:.1f} s" if beside_slow is not None else
                                                  "not within 30 s") +
          " after its change, while a receiver sleeps 12 s (past the 10 s timeout) on an earlier one")
    print(f"restart (Ctrl-C, then start on the same data folder): healthy after {restarted_in:.1f} s, "
          f"{sum(kept[p] == after[p] for p in shop.profiles)} of {len(shop.profiles)} profiles at their last "
          f"revision, {restart_rss:.0f} MiB resident")
    print(f"goal: p99 <= 2000 ms, 0 timeouts, 0 5xx in the {seconds:g} s run; <= 1024 MiB resident at the end "
          f"(p99 {_percentile(first.millis, 0.99):.0f} ms, {first.timeouts} timeouts, {first.server_errors} 5xx, "
          f"{second_rss:.0f} MiB)")
    if statistics.mean(first.millis or [0]) == 0:
        print("no answers were timed")
