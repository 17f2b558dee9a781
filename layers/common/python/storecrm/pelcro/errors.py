"""Every error of the Pelcro dialect in its own shape, in one place.

Validation: 400 `{"errors": {"<field>": ["message", ...]}}`; anything else `{"error": {"status",
"message"}}`; a 429 also says when to retry (`Retry-After`). Domain errors that concern one input
field of this dialect (the site, a taken email or username) are shown as that field's validation error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from storecrm.http.app import use_errors
from storecrm.http.errors import error_headers
from storecrm.kernel.errors import DomainError, FieldError

# Domain error code -> (the request field it concerns here, what to say about that field).
FIELD_ERRORS = {
    "STORE.NOT_FOUND": ("site_id", "does not name a site"),
    "PROFILE.EMAIL_TAKEN": ("email", "has already been taken"),
    "PROFILE.USERNAME_TAKEN": ("username", "has already been taken"),
}


def validation_body(fields: Sequence[FieldError]) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for f in fields:
        grouped.setdefault(f.field, []).append(f.error)
    return {"errors": grouped}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def body_of(error: DomainError) -> tuple[int, dict[str, Any]]:
    """The status and body a domain error answers with in this dialect."""
    if error.code in FIELD_ERRORS:
        field, message = FIELD_ERRORS[error.code]
        return 400, validation_body([FieldError(field, message)])
    if error.status == 400:
        return 400, validation_body(error.field_errors or [FieldError("body", error.message)])
    return error.status, error_body(error.status, error.message)


def response_of(error: DomainError) -> Response:
    status, body = body_of(error)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body),
                    headers=error_headers(error))


def use_pelcro_errors(app: APIGatewayRestResolver) -> None:
    """Every error the resolver can meet, in the Pelcro shape (the arky functions use `use_arky_errors`)."""
    use_errors(app, response_of)
