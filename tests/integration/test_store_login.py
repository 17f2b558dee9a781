"""Staff login scoped to one store (arky-sdk 0.9.1 auth.storeCode / auth.storeVerify): members get a code,
everyone else the same answer and no mail."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls, latest_code, sent_mail


def _code(api: Api, store_id: str, email: str) -> Any:
    # auth.storeCode(storeId, {email})
    return api.call("POST", f"/v1/stores/{store_id}/auth/code", {"email": email})


def _verify(api: Api, store_id: str, email: str, code: str) -> Any:
    # auth.storeVerify(storeId, {email, code})
    return api.call("POST", f"/v1/stores/{store_id}/auth/verify", {"email": email, "code": code})


def _add_member(api: Api, owner: dict[str, Any], store: dict[str, Any], email: str) -> None:
    reply = api.call("POST", f"/v1/stores/{store['id']}/members", {"email": email}, token=owner["access_token"])
    assert reply.status == 200, reply.body


def _other_code(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_member_logs_in_to_the_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    _add_member(api, owner, store, "clerk@example.com")  # an account that never logged in anywhere
    reply = _code(api, store["id"], " Clerk@Example.com ")
    assert reply.status == 200 and reply.body == {"sent": True}
    token = _verify(api, store["id"], "clerk@example.com", latest_code("clerk@example.com"))
    assert token.status == 200, token.body
    assert set(token.body) == {"id", "access_token", "refresh_token", "access_expires_at", "refresh_expires_at",
                               "created_at", "is_verified"}
    assert api.call("GET", f"/v1/stores/{store['id']}", token=token.body["access_token"]).status == 200
    # The client refreshes every staff session at /v1/auth/refresh.
    refreshed = api.call("POST", "/v1/auth/refresh", {"refresh_token": token.body["refresh_token"]})
    assert refreshed.status == 200 and refreshed.body["id"] == token.body["id"]


def test_non_members_and_unknown_stores_get_the_same_answers(api: Api, owner: dict[str, Any],
                                                             store: dict[str, Any]) -> None:
    login(api, "stranger@example.com")  # an account, but not of this store
    member = _code(api, store["id"], "owner@example.com")
    member_code = latest_code("owner@example.com")
    mails = len(sent_mail())
    asked = [_code(api, store["id"], "stranger@example.com"), _code(api, store["id"], "nobody@example.com"),
             _code(api, "no-such-store", "owner@example.com")]
    for reply in asked:
        assert (reply.status, reply.body) == (member.status, member.body) == (200, {"sent": True})
    assert len(sent_mail()) == mails  # nobody but members is mailed

    wrong = _verify(api, store["id"], "owner@example.com", _other_code(member_code))
    refused = [_verify(api, store["id"], "stranger@example.com", "123456"),
               _verify(api, store["id"], "nobody@example.com", "123456"),
               _verify(api, "no-such-store", "owner@example.com", member_code)]
    for reply in refused:
        assert (reply.status, reply.body["error"], reply.body["message"]) == (
            wrong.status, wrong.body["error"], wrong.body["message"]) == (401, "GENERAL.INVALID_CODE",
                                                                         wrong.body["message"])


def test_rate_limits_do_not_tell_members_from_others(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    # Accounts that never asked for a code (every staff code of an email counts against one budget): a member,
    # a member of another store only, and an email nobody has.
    _add_member(api, owner, store, "clerk@example.com")
    other = api.call("POST", "/v1/stores", {"key": "second-shop", "timezone": "UTC", "billing_email": "b@example.com"},
                     token=owner["access_token"]).body
    _add_member(api, owner, other, "stranger@example.com")
    for email in ("clerk@example.com", "stranger@example.com", "nobody@example.com"):
        statuses = [Api(source_ip=f"198.51.100.{i}").call(
            "POST", f"/v1/stores/{store['id']}/auth/code", {"email": email}).status for i in range(6)]
        assert statuses == [200] * 5 + [429], email


def test_a_code_works_only_for_the_store_that_mailed_it(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    other = api.call("POST", "/v1/stores", {"key": "second-shop", "timezone": "UTC", "billing_email": "b@example.com"},
                     token=owner["access_token"]).body
    _code(api, store["id"], "owner@example.com")
    code = latest_code("owner@example.com")
    assert _verify(api, other["id"], "owner@example.com", code).status == 401
    assert api.call("POST", "/v1/auth/verify", {"email": "owner@example.com", "code": code}).status == 401
    assert _verify(api, store["id"], "owner@example.com", code).status == 200


def test_a_member_removed_before_verifying_cannot_log_in(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    _add_member(api, owner, store, "leaving@example.com")
    _code(api, store["id"], "leaving@example.com")
    code = latest_code("leaving@example.com")
    from storecrm.identity.repositories.accounts import AccountRepository

    leaving_id = AccountRepository().id_for_email("leaving@example.com")
    removed = api.call("DELETE", f"/v1/stores/{store['id']}/members/{leaving_id}", token=owner["access_token"])
    assert removed.status == 200, removed.body
    late = _verify(api, store["id"], "leaving@example.com", code)
    assert late.status == 401 and late.error == "GENERAL.INVALID_CODE"


def test_store_login_bad_input(api: Api, store: dict[str, Any]) -> None:
    sid = store["id"]
    cases = [
        api.call("POST", f"/v1/stores/{sid}/auth/code", raw_body="{not json"),
        api.call("POST", f"/v1/stores/{sid}/auth/code", {}),
        api.call("POST", f"/v1/stores/{sid}/auth/code", {"email": "not-an-email"}),
        api.call("POST", f"/v1/stores/{'x' * 200}/auth/code", {"email": "a@example.com"}),
        api.call("POST", f"/v1/stores/{sid}/auth/verify", {"email": "a@example.com", "code": "12ab56"}),
        api.call("POST", f"/v1/stores/{sid}/auth/verify", {"email": "a@example.com"}),
    ]
    for reply in cases:
        assert reply.status == 400, reply.body
        assert set(reply.body) == {"message", "error", "statusCode", "validationErrors"}
        assert reply.body["error"] == "GENERAL.VALIDATION_ERROR" and reply.body["validationErrors"]


def test_store_code_aws_calls(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    with counting_calls() as calls:
        _code(api, store["id"], "owner@example.com")
    # One read more than /v1/auth/code: the account id, to check the membership inside the code's transaction.
    assert calls.calls == ["dynamodb.GetItem", "dynamodb.TransactWriteItems", "sesv2.SendEmail"]
    with counting_calls() as calls:
        _code(api, store["id"], "nobody@example.com")
    assert calls.calls == ["dynamodb.GetItem", "dynamodb.TransactWriteItems"]
