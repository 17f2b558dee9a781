"""What the OpenAPI document says about errors, so that it matches what the API answers.

Routes declare the errors their own logic can answer (`responses=errors(401, 403, 404)`);
`finish_document` adds the ones every operation can meet before any route runs (400, 413, 415
from the body checks) and removes Powertools' 422, which this API never sends: validation
failures are 400s in the arky error shape. Operations of the Pelcro dialect (under PELCRO_BASE)
answer in that dialect's shapes instead: PelcroValidationError for 400s, PelcroError for the rest;
those of the NewStore dialect (under NEWSTORE_BASE) answer NewStoreError for every error.
"""

from __future__ import annotations

from typing import Any, Literal

from storecrm.http.json_input import JSON_MEDIA_TYPE

ERROR_SCHEMA = "ArkyError"
ERROR_REF = f"#/components/schemas/{ERROR_SCHEMA}"

_DESCRIPTIONS = {
    400: "The input is invalid; `validationErrors` names each field",
    401: "No token, or one that is expired, revoked or of the wrong kind",
    402: "The store's plan does not allow this",
    403: "The token is valid but may not do this",
    404: "The store or record does not exist, or is not visible to this token",
    409: "The change conflicts with existing data (a key or email in use, a stale revision)",
    413: "The body (or a file it announces) is larger than the API accepts",
    415: "The body is not JSON (an upload: not multipart/form-data, or a file of a type the route does not take)",
    429: "Too many requests; retry after the time in Retry-After",
    502: "The store's provider (its shipping provider) refused or failed the call; `message` is the provider's",
}
# Checked in the Lambda entry for every request (storecrm.http.app.check_request).
EVERY_OPERATION = (400, 413, 415)
_POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
PELCRO_BASE = "/api/v1/sdk"
PELCRO_ERROR_REF = "#/components/schemas/PelcroError"
PELCRO_VALIDATION_REF = "#/components/schemas/PelcroValidationError"
NEWSTORE_BASE = "/v0/"
NEWSTORE_ERROR_REF = "#/components/schemas/NewStoreError"
Dialect = Literal["arky", "pelcro", "newstore"]


def _error_ref(status: int, dialect: Dialect) -> str:
    if dialect == "pelcro":
        return PELCRO_VALIDATION_REF if status == 400 else PELCRO_ERROR_REF
    return NEWSTORE_ERROR_REF if dialect == "newstore" else ERROR_REF


def _response(status: int, dialect: Dialect = "arky") -> dict[str, Any]:
    return {"description": _DESCRIPTIONS[status],
            "content": {JSON_MEDIA_TYPE: {"schema": {"$ref": _error_ref(status, dialect)}}}}


def _dialect(path: str) -> Dialect:
    if path.startswith(PELCRO_BASE):
        return "pelcro"
    return "newstore" if path.startswith(NEWSTORE_BASE) else "arky"


def errors(*statuses: int) -> dict[int, Any]:
    """A route's `responses=` for the errors its own logic answers, beside its 200 answer (a 200
    without `content` is filled by Powertools from the route's return type, as without `responses`)."""
    return {200: {"description": "Successful Response"}, **{status: _response(status) for status in statuses}}


def pelcro_errors(*statuses: int) -> dict[int, Any]:
    """`errors` for a route of the Pelcro dialect, in its error shapes."""
    return {200: {"description": "Successful Response"}, **{status: _response(status, "pelcro")
                                                           for status in statuses}}


def newstore_errors(*statuses: int) -> dict[int, Any]:
    """`errors` for a route of the NewStore dialect, in its error shape."""
    return {200: {"description": "Successful Response"}, **{status: _response(status, "newstore")
                                                           for status in statuses}}


# The usual sets, named for who calls and what the route does.
STAFF_READ = errors(401, 403, 404)  # a staff token on one store's data
STAFF_CHANGE = errors(401, 402, 403, 404, 409)  # ... that writes: plan limits, unique keys, stale revisions, races
PUBLIC_STORE = errors(404)  # no token; the store (or record) named in the path may not exist
PROFILE_BEARER = errors(401, 404)  # a profile session of this store
CODE_REQUEST = errors(404, 429)  # mails a code: rate limited per email and per source address
CODE_CHECK = errors(401, 404, 429)  # checks a code: checks per email are limited


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    # The error models are defined by the one function that renders the document, not by every function
    # that declares its routes' errors.
    from storecrm.http.error_schemas import ArkyError, NewStoreError, PelcroError, PelcroValidationError

    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_SCHEMA] = ArkyError.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schemas[ERROR_SCHEMA].pop("$defs", {}))
    dialect_models = {"pelcro": (PelcroError, PelcroValidationError), "newstore": (NewStoreError,)}
    for path, path_item in document.get("paths", {}).items():
        dialect = _dialect(path)
        for model in dialect_models.get(dialect, ()):
            schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schemas[model.__name__].pop("$defs", {}))
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in EVERY_OPERATION:
                responses.setdefault(str(status), _response(status, dialect))
            for response in responses.values():
                for content in (response.get("content") or {}).values():
                    if content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                        content["schema"] = {"$ref": _error_ref(400, dialect)}
                # A route that returns `Response[None]` (a 202 or 204) answers no body; Powertools still
                # documents a JSON `null`.
                if (response.get("content") or {}).get(JSON_MEDIA_TYPE, {}).get("schema", {}).get("type") == "null":
                    del response["content"]
    for name in _POWERTOOLS_ONLY:
        schemas.pop(name, None)
    return document
