"""Query parameters the arky client JSON-encodes (arrays, objects): decoded and validated once."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from storecrm.http.json_input import check_json
from storecrm.kernel.errors import FieldError, ValidationFailed, field_errors_from_pydantic

T = TypeVar("T")


def json_shape(shape: type[T]) -> TypeAdapter[T]:
    """The validator of a JSON-encoded parameter, built by the first request that sends it: a
    TypeAdapter is otherwise built at import (list[TaxonomyQuery] takes about 35 ms of a cold start)."""
    return TypeAdapter(shape, config=ConfigDict(defer_build=True))


def json_param(raw: str | None, adapter: TypeAdapter[T], name: str) -> T | None:
    """`ids=%5B%22a%22%5D` -> ["a"]. Malformed JSON or a wrong shape is a 400 naming the parameter."""
    if raw is None or raw == "":
        return None
    check_json(raw, name)
    try:
        return adapter.validate_python(json.loads(raw))
    except ValidationError as exc:
        errors = [FieldError(f"{name}.{e.field}" if e.field != "body" else name, e.error)
                  for e in field_errors_from_pydantic([dict(e) for e in exc.errors()])]
        raise ValidationFailed(f"Invalid {name}", errors) from None
