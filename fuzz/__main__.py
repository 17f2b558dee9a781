"""python -m fuzz [--max-examples N] [--seed S] [--min-requests N]

Schemathesis against a fresh local runner, from the runner's own /openapi.json: a staff member
logs in with an emailed code (read from /_dev/mailbox) and creates a store; every operation is
then fuzzed with that token and that store's id. Checks: not a server error, status codes,
content types and response bodies as documented. Prints the requests sent and the failures
found; exits 1 on any failure, or when fewer requests than --min-requests were sent.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
REQUEST_LOG_LINE = re.compile(r"localrunner\.http: \S+ \S+ -> \d{3} ")
STAFF_EMAIL = "fuzz-owner@example.com"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_runner(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            # A fresh runner whose data lives beside its log (never the developer's .local-data).
            [sys.executable, "-m", "localrunner", "--port", str(port), "--data-dir", str(log_path.parent / "data"),
             "--fresh"], cwd=REPO_ROOT,
            # The run takes longer than an access token's 15 minutes: tokens that ran out would turn the
            # last operations into 401s only.
            env={**os.environ, "PYTHONUNBUFFERED": "1", "ACCESS_TOKEN_TTL": "7200"}, stdout=log,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the local runner exited:\n{log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/_dev/health", timeout=2).ok:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit("the local runner did not become healthy")


# One record of each kind in the fuzz store, so operations on `{webhookId}` and the like reach
# their logic instead of stopping at a 404: (environment variable, path, body).
FIXTURES = [
    ("STORECRM_FUZZ_MARKET_ID", "markets", {"key": "fuzz", "currency": "EUR", "tax_mode": "inclusive"}),
    ("STORECRM_FUZZ_WEBHOOK_ID", "webhooks", {"key": "fuzz", "url": "https://127.0.0.1:9/in",
                                              "events": [{"event": "account.updated"}]}),
    ("STORECRM_FUZZ_TEMPLATE_ID", "email-templates", {
        "key": "fuzz", "subject": {"en": "Confirm"}, "body": "<a href='{{confirm_url}}'>Confirm</a>",
        "from_name": "Fuzz", "from_email": "shop@example.com", "status": "active"}),
    ("STORECRM_FUZZ_AUDIENCE_ID", "audiences", {"key": "fuzz"}),
    ("STORECRM_FUZZ_PROFILE_ID", "profiles", {"email": "fuzz-customer@example.com"}),
    ("STORECRM_FUZZ_CONSUMER_ID", "profiles", {"email": "fuzz-consumer@example.com"}),
    ("STORECRM_FUZZ_PRODUCT_ID", "products", {"key": "fuzz", "status": "active", "variants": [
        {"sku": "FUZZ-1", "prices": [{"currency": "USD", "market": "us", "amount": 1000}],
         "inventory": [{"location_id": "main", "available": 5}]}]}),
    ("STORECRM_FUZZ_OFFER_ID", "offers", {"kind": "coupon", "name": "Fuzz", "code": "FUZZ", "percent_off": 10}),
    ("STORECRM_FUZZ_LOCATION_ID", "locations", {"key": "fuzz", "address": {"country": "US"}}),
    ("STORECRM_FUZZ_API_CLIENT_ID", "api-clients", {"name": "Fuzz", "scopes": ["profiles:read"]}),
    # A cart staff make for the fuzz profile (made above).
    ("STORECRM_FUZZ_CART_ID", "carts", lambda made: {"profile_id": made["STORECRM_FUZZ_PROFILE_ID"], "market": "us"}),
]


def _fixtures(url: str, token: str, store_id: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for variable, collection, body in FIXTURES:
        reply = requests.post(f"{url}/v1/stores/{store_id}/{collection}", timeout=30,
                              json=body(found) if callable(body) else body,
                              headers={"Authorization": f"Bearer {token}"})
        reply.raise_for_status()
        found[variable] = reply.json()["id"]
    return found


def _client_token(url: str, token: str, store_id: str) -> str:
    """A token of an API client with every scope, for the /v0 routes (not the fixture client, which the
    fuzzed revoke route may revoke)."""
    client = requests.post(f"{url}/v1/stores/{store_id}/api-clients", timeout=30, headers={
        "Authorization": f"Bearer {token}"}, json={
        "name": "Fuzz back office", "scopes": ["profiles:read", "profiles:write", "profiles:delete"]})
    client.raise_for_status()
    issued = requests.post(f"{url}/v0/token", timeout=30, json={
        "grant_type": "client_credentials", "client_id": client.json()["client_id"],
        "client_secret": client.json()["client_secret"]})
    issued.raise_for_status()
    return str(issued.json()["access_token"])


def _shopper(url: str, token: str, store_id: str, product_id: str) -> dict[str, str]:
    """A storefront guest the way a shop makes one: it checks out a cash order of the fuzz product, then opens
    another cart. The storefront operations take its bearer, its order and its open cart."""
    staff = {"Authorization": f"Bearer {token}"}
    [us] = [m for m in requests.get(f"{url}/v1/stores/{store_id}/markets", headers=staff, timeout=30).json()
            if m["key"] == "us"]
    requests.put(f"{url}/v1/stores/{store_id}/markets/{us['id']}", json={"payment_methods": [{"id": "cash"}]},
                 headers=staff, timeout=30).raise_for_status()
    product = requests.get(f"{url}/v1/stores/{store_id}/products/{product_id}", headers=staff, timeout=30).json()
    shop = f"{url}/v1/storefront/{store_id}"
    identified = requests.post(f"{shop}/profiles/identify", json={"market": "us"}, timeout=30)
    identified.raise_for_status()
    bearer = identified.json()["token"]["token"]
    guest = {"Authorization": f"Bearer {bearer}"}
    cart = requests.post(f"{shop}/carts/current", json={"market": "us"}, headers=guest, timeout=30).json()
    requests.put(f"{shop}/carts/{cart['id']}", headers=guest, timeout=30, json={"items": [
        {"product_id": product_id, "variant_id": product["variants"][0]["id"], "quantity": 1}]}).raise_for_status()
    checkout = requests.post(f"{shop}/carts/{cart['id']}/checkout", json={}, headers=guest, timeout=30)
    checkout.raise_for_status()
    opened = requests.post(f"{shop}/carts/current", json={"market": "us"}, headers=guest, timeout=30)
    opened.raise_for_status()
    return {"STORECRM_FUZZ_ORDER_ID": str(checkout.json()["order_id"]), "STORECRM_FUZZ_SHOPPER_TOKEN": bearer,
            "STORECRM_FUZZ_SHOPPER_CART_ID": str(opened.json()["id"])}


def _media(url: str, token: str, store_id: str) -> str:
    """A file in the fuzz store's media library, uploaded as the arky client sends one (multipart)."""
    # The smallest PNG header the library takes (its size in pixels is all it reads).
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + b"\x00\x00\x00\x10" * 2 + b"\x08\x02\x00\x00\x00"
    reply = requests.post(f"{url}/v1/stores/{store_id}/media", headers={"Authorization": f"Bearer {token}"},
                          files=[("files", ("fuzz.png", png, "image/png"))], timeout=30)
    reply.raise_for_status()
    return str(reply.json()[0]["id"])


def _staff_token(url: str) -> str:
    """A staff access token, got the way a person gets one: the emailed code."""
    requests.post(f"{url}/v1/auth/code", json={"email": STAFF_EMAIL}, timeout=30).raise_for_status()
    mail = requests.get(f"{url}/_dev/mailbox", params={"to": STAFF_EMAIL}, timeout=30).json()["items"][-1]
    found = re.search(r"\b(\d{6})\b", f"{mail['subject']}\n{mail['body']}")
    assert found, "no code in the login mail"
    verified = requests.post(f"{url}/v1/auth/verify", json={"email": STAFF_EMAIL, "code": found.group(1)},
                             timeout=30)
    verified.raise_for_status()
    return str(verified.json()["access_token"])


def _store(url: str, token: str, key: str) -> str:
    store = requests.post(f"{url}/v1/stores", headers={"Authorization": f"Bearer {token}"}, timeout=30,
                          json={"key": key, "timezone": "UTC", "billing_email": "billing@example.com"})
    store.raise_for_status()
    return str(store.json()["id"])


def _document(url: str, work: Path) -> Path:
    """The runner's own OpenAPI document, fetched once: its first build merges every function's
    routes, which on a busy machine takes longer than schemathesis waits for a schema."""
    reply = requests.get(f"{url}/openapi.json", timeout=300)
    reply.raise_for_status()
    path = work / "openapi.json"
    path.write_text(reply.text, encoding="utf-8")
    return path


def _count_requests(log_path: Path) -> int:
    return sum(1 for line in log_path.read_text(errors="replace").splitlines() if REQUEST_LOG_LINE.search(line))


def _count_failures(junit: Path) -> int:
    if not junit.exists():
        return 0
    root = ElementTree.parse(junit).getroot()
    return sum(1 for _ in root.iter("failure")) + sum(1 for _ in root.iter("error"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=60, help="generated cases per operation and phase")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--min-requests", type=int, default=0, help="fail when fewer requests were sent")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storecrm-fuzz-"))
    log_path, junit = work / "runner.log", work / "junit.xml"
    runner, url = _start_runner(log_path)
    try:
        token = _staff_token(url)
        store_id = _store(url, token, "fuzz-shop")
        before = _count_requests(log_path)
        started = time.monotonic()
        made = _fixtures(url, token, store_id)
        env = {**os.environ, **made, **_shopper(url, token, store_id, made["STORECRM_FUZZ_PRODUCT_ID"]),
               "STORECRM_FUZZ_TOKEN": token, "STORECRM_FUZZ_STORE_ID": store_id,
               "STORECRM_FUZZ_DOOMED_STORE_ID": _store(url, token, "fuzz-doomed"),
               "STORECRM_FUZZ_MEDIA_ID": _media(url, token, store_id),
               "STORECRM_FUZZ_CLIENT_TOKEN": _client_token(url, token, store_id)}
        result = subprocess.run(
            [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(CONFIG), "run",
             str(_document(url, work)), "--url", url, "--checks", CHECKS, "--seed", str(args.seed),
             "--max-examples", str(args.max_examples), "--phases", "examples,coverage,fuzzing",
             "--workers", "1", "--no-color", "--report", "junit", "--report-junit-path", str(junit)],
            env=env, check=False)
        requests_sent = _count_requests(log_path) - before
        failures = _count_failures(junit)
    finally:
        runner.terminate()
        runner.wait(30)
    print(f"\nfuzz: {requests_sent} requests, {failures} failures in {time.monotonic() - started:.0f} s "
          f"(seed {args.seed}, {args.max_examples} examples per operation and phase; runner log {log_path})")
    if result.returncode != 0 or failures:
        return 1
    if requests_sent < args.min_requests:
        print(f"fuzz: fewer than the {args.min_requests} requests asked for")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
