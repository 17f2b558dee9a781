"""The Pelcro-style customer's account over HTTP against the local runner: eligible offers in and out of a
segment, the mailed email verification, and a picture uploaded as multipart bytes and read back."""

from __future__ import annotations

import re
import struct
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
