"""The arky error body: {message, error, statusCode, validationErrors: [{field, error}]}."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from storecrm.domain.errors import DomainError, FieldError, RateLimited

_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def error_body(status: int, code: str, message: str, field_errors: Sequence[FieldError] = ()) -> dict[str, Any]:
    return {
        "message": message,
        "error": code,
        "statusCode": status,
        "validationErrors": [{"field": f.field, "error": f.error} for f in field_errors],
    }


def error_response(status: int, code: str, message: str, field_errors: Sequence[FieldError] = (),
                   headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(error_body(status, code, message, field_errors)), headers=headers or {})


def error_headers(error: DomainError) -> dict[str, str]:
    """Headers a domain error answers with in every dialect: a 429 says when to retry (RFC 9110 10.2.3)."""
    if isinstance(error, RateLimited):
        return {"Retry-After": str(max(error.retry_after or 1, 1))}
    return {}


def from_domain(error: DomainError) -> Response:
    return error_response(error.status, error.code, error.message, error.field_errors, error_headers(error))


def field_errors_from_pydantic(errors: Sequence[dict[str, Any]]) -> list[FieldError]:
    """Pydantic's error list as arky field errors; `field` is a dotted path without the location."""
    result = []
    for e in errors:
        loc = [str(part) for part in e.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        if e.get("type") == "json_invalid":
            result.append(FieldError("body", "is not valid JSON"))
            continue
        message = str(e.get("msg", "is invalid"))
        for prefix in _PYDANTIC_PREFIXES:
            message = message.removeprefix(prefix)
        result.append(FieldError(".".join(loc) or where, message))
    return result
