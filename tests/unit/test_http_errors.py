from __future__ import annotations

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from storecrm.http.errors import error_body
from storecrm.http.query import json_param
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import ValidationFailed, field_errors_from_pydantic
from storecrm.kernel.fields import Command, refused_command


def test_error_body_is_the_arky_shape() -> None:
    assert error_body(404, "STORE.NOT_FOUND", "Store not found") == {
        "message": "Store not found", "error": "STORE.NOT_FOUND", "statusCode": 404, "validationErrors": []}


def test_pydantic_errors_become_field_errors() -> None:
    errors = field_errors_from_pydantic([
        {"loc": ("body", "emails", "billing"), "msg": "Value error, not an email", "type": "value_error"},
        {"loc": ("query", "limit"), "msg": "Input should be greater than or equal to 1", "type": "ge"},
        {"loc": ("body", 1), "msg": "JSON decode error", "type": "json_invalid"},
    ])
    assert [(e.field, e.error) for e in errors] == [
        ("emails.billing", "not an email"), ("limit", "Input should be greater than or equal to 1"),
        ("body", "is not valid JSON")]


def test_json_query_params_are_decoded_and_validated() -> None:
    ids = TypeAdapter(list[str])
    assert json_param('["a","b"]', ids, "ids") == ["a", "b"]
    assert json_param(None, ids, "ids") is None
    with pytest.raises(ValidationFailed) as not_json:
        json_param("[a", ids, "ids")
    assert not_json.value.field_errors[0].field == "ids"
    with pytest.raises(ValidationFailed) as wrong_shape:
        json_param('{"a": 1}', ids, "ids")
    assert wrong_shape.value.status == 400


def test_a_command_a_handler_builds_refuses_bad_values_as_a_400_naming_the_field() -> None:
    class FindForTest(Command):
        profile_id: str = Field(min_length=1)
        limit: int = 20

    class StoredForTest(Model):
        count: int

    with pytest.raises(ValidationError) as bad_command:
        FindForTest(profile_id="", limit="many")
    refused = refused_command(bad_command.value)
    assert refused is not None and refused.status == 400
    assert [e.field for e in refused.field_errors] == ["profile_id", "limit"]
    assert refused.message.startswith("Validation failed: profile_id:")
    with pytest.raises(ValidationError) as bad_record:
        StoredForTest(count="x")
    assert refused_command(bad_record.value) is None  # a record that does not fit its model is our bug, not a 400
