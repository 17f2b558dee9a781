"""Login codes cannot be multiplied (issue 24 section 3): one budget per email over every scope that logs in to
the same person, checks counted before the code is compared, a right code's check given back."""

from __future__ import annotations

from typing import Any

from tests.integration.test_pelcro_customers import SDK
from tests.support import Api, latest_code


def _store(api: Api, owner: dict[str, Any], key: str) -> dict[str, Any]:
    reply = api.call("POST", "/v1/stores", {"key": key, "timezone": "UTC", "billing_email": "b@example.com"},
                     token=owner["access_token"])
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_one_staff_budget_per_email_across_every_store(api: Api, owner: dict[str, Any],
                                                       store: dict[str, Any]) -> None:
    """The attack: make stores, add the victim to each (no consent needed), and ask every store for codes."""
    stores = [store, _store(api, owner, "second-shop"), _store(api, owner, "third-shop")]
    for each in stores:
        added = api.call("POST", f"/v1/stores/{each['id']}/members", {"email": "victim@example.com"},
                         token=owner["access_token"])
        assert added.status == 200, added.body
    paths = ["/v1/auth/code", *[f"/v1/stores/{s['id']}/auth/code" for s in stores]]
    # Every request from another address: the per-address limit is not what stops them.
    asked = [Api(source_ip=f"198.51.100.{i}").call("POST", paths[i % len(paths)], {"email": "victim@example.com"})
             for i in range(7)]
    assert [r.status for r in asked] == [200] * 5 + [429] * 2
    verify_paths = ["/v1/auth/verify", *[f"/v1/stores/{s['id']}/auth/verify" for s in stores]]
    guesses = [Api(source_ip=f"198.51.100.{i}").call("POST", verify_paths[i % len(verify_paths)],
                                                     {"email": "victim@example.com", "code": f"{i:06d}"})
               for i in range(20)]
    statuses = [r.status for r in guesses]
    assert statuses.count(401) == 10 and statuses[10:] == [429] * 10, statuses
    assert guesses[-1].error == "GENERAL.RATE_LIMITED" and int(guesses[-1].headers["retry-after"]) > 0


def test_a_right_code_gives_its_check_back(api: Api) -> None:
    email = "typo@example.com"
    api.call("POST", "/v1/auth/code", {"email": email})
    code = latest_code(email)
    for _ in range(4):
        assert api.call("POST", "/v1/auth/verify", {"email": email, "code": _wrong(code)}).status == 401
    assert api.call("POST", "/v1/auth/verify", {"email": email, "code": code}).status == 200
    api.call("POST", "/v1/auth/code", {"email": email})
    code = latest_code(email)
    # Four failures so far in this window: six more are checked, the next is refused.
    for _ in range(6):
        assert api.call("POST", "/v1/auth/verify", {"email": email, "code": _wrong(code)}).status == 401
    assert api.call("POST", "/v1/auth/verify", {"email": email, "code": code}).status == 429


def test_a_stores_customers_have_one_budget_for_both_dialects(api: Api, owner: dict[str, Any],
                                                              store: dict[str, Any]) -> None:
    email = "shopper@example.com"
    arky = f"/v1/stores/{store['id']}/profiles/auth"
    pelcro = f"{SDK}/auth/passwordless"

    def ask(i: int) -> int:
        caller = Api(source_ip=f"198.51.100.{i}")
        if i % 2:
            return caller.call("POST", f"{arky}/code", {"email": email}).status
        return caller.call("POST", f"{pelcro}/request", {"site_id": store["id"], "email": email}).status

    def check(i: int) -> int:
        caller = Api(source_ip=f"198.51.100.{i}")
        if i % 2:
            return caller.call("POST", f"{arky}/verify", {"email": email, "code": f"{i:06d}"}).status
        return caller.call("POST", f"{pelcro}/login", {"site_id": store["id"], "email": email,
                                                      "token": f"{i:06d}"}).status

    assert [ask(i) for i in range(6)] == [200] * 5 + [429]
    assert [check(i) for i in range(11)] == [401] * 10 + [429]
    # Another store's customer with the same email is someone else, with a budget of its own.
    other = _store(api, owner, "other-shop")
    assert api.call("POST", f"/v1/stores/{other['id']}/profiles/auth/code", {"email": email}).status == 200
    reply = api.call("POST", f"/v1/stores/{other['id']}/profiles/auth/verify",
                     {"email": email, "code": latest_code(email)})
    assert reply.status == 200, reply.body


def test_code_check_bad_input_is_a_400_and_counts_nothing(api: Api) -> None:
    email = "careful@example.com"
    for _ in range(12):
        assert api.call("POST", "/v1/auth/verify", {"email": email, "code": "12ab56"}).status == 400
    api.call("POST", "/v1/auth/code", {"email": email})
    assert api.call("POST", "/v1/auth/verify", {"email": email, "code": latest_code(email)}).status == 200
