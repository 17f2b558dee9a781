"""Staff login over the real handlers: codes, verify, refresh rotation, logout."""

from __future__ import annotations

from tests.integration.conftest import login
from tests.support import Api, counting_calls, latest_code, sent_mail


def test_code_login_issues_tokens_and_creates_the_account(api: Api) -> None:
    reply = api.call("POST", "/v1/auth/code", {"email": "  New.Person@Example.com "})
    assert reply.status == 200 and reply.body == {"sent": True}
    assert reply.headers["x-request-id"]
    code = latest_code("new.person@example.com")
    token = api.call("POST", "/v1/auth/verify", {"email": "new.person@example.com", "code": code})
    assert token.status == 200, token.body
    assert set(token.body) == {"id", "access_token", "refresh_token", "access_expires_at", "refresh_expires_at",
                               "created_at", "is_verified"}
    assert token.body["is_verified"] is True
    assert token.body["access_expires_at"] > token.body["created_at"]


def test_known_and_unknown_emails_get_the_same_answer(api: Api) -> None:
    login(api, "known@example.com")
    known = api.call("POST", "/v1/auth/code", {"email": "known@example.com"})
    unknown = api.call("POST", "/v1/auth/code", {"email": "nobody@example.com"})
    assert (known.status, known.body) == (unknown.status, unknown.body) == (200, {"sent": True})


def test_code_is_single_use_and_not_stored_in_clear(api: Api, provisioned: object) -> None:
    api.call("POST", "/v1/auth/code", {"email": "a@example.com"})
    code = latest_code("a@example.com")
    from storecrm.identity.repositories.auth import CodeRepository

    stored = CodeRepository().get("account", "a@example.com")
    assert stored is not None and code not in stored.code_hash
    assert api.call("POST", "/v1/auth/verify", {"email": "a@example.com", "code": code}).status == 200
    again = api.call("POST", "/v1/auth/verify", {"email": "a@example.com", "code": code})
    assert again.status == 401 and again.error == "GENERAL.INVALID_CODE"


def test_five_wrong_codes_burn_the_code(api: Api) -> None:
    api.call("POST", "/v1/auth/code", {"email": "b@example.com"})
    code = latest_code("b@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert api.call("POST", "/v1/auth/verify", {"email": "b@example.com", "code": wrong}).status == 401
    burned = api.call("POST", "/v1/auth/verify", {"email": "b@example.com", "code": code})
    assert burned.status == 401


def test_code_requests_are_rate_limited_per_email_and_per_ip(api: Api) -> None:
    statuses = [api.call("POST", "/v1/auth/code", {"email": "c@example.com"}).status for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert len(sent_mail("c@example.com")) == 5
    other = Api(source_ip="198.51.100.9")
    assert other.call("POST", "/v1/auth/code", {"email": "c@example.com"}).status == 429  # per email
    limited = other.call("POST", "/v1/auth/code", {"email": "c@example.com"})
    assert int(limited.headers["retry-after"]) > 0  # when to retry, as the Pelcro dialect says it
    flood = Api(source_ip="198.51.100.10")
    statuses = [flood.call("POST", "/v1/auth/code", {"email": f"u{i}@example.com"}).status for i in range(31)]
    assert statuses[-1] == 429 and statuses[:30] == [200] * 30
    limited = api.call("POST", "/v1/auth/code", {"email": "c@example.com"})
    assert limited.body["error"] == "GENERAL.RATE_LIMITED" and limited.body["statusCode"] == 429


def test_refresh_rotates_and_reuse_revokes_the_session(api: Api) -> None:
    first = login(api, "d@example.com")
    second = api.call("POST", "/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert second.status == 200 and second.body["refresh_token"] != first["refresh_token"]
    assert second.body["id"] == first["id"]
    replay = api.call("POST", "/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert replay.status == 401 and replay.error == "GENERAL.TOKEN_REUSED"
    # The replay revoked the whole session, including the newest token.
    after = api.call("POST", "/v1/auth/refresh", {"refresh_token": second.body["refresh_token"]})
    assert after.status == 401


def test_logout_ends_the_session(api: Api) -> None:
    token = login(api, "e@example.com")
    out = api.call("POST", "/v1/auth/logout", token=token["access_token"])
    assert out.status == 200 and out.body == {"logged_out": True}
    assert api.call("POST", "/v1/auth/refresh", {"refresh_token": token["refresh_token"]}).status == 401


def test_logout_with_refresh_token_only(api: Api) -> None:
    token = login(api, "f@example.com")
    out = api.call("POST", "/v1/auth/logout", {"refresh_token": token["refresh_token"]})
    assert out.status == 200 and out.body == {"logged_out": True}
    assert api.call("POST", "/v1/auth/logout", {"refresh_token": token["refresh_token"]}).status == 401


def test_bad_input_is_a_400_in_the_arky_shape(api: Api) -> None:
    cases = [
        api.call("POST", "/v1/auth/code", raw_body="{not json"),
        api.call("POST", "/v1/auth/code", {"email": 42}),
        api.call("POST", "/v1/auth/code", {}),
        api.call("POST", "/v1/auth/code", {"email": "not-an-email"}),
        api.call("POST", "/v1/auth/verify", {"email": "a@example.com", "code": "12ab56"}),
        api.call("POST", "/v1/auth/refresh", {"refresh_token": ""}),
    ]
    for reply in cases:
        assert reply.status == 400, reply.body
        assert set(reply.body) == {"message", "error", "statusCode", "validationErrors"}
        assert reply.body["error"] == "GENERAL.VALIDATION_ERROR" and reply.body["validationErrors"]


def test_garbage_tokens_are_401(api: Api) -> None:
    assert api.call("POST", "/v1/auth/refresh", {"refresh_token": "nodot"}).status == 401
    assert api.call("POST", "/v1/auth/refresh", {"refresh_token": "abc.def"}).status == 401
    assert api.call("GET", "/v1/stores", token="not.a.jwt").status == 401


def test_oversize_body_is_413(api: Api) -> None:
    reply = api.call("POST", "/v1/auth/code", raw_body='{"email": "' + "a" * 300_000 + '"}')
    assert reply.status == 413 and reply.body["error"] == "GENERAL.PAYLOAD_TOO_LARGE"


def test_request_code_is_two_aws_calls(api: Api) -> None:
    login(api, "warm@example.com")  # warms the signing-key cache, as a warm container would be
    with counting_calls() as calls:
        api.call("POST", "/v1/auth/code", {"email": "warm@example.com"})
    assert calls.calls == ["dynamodb.TransactWriteItems", "sesv2.SendEmail"]
