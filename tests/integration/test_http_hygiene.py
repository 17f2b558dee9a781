"""The headers a security review asks for, on every answer, whichever route or error made it."""

from __future__ import annotations

from typing import Any

from tests.support import Api, Reply

EXPECTED = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "referrer-policy": "no-referrer",
}


def _assert_hygienic(reply: Reply) -> None:
    for name, value in EXPECTED.items():
        assert reply.headers.get(name) == value, (name, reply.status, reply.headers)


def test_tokens_errors_and_documents_carry_the_security_headers(api: Api, owner: dict[str, Any],
                                                                  store: dict[str, Any]) -> None:
    token = owner["access_token"]
    replies = [
        api.call("POST", "/v1/auth/code", {"email": "h@example.com"}),  # success, public
        api.call("POST", "/v1/auth/verify", {"email": "h@example.com", "code": "000000"}),  # 401
        api.call("GET", f"/v1/stores/{store['id']}", token=token),  # personal data
        api.call("GET", f"/v1/stores/{store['id']}/profiles/nope", token=token),  # 404 from the domain
        api.call("POST", "/v1/auth/code", raw_body="x", headers={"Content-Type": "text/plain"}),  # 415, before routing
        api.call("POST", "/v1/auth/code", {"email": 5}),  # 400 from validation
        api.call("GET", f"/v1/stores/{store['id']}/audiences/confirm", query={"token": "bad"}),  # a mailed link
        api.call("GET", "/openapi.json"),
        api.call("GET", "/swagger"),
    ]
    for reply in replies:
        _assert_hygienic(reply)
