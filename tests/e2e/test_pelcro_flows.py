"""The Pelcro-style customer's account over HTTP against the local runner: eligible offers in and out of a
segment, the mailed email verification, a picture uploaded as multipart bytes and read back; and the account's
life: login, email change, staff edits, throttling, logout and merge."""

from __future__ import annotations

import re
import struct
import time
import zlib

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token

SDK = "/api/v1/sdk"


def _png(side: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # Bytes of every value, so a body mangled as text on the way would not come back the same.
    rows = b"".join(b"\x00" + bytes(i % 256 for i in range(side)) for _ in range(side))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_customer_offers_verification_and_picture(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "pelcro-shop")
    owner = _owner_token(runner_url, mailbox, "pelcro-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    gold = {"name": "gold", "taxonomy_query": [{"taxonomy_id": "loyalty", "query": [
        {"key": "tier", "type": "text", "value": "gold"}]}]}
    plan = _post(f"{admin}/offers", {"kind": "plan", "name": "Gold", "amount": 900, "currency": "USD",
                                     "interval": "month", "segments": [gold]}, owner)
    assert plan.status_code == 200, plan.text
    # Both customers register before any eligibility read (each container keeps the offers for a minute).
    tokens = {}
    for email in ("in@example.com", "out@example.com"):
        reply = _post(f"{runner_url}{SDK}/auth/register", {"site_id": store_id, "email": email,
                                                           "password": "plum-tree-42"})
        assert reply.status_code == 200, reply.text
        tokens[email] = reply.json()["data"]["token"]
    profile_id = _post(f"{admin}/profiles", {"email": "in@example.com"}, owner).json()["id"]
    tagged = requests.put(f"{admin}/profiles/{profile_id}", json={"taxonomies": [
        {"taxonomy_id": "loyalty", "fields": [{"key": "tier", "type": "text", "value": "gold"}]}]},
        headers={"Authorization": f"Bearer {owner}"}, timeout=15)
    assert tagged.status_code == 200, tagged.text

    def plans(email: str) -> requests.Response:
        return requests.get(f"{runner_url}{SDK}/customer/plans", params={"site_id": store_id},
                            headers={"Authorization": f"Bearer {tokens[email]}"}, timeout=15)

    assert [p["id"] for p in plans("in@example.com").json()["data"]] == [plan.json()["id"]]
    out = plans("out@example.com")
    assert out.status_code == 404 and out.json() == {"error": {"status": 404, "message": "No eligible items found"}}

    # Email verification: the token from the mailbox, confirmed without a bearer.
    bearer = {"Authorization": f"Bearer {tokens['in@example.com']}"}
    sent = requests.get(f"{runner_url}{SDK}/customer/email/verify", params={"site_id": store_id}, headers=bearer,
                        timeout=15)
    assert sent.status_code == 200, sent.text
    newest = mailbox.items("in@example.com")[-1]
    token = re.search(r"verification token is (\S+)", newest["body"])
    assert token, newest
    confirmed = _post(f"{runner_url}{SDK}/customer/email/verify", {"site_id": store_id,
                                                                  "email_verify_token": token.group(1)})
    assert confirmed.status_code == 200 and confirmed.json() == {"data": {"email_confirm": True}}
    # The first proof of the address ended the sessions and the password set before it: back in by code.
    before = mailbox.count("in@example.com")
    _post(f"{runner_url}{SDK}/auth/passwordless/request", {"site_id": store_id, "email": "in@example.com"})
    back = _post(f"{runner_url}{SDK}/auth/passwordless/login", {"site_id": store_id, "email": "in@example.com",
                                                               "token": mailbox("in@example.com", since=before)})
    assert back.status_code == 200, back.text
    bearer = {"Authorization": f"Bearer {back.json()['data']['token']}"}

    # The picture: real multipart bytes through the runner, stored, and served by its presigned link.
    picture = _png(300)
    uploaded = requests.post(f"{runner_url}{SDK}/customer/picture", headers=bearer, timeout=30,
                             data={"site_id": store_id}, files={"profile_photo": ("me.png", picture, "image/png")})
    assert uploaded.status_code == 200, uploaded.text
    link = uploaded.json()["data"]["profile_photo"]
    served = requests.get(link, timeout=15)
    assert served.status_code == 200 and served.content == picture
    removed = requests.delete(f"{runner_url}{SDK}/customer/picture", params={"site_id": store_id}, headers=bearer,
                              timeout=15)
    assert removed.status_code == 200 and removed.json()["data"]["profile_photo"] is None
    assert requests.get(link, timeout=15).status_code == 404


def test_customer_account_over_http(runner_url: str, mailbox: LatestCode) -> None:
    """Register, log in, read, change the email (mailed verification), seen and edited by staff through the arky
    routes, logins throttled on the 11th failure, logout, and a merge that ends the merged customer's token."""
    store_id = _store(runner_url, mailbox, "pelcro-account")
    owner = _owner_token(runner_url, mailbox, "pelcro-account")
    admin = f"{runner_url}/v1/stores/{store_id}"

    def customer(token: str) -> requests.Response:
        return _post(f"{runner_url}{SDK}/customer", {"site_id": store_id}, token)

    registered = _post(f"{runner_url}{SDK}/auth/register", {"site_id": store_id, "email": "first@example.com",
                                                           "password": "plum-tree-42", "first_name": "Ada"})
    assert registered.status_code == 200, registered.text
    login = _post(f"{runner_url}{SDK}/auth/login", {"site_id": store_id, "email": "first@example.com",
                                                   "password": "plum-tree-42"})
    assert login.status_code == 200, login.text
    token = login.json()["data"]["token"]
    assert customer(token).json()["data"]["email"] == "first@example.com"

    # An email change (the current password with it): a new token, the email unconfirmed until the mailed token
    # comes back.
    changed = requests.put(f"{runner_url}{SDK}/customer", json={"site_id": store_id, "email": "moved@example.com",
                                                                "current_password": "plum-tree-42"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["email"] == "moved@example.com"
    assert changed.json()["data"]["email_confirm"] is False
    token = changed.json()["data"]["token"]
    mailed = re.search(r"verification token is (\S+)", mailbox.items("moved@example.com")[-1]["body"])
    assert mailed, mailbox.items("moved@example.com")
    assert _post(f"{runner_url}{SDK}/customer/email/verify",
                 {"site_id": store_id, "email_verify_token": mailed.group(1)}).status_code == 200
    # The first proof of the address ended the sessions and the password set before it: back in by code.
    assert customer(token).status_code == 401
    before = mailbox.count("moved@example.com")
    _post(f"{runner_url}{SDK}/auth/passwordless/request", {"site_id": store_id, "email": "moved@example.com"})
    back = _post(f"{runner_url}{SDK}/auth/passwordless/login", {"site_id": store_id, "email": "moved@example.com",
                                                               "token": mailbox("moved@example.com", since=before)})
    assert back.status_code == 200, back.text
    token = back.json()["data"]["token"]

    # The same profile through the staff routes: found by its email, verified, editable.
    found = requests.get(f"{admin}/profiles", params={"query": "moved@example.com"},
                         headers={"Authorization": f"Bearer {owner}"}, timeout=15).json()["items"]
    assert [(p["email"], p["verified"]) for p in found] == [("moved@example.com", True)]
    profile_id = found[0]["id"]
    tagged = requests.put(f"{admin}/profiles/{profile_id}", json={"taxonomies": [
        {"taxonomy_id": "loyalty", "fields": [{"key": "tier", "type": "text", "value": "gold"}]}]},
        headers={"Authorization": f"Bearer {owner}"}, timeout=15)
    assert tagged.status_code == 200, tagged.text
    assert customer(token).status_code == 200

    # Ten wrong passwords, then the 11th attempt is refused with a time to retry. The counters are per
    # fixed window (5 minutes): attempts that straddle a window's end are counted in two, so a round
    # that does is run again, wholly inside the next window.
    for _ in range(2):
        window = int(time.time()) // 300
        for _ in range(10):
            wrong = _post(f"{runner_url}{SDK}/auth/login", {"site_id": store_id, "email": "moved@example.com",
                                                           "password": "not-the-one-1"})
            assert wrong.status_code == 429 or wrong.json() == {
                "error": {"status": 401, "message": "Invalid credentials"}}, wrong.text
        throttled = _post(f"{runner_url}{SDK}/auth/login", {"site_id": store_id, "email": "moved@example.com",
                                                           "password": "plum-tree-42"})
        if int(time.time()) // 300 == window:
            break
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1

    # Logout ends that token at once; another session of the customer lives on until the merge.
    other = _post(f"{runner_url}{SDK}/auth/register", {"site_id": store_id, "email": "second@example.com",
                                                      "password": "fig-tree-77"}).json()["data"]["token"]
    assert _post(f"{runner_url}{SDK}/auth/logout", {"site_id": store_id}, other).status_code == 200
    assert customer(other).status_code == 401

    # Staff merge the customer into another profile: the merged-away customer's token stops working.
    target = _post(f"{admin}/profiles", {"email": "keeper@example.com"}, owner).json()["id"]
    merged = _post(f"{admin}/profiles/{target}/merge", {"source_id": profile_id}, owner)
    assert merged.status_code == 200, merged.text
    assert customer(token).status_code == 401
