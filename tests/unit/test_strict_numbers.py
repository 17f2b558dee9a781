"""The strict number types of storecrm.kernel.fields, and the request models that use them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from storecrm.integrations.integration_types import provider_union
from storecrm.kernel.fields import Number, WholeNumber
from storecrm.messaging.audiences import PriceIn
from storecrm.messaging.models.audiences import PriceInterval
from storecrm.profiles.models.taxonomies import GeoPoint


@pytest.mark.parametrize("value", [True, False, "5", 5.0, 5.5, None])
def test_a_whole_number_is_a_json_integer(value: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(WholeNumber).validate_python(value)
    with pytest.raises(ValidationError):
        TypeAdapter(WholeNumber).validate_json(json.dumps(value))
    assert TypeAdapter(WholeNumber).validate_json("5") == 5


@pytest.mark.parametrize("value", [True, False, "1.5", None])
def test_a_number_is_a_json_number(value: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Number).validate_python(value)
    assert TypeAdapter(Number).validate_python(2) == 2.0 and TypeAdapter(Number).validate_json("1.5") == 1.5


def test_the_request_models_refuse_booleans_for_numbers() -> None:
    cases: list[tuple[Any, dict[str, Any]]] = [(PriceIn, {"currency": "USD", "amount": True}),
                                               (PriceInterval, {"period": "month", "count": True}),
                                               (GeoPoint, {"lat": True, "lon": 0})]
    for model, data in cases:
        with pytest.raises(ValidationError):
            model.model_validate(data)
    with pytest.raises(ValidationError):
        provider_union().validate_python(
            {"type": "google", "client_id": "c", "client_secret": "s", "connected_at": True})
    assert PriceIn.model_validate({"currency": "usd", "amount": 500}).amount == 500
