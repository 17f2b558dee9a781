"""The JSON checks every body and JSON query parameter goes through, without any AWS."""

from __future__ import annotations

import pytest

from storecrm.http.json_input import MAX_DEPTH, check_json, check_media_type, decode_utf8
from storecrm.kernel.errors import DomainError, ValidationFailed


def _field(text: str, where: str = "body") -> str:
    with pytest.raises(ValidationFailed) as raised:
        check_json(text, where)
    return raised.value.field_errors[0].field


def test_depth_is_counted_before_parsing_and_brackets_inside_strings_do_not_count() -> None:
    check_json("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert _field("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)) == "body"
    assert _field("[" * 1_000_000, "ids") == "ids"
    check_json('{"a": "' + "[" * 100 + '"}')
    check_json('{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')


@pytest.mark.parametrize("number", ["0", "-0.0", "1e-130", "9.9999999999999999999999999999999999999e125",
                                    "12345678901234567890123456789012345678", "1E+40"])
def test_numbers_dynamodb_stores_pass(number: str) -> None:
    check_json('{"n": ' + number + "}")


@pytest.mark.parametrize("number", ["1e126", "1e-131", "1e308", "5e-324", "1" * 39, "1" + "0" * 40])
def test_numbers_dynamodb_refuses_name_their_field(number: str) -> None:
    assert _field('{"a": [{"n": ' + number + "}]}") == "a.0.n"
    assert _field("[" + number + "]", "taxonomy_query") == "taxonomy_query.0"


def test_lone_surrogates_in_values_and_keys_are_refused() -> None:
    assert _field('{"name": "x\\ud800"}') == "name"
    assert _field('{"x\\udfff": 1}').startswith("x")
    check_json('{"emoji": "\\ud83d\\ude00"}')  # a proper pair is fine


def test_nan_and_infinity_are_not_json() -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        assert _field('{"n": ' + constant + "}") == "body"


def test_media_types_are_case_insensitive_with_parameters() -> None:
    for ok in (None, "", "application/json", "APPLICATION/JSON", "application/json; charset=utf-8",
               "application/merge-patch+json"):
        check_media_type(ok)
    for bad in ("text/plain", "application/xml", "multipart/form-data", "text/json-ish"):
        with pytest.raises(DomainError) as raised:
            check_media_type(bad)
        assert raised.value.status == 415


def test_bytes_that_are_not_utf8_are_refused() -> None:
    assert decode_utf8("é".encode()) == "é"
    with pytest.raises(ValidationFailed):
        decode_utf8(b"\xff\xfe")
