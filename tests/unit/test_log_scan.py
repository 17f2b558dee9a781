"""The e2e log scan (tests/e2e/log_scan.py) finds each kind of leak and leaves ordinary lines alone."""

from __future__ import annotations

import pytest

from tests.e2e.log_scan import leaks

STORE = "5f0c2a9e-1b7d-4c8e-9a21-3e4f5a6b7c8d"
ORDINARY = "\n".join([
    f"14:10:03 INFO    localrunner.http: POST /v1/stores/{STORE}/profiles -> 200 (ProfilesFunction, 123 ms)",
    '{"level":"INFO","message":"Event fanned out","timestamp":"2026-11-30 14:10:03,123+0000","service":"events",'
    f'"store_id":"{STORE}","caller":"public","event_id":"a1b2c3d4-0000-4000-8000-123456abcdef","deliveries":1}}',
    '{"_aws":{"Timestamp":1764511803123,"CloudWatchMetrics":[{"Namespace":"storecrm-dev","Dimensions":[["service"]],'
    '"Metrics":[{"Name":"LoginCodesSent","Unit":"Count"}]}]},"service":"accounts","LoginCodesSent":[1.0]}',
    "storecrm local runner",
    "  Mailbox        http://127.0.0.1:3000/_dev/mailbox   (filter: ?to=you@example.com)",
    """  curl -s -X POST http://127.0.0.1:3000/v1/auth/verify -d '{"email": "you@example.com", "code": "123456"}'""",
    "Ctrl-C stops everything.",
    "14:10:04 INFO    localrunner.mailbox:",
    "---- mail 0d1c",
    "From: no-reply@example.com",
    "To: shopper@example.com",
    "Subject: Your login code: 482913",
    "",
    "Your storecrm login code is 482913.",
    "----",
    "",
])


def test_ordinary_output_the_banner_and_the_mail_echo_pass() -> None:
    assert leaks(ORDINARY) == []


@pytest.mark.parametrize(("line", "kind"), [
    ('{"message":"Service error","error":"no profile for shopper@example.com"}', "email address"),
    ("GET /_dev/mailbox?to=shopper%40example.com -> 200", "email address"),
    ('{"authorization":"eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln"}', "access token (JWT)"),
    ('"refresh_token":"5f0c2a9e-1b7d-4c8e-9a21-3e4f5a6b7c8d.q3Vx0m1a9Yd8Zl2KpR7sT4uWvXyZ0123456789abcde.x"',
     "refresh token"),
    ('{"message":"Verify","code":"482913"}', "six-digit code"),
    ("creating webhook with secret whsec_client_bodies_original_7890", "secret"),
    ("Authorization: Bearer abc.def", "secret"),
])
def test_each_kind_of_leak_is_found(line: str, kind: str) -> None:
    assert f"{kind}: {line}" in leaks(ORDINARY + line + "\n")
