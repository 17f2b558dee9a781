"""Every error of the NewStore dialect in one shape: `{error_code, message, request_id}` with the HTTP
status (DECISION: the seed shows none). A 400's message names each refused field; the request id is the
one the answer's `x-request-id` header carries, so a back office can quote it."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from storecrm.http.app import logger, use_errors
from storecrm.http.errors import error_headers
from storecrm.kernel.errors import DomainError


def error_body(error: DomainError) -> dict[str, str]:
    # The correlation id is the API Gateway request id (storecrm.http.app.lambda_entry sets it), known
    # before any route runs, so even a body refused by the entry's checks carries it.
    return {"error_code": error.code, "message": error.message, "request_id": logger.get_correlation_id() or ""}


def response_of(error: DomainError) -> Response:
    return Response(status_code=error.status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(error_body(error)), headers=error_headers(error))


def use_newstore_errors(app: APIGatewayRestResolver) -> None:
    """Every error the resolver can meet, in the NewStore shape."""
    use_errors(app, response_of)
