"""Conventions for every arky-dialect function's resolver, and the Lambda entry point around it.

Every answer, including errors and unknown routes, carries `x-request-id` and the arky error
shape; a client mistake is never a 500.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Collection, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from storecrm import snapstart
from storecrm.config import settings
from storecrm.http.errors import from_domain
from storecrm.http.json_input import (
    FORM_MEDIA_TYPE,
    JSON_MEDIA_TYPE,
    MULTIPART_MEDIA_TYPE,
    UnsupportedMediaType,
    check_json,
    check_media_type,
    decode_utf8,
)
from storecrm.kernel.errors import DomainError, NotFound, PayloadTooLarge, ValidationFailed
from storecrm.kernel.fields import refused_command
from storecrm.metrics import flushed_per_invocation
from storecrm.tracing import traced

logger = Logger()

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def cors_config() -> CORSConfig:
    return CORSConfig(
        allow_origin=settings().cors_allow_origin,
        allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
        expose_headers=["x-request-id", "x-next-cursor"],
        max_age=600,
    )


ErrorRenderer = Callable[[DomainError], Response]


def use_errors(app: APIGatewayRestResolver, render: ErrorRenderer) -> None:
    """Every error the resolver can meet, as a domain error in the dialect's shape (`render`).

    Functions create their resolver themselves (`app = APIGatewayRestResolver(...)`), which is
    also how Powertools' OpenAPI merge finds them for the single API document.
    """

    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        if error.status >= 500:
            logger.error("Service error", error=str(error))
        return render(error)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        return render(ValidationFailed.from_pydantic(error.errors()))

    @app.exception_handler(UnicodeDecodeError)
    def undecodable_form(_: UnicodeDecodeError) -> Response:
        # Powertools' multipart parser decodes part headers and non-file parts as UTF-8 and lets the error
        # through; JSON bodies never get this far undecodable (check_request).
        return render(ValidationFailed.on(
            "body", "form parts need UTF-8 headers; send files as file parts (with a filename)"))

    @app.not_found
    def no_route(_: NotFoundError) -> Response:
        event = app.current_event
        return render(NotFound(f"No route for {event.http_method} {event.path}"))

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("Unhandled error")
        return render(DomainError("Something went wrong on our side; try again", "GENERAL.INTERNAL_ERROR", 500))

    @app.exception_handler(ValidationError)
    def invalid_model(error: ValidationError) -> Response:
        refused = refused_command(error)
        return render(refused) if refused is not None else unexpected(error)


def use_arky_errors(app: APIGatewayRestResolver) -> None:
    use_errors(app, from_domain)


def _normalize_content_type(event: dict[str, Any]) -> None:
    """415 for a body that is not JSON; a JSON one is passed on as plain `application/json`,
    because Powertools compares the header case-sensitively and without parameters."""
    for headers in (event.get("headers") or {}, event.get("multiValueHeaders") or {}):
        for key in [k for k in headers if k.lower() == "content-type"]:
            value = headers[key]
            check_media_type(value[-1] if isinstance(value, list) else value)
            headers[key] = [JSON_MEDIA_TYPE] if isinstance(value, list) else JSON_MEDIA_TYPE


def _is_form(event: dict[str, Any]) -> bool:
    headers = event.get("headers") or {}
    value = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower() == FORM_MEDIA_TYPE


def check_request(event: dict[str, Any], uploads: Mapping[tuple[str, str], int] | None = None,
                  forms: Collection[tuple[str, str]] = (), ignored_bodies: Collection[tuple[str, str]] = ()) -> None:
    """What every route needs of a body before Powertools parses it: size, media type, UTF-8, sane JSON.
    A route in `uploads` ((method, resource path) -> most bytes) takes multipart/form-data instead of JSON;
    one in `forms` takes application/x-www-form-urlencoded as well (the route parses it); one in
    `ignored_bodies` never reads its body, so only its size is checked (whatever its media type)."""
    route = (str(event.get("httpMethod")), str(event.get("resource")))
    upload_limit = (uploads or {}).get(route)
    if upload_limit is not None:
        _check_multipart(event)
    body = event.get("body")
    if not body:
        return
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed.on("body", "is not valid base64") from None
        size = len(raw)
    else:
        size = len(body.encode("utf-8", "surrogatepass"))
    limit = upload_limit or settings().max_body_bytes
    if size > limit:
        raise PayloadTooLarge(limit)
    if upload_limit is not None or route in ignored_bodies:
        return
    if route in forms and _is_form(event):
        decode_utf8(raw if event.get("isBase64Encoded") else body.encode("utf-8", "surrogatepass"))
        return
    _normalize_content_type(event)
    check_json(decode_utf8(raw) if event.get("isBase64Encoded") else body)


def _check_multipart(event: dict[str, Any]) -> None:
    """An upload is multipart/form-data with a boundary (Powertools' parser fails without one); the media
    type is passed on in lower case, as Powertools compares it case-sensitively."""
    for headers in (event.get("headers") or {}, event.get("multiValueHeaders") or {}):
        for key in [k for k in headers if k.lower() == "content-type"]:
            value = headers[key]
            media_type, _, parameters = str(value[-1] if isinstance(value, list) else value).partition(";")
            if media_type.strip().lower() != MULTIPART_MEDIA_TYPE:
                raise UnsupportedMediaType(media_type.strip(), expected=MULTIPART_MEDIA_TYPE)
            # The first boundary parameter, unquoted, as Powertools reads it.
            boundary = next((p.strip()[len("boundary="):] for p in parameters.split(";")
                             if p.strip().startswith("boundary=")), "")
            if not boundary.removeprefix('"').removesuffix('"'):
                raise ValidationFailed.on("body", "multipart/form-data needs a boundary")
            normalized = f"{MULTIPART_MEDIA_TYPE};{parameters}"
            headers[key] = [normalized] if isinstance(value, list) else normalized
            return
    raise UnsupportedMediaType("no media type", expected=MULTIPART_MEDIA_TYPE)


# On every answer of every dialect. Answers carry tokens and personal data and are never meant
# for a shared cache (RFC 6749 5.1); the mailed-link routes must not leak their token in a Referer.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
}


def finish_response(response: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    """The request id and the security headers, on the proxy result whatever route made it."""
    extra = {**SECURITY_HEADERS, **({"x-request-id": request_id} if request_id else {})}
    response["headers"] = {**(response.get("headers") or {}), **extra}
    multi = response.get("multiValueHeaders")
    if multi is not None:
        for name, value in extra.items():
            multi[name] = [value]
    return response


def lambda_entry(app: APIGatewayRestResolver, render: ErrorRenderer = from_domain,
                 uploads: Mapping[tuple[str, str], int] | None = None,
                 forms: Collection[tuple[str, str]] = (),
                 ignored_bodies: Collection[tuple[str, str]] = ()) -> LambdaHandler:
    """The function's `lambda_handler`: logging context, body checks, request id, security headers,
    business metrics flushed once per invocation, and the trace when tracing is on. `render` answers a
    body the checks refuse in the function's dialect; `uploads` names the routes that take
    multipart/form-data, `forms` those that take a urlencoded form too and `ignored_bodies` those that read
    no body (`check_request`). Also hands the function's SnapStart hooks to the runtime (storecrm.snapstart)."""
    snapstart.register(app)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        # Every line of the request names its store and who calls: `public` until a bearer token
        # is read (storecrm.http.auth names its kind). Never who exactly: ids only, no emails.
        logger.append_keys(store_id=(event.get("pathParameters") or {}).get("storeId"), caller="public")
        request_id = str((event.get("requestContext") or {}).get("requestId")
                         or getattr(context, "aws_request_id", ""))
        try:
            check_request(event, uploads, forms, ignored_bodies)
        except DomainError as rejected:
            answer = render(rejected)
            response: dict[str, Any] = {
                "statusCode": answer.status_code,
                "headers": {"Content-Type": "application/json",
                            "Access-Control-Allow-Origin": settings().cors_allow_origin, **answer.headers},
                "body": answer.body,
                "isBase64Encoded": False,
            }
            return finish_response(response, request_id)
        return finish_response(app.resolve(event, context), request_id)

    return traced(flushed_per_invocation(lambda_handler))
