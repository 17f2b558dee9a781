"""Issue 24 part 8 over HTTP against the local runner: after a profile's erasure (the NewStore deletion request,
finished by the scheduler) no abandoned-cart mail reaches its address, and no redelivery sends its data again.

Carts are aged in the runner's table instead of waiting four hours: each cart's last activity and idle check are
moved to now, the way time passing would have moved them."""

from __future__ import annotations

import time
import zlib
from typing import Any

import requests
from botocore.exceptions import ClientError
from tests.e2e.conftest import LatestCode
from tests.e2e.test_newstore_profile_flow import _client_token, _runner_aws
from tests.e2e.test_profile_flows import _store
from tests.e2e.test_storefront_client_calls import _owner_token
from tests.support import Receiver

SHIRT = {"key": "tee", "status": "active", "variants": [
    {"sku": "TEE-1", "prices": [{"currency": "USD", "market": "us", "amount": 2500}],
     "inventory": [{"location_id": "main", "available": 50}]}]}


def _call(method: str, url: str, token: str | None, body: Any = None) -> requests.Response:
    return requests.request(method, url, json=body, timeout=15,
                            headers={"Authorization": f"Bearer {token}"} if token else {})


def _ok(reply: requests.Response) -> Any:
    assert reply.status_code in (200, 202), reply.text
    return reply.json() if reply.content else None


def _run_scheduler(base: str) -> None:
    assert requests.post(f"{base}/_dev/schedule/SchedulerFunction", timeout=60).json()["ok"] is True


def _wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _cart_with_email(base: str, store_id: str, product: dict[str, Any], email: str) -> tuple[str, dict[str, Any]]:
    shopper = _ok(_call("POST", f"{base}/v1/storefront/{store_id}/profiles/identify", None,
                        {"store_id": store_id, "market": "us", "email": email}))["token"]["token"]
    carts = f"{base}/v1/storefront/{store_id}/carts"
    cart = _ok(_call("POST", f"{carts}/current", shopper, {"store_id": store_id, "market": "us"}))
    filled = _ok(_call("PUT", f"{carts}/{cart['id']}", shopper, {
        "items": [{"product_id": product["id"], "variant_id": product["variants"][0]["id"], "quantity": 1}],
        "shipping_address": {"name": "Vic Tim", "street1": "1 Main St", "country": "US", "email": email}}))
    return shopper, filled


def _age(base: str, store_id: str, cart_id: str) -> bool:
    """Makes the cart idle for five hours and its check due now; False when there is no such cart."""
    dynamodb, resources = _runner_aws(base, "dynamodb")
    due_at = int(time.time())
    work = f"CART#{store_id}#{cart_id}"
    try:
        dynamodb.update_item(
            TableName=resources["refs"]["Table"],
            Key={"PK": {"S": f"STORE#{store_id}"}, "SK": {"S": f"CART#{cart_id}"}},
            UpdateExpression="SET last_activity_at = :idle, DUEPK = :pk, DUESK = :sk",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":idle": {"N": str(due_at - 5 * 3600)},
                                       ":pk": {"S": f"DUEMIN#{due_at // 60:09d}#{zlib.crc32(work.encode()) % 8}"},
                                       ":sk": {"S": f"{due_at:010d}#{work}"}})
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True


def test_an_erased_profile_gets_no_cart_recovery_mail(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "erasure-cart-shop")
    owner = _owner_token(runner_url, mailbox, "erasure-cart-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    product = _ok(_call("POST", f"{admin}/products", owner, SHIRT))
    _, erased_cart = _cart_with_email(runner_url, store_id, product, "erased-shopper@example.com")
    _, kept_cart = _cart_with_email(runner_url, store_id, product, "kept-shopper@example.com")

    client = _client_token(runner_url, store_id, owner)
    _ok(_call("DELETE", f"{runner_url}/v0/consumer_profiles/{erased_cart['profile_id']}", client))
    _run_scheduler(runner_url)  # the erasure

    assert _age(runner_url, store_id, kept_cart["id"])
    _age(runner_url, store_id, erased_cart["id"])  # gone with its profile (the attack ages it where it is left)
    _run_scheduler(runner_url)
    _wait_for(lambda: mailbox.count("kept-shopper@example.com") == 1)  # the recovery mail works for others
    assert mailbox.items("erased-shopper@example.com") == []


def test_a_redelivery_after_erasure_sends_no_personal_data(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "erasure-hook-shop")
    owner = _owner_token(runner_url, mailbox, "erasure-hook-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    receiver = Receiver()
    try:
        hook = _ok(_call("POST", f"{admin}/webhooks", owner, {
            "key": "crm", "url": receiver.url, "events": [{"event": "profile.created"}], "headers": {},
            "secret": "whsec_e2e_erasure", "enabled": True}))
        profile = _ok(_call("POST", f"{admin}/profiles", owner, {"email": "erased-customer@example.com"}))
        _wait_for(lambda: any(r.json()["data"]["profile"]["id"] == profile["id"] for r in receiver.received))
        [event_id] = [r.json()["id"] for r in receiver.received]

        client = _client_token(runner_url, store_id, owner)
        _ok(_call("DELETE", f"{runner_url}/v0/consumer_profiles/{profile['id']}", client))
        _run_scheduler(runner_url)
        seen = len(receiver.received)
        again = _call("POST", f"{admin}/webhooks/{hook['id']}/deliveries/{event_id}/redeliver", owner)
        time.sleep(2)  # a redelivery, had it been queued, arrives within a second
        assert all(b"erased-customer@example.com" not in r.body for r in receiver.received[seen:])
        assert again.status_code == 409 and again.json()["error"] == "WEBHOOK.EVENT_ERASED", again.text
        assert len(receiver.received) == seen
        log = _ok(_call("GET", f"{admin}/webhooks/{hook['id']}/deliveries", owner))["items"]
        assert [d["erased_at"] is not None for d in log if d["id"] == event_id] == [True]
    finally:
        receiver.close()
