"""The arky error body: {message, error, statusCode, validationErrors: [{field, error}]}."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from storecrm.kernel.errors import DomainError, FieldError, RateLimited


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
