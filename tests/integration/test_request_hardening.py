"""Bad input is a 4xx in the arky error shape, whatever the route: checked once, before any handler."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import Api

ARKY_ERROR_KEYS = {"message", "error", "statusCode", "validationErrors"}


def _profiles(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/profiles"


def _assert_error(reply: Any, status: int, field: str | None = None) -> None:
    assert reply.status == status, reply.body
    assert set(reply.body) == ARKY_ERROR_KEYS and reply.body["statusCode"] == status
    if field is not None:
        assert [e["field"] for e in reply.body["validationErrors"]] == [field], reply.body


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data",
                                          "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(api: Api, content_type: str) -> None:
    reply = api.call("POST", "/v1/auth/code", raw_body='{"email": "a@example.com"}',
                     headers={"Content-Type": content_type})
    _assert_error(reply, 415)


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "application/json; charset=utf-8",
                                          "Application/Json;Charset=UTF-8", "application/vnd.api+json"])
def test_json_media_types_are_case_insensitive_and_may_carry_parameters(api: Api, content_type: str) -> None:
    reply = api.call("POST", "/v1/auth/code", {"email": "a@example.com"}, headers={"content-type": content_type})
    assert reply.status == 200, reply.body


def test_a_body_that_is_not_utf8_is_400(api: Api) -> None:
    reply = api.call("POST", "/v1/auth/code", raw_body=b'{"email": "\xff\xfe@example.com"}')
    _assert_error(reply, 400, "body")


def test_nesting_past_32_levels_is_400_in_the_body(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    deep = "[" * 33 + "]" * 33
    reply = api.call("POST", _profiles(store), raw_body='{"email": "d@example.com", "taxonomies": ' + deep + "}",
                     token=owner["access_token"])
    _assert_error(reply, 400, "body")
    hostile = "[" * 100_000  # would exhaust the parser's recursion if it got that far
    _assert_error(api.call("POST", "/v1/auth/code", raw_body=hostile), 400, "body")


def test_nesting_past_32_levels_is_400_in_a_json_query_param(api: Api, owner: dict[str, Any],
                                                             store: dict[str, Any]) -> None:
    reply = api.call("GET", _profiles(store), token=owner["access_token"],
                     query={"taxonomy_query": "[" * 40 + "]" * 40})
    _assert_error(reply, 400, "taxonomy_query")


def _taxonomies(value: str) -> str:
    return ('{"email": "n@example.com", "taxonomies": [{"taxonomy_id": "t", "fields": '
            '[{"key": "ltv", "type": "number", "value": ' + value + "}]}]}")


@pytest.mark.parametrize("number", ["1e308", "5e-324", "1e126", "-1e-131", "1234567890123456789012345678901234567890"])
def test_numbers_dynamodb_cannot_store_are_400_naming_the_field(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any], number: str) -> None:
    reply = api.call("POST", _profiles(store), raw_body=_taxonomies(number), token=owner["access_token"])
    _assert_error(reply, 400, "taxonomies.0.fields.0.value")


def test_numbers_at_dynamodbs_limits_are_stored(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    reply = api.call("POST", _profiles(store), raw_body=_taxonomies("9.9e125"), token=owner["access_token"])
    assert reply.status == 200, reply.body


def test_numbers_out_of_range_in_a_taxonomy_query_are_400(api: Api, owner: dict[str, Any],
                                                          store: dict[str, Any]) -> None:
    query = [{"taxonomy_id": "t", "query": [{"key": "ltv", "type": "number", "operation": "gte", "value": 1}]}]
    text = json.dumps(query).replace('"value": 1', '"value": 1e308')
    reply = api.call("GET", _profiles(store), token=owner["access_token"], query={"taxonomy_query": text})
    _assert_error(reply, 400, "taxonomy_query.0.query.0.value")


def test_nan_and_infinity_are_not_json(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        reply = api.call("POST", _profiles(store), raw_body=_taxonomies(constant), token=owner["access_token"])
        _assert_error(reply, 400, "body")


def test_lone_surrogates_are_400_naming_the_field(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    body = '{"email": "s@example.com", "taxonomies": [{"taxonomy_id": "t", "fields": ' \
           '[{"key": "tier", "type": "text", "value": "gold\\ud800"}]}]}'
    reply = api.call("POST", _profiles(store), raw_body=body, token=owner["access_token"])
    _assert_error(reply, 400, "taxonomies.0.fields.0.value")
    _assert_error(api.call("POST", "/v1/auth/code", raw_body='{"email": "\\udc00@example.com"}'), 400, "email")
