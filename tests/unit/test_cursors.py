from __future__ import annotations

import pytest
from pydantic import BaseModel

from storecrm.kernel import cursors
from storecrm.kernel.errors import ValidationFailed


class Position(BaseModel):
    model_config = {"extra": "forbid"}
    value: int
    id: str


def test_round_trip_is_opaque_url_safe_text() -> None:
    text = cursors.encode(Position(value=5, id="x"))
    assert "{" not in text and "=" not in text
    assert cursors.decode(text, Position) == Position(value=5, id="x")


NOT_BASE64, EMPTY_OBJECT, WRONG_TYPE, NOT_JSON, EXTRA_FIELD = (
    "!!!", "e30", "eyJ2YWx1ZSI6ICJ4In0", "bm90IGpzb24", "eyJ2YWx1ZSI6MSwiaWQiOiJ4IiwieiI6MX0")


@pytest.mark.parametrize("bad", [NOT_BASE64, EMPTY_OBJECT, WRONG_TYPE, NOT_JSON, EXTRA_FIELD])
def test_bad_cursors_are_validation_errors(bad: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cursors.decode(bad, Position)
    assert caught.value.status == 400 and caught.value.field_errors[0].field == "cursor"


def test_no_cursor_means_first_page() -> None:
    assert cursors.decode(None, Position) is None and cursors.decode("", Position) is None
