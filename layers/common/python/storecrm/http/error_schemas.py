"""The error answers' shapes as the OpenAPI document describes them (storecrm.http.openapi.finish_document):
the arky error shape, the Pelcro dialect's two and the NewStore dialect's one."""

from __future__ import annotations

from storecrm.kernel.base_model import Model


class FieldErrorOut(Model):
    field: str
    error: str


class ArkyError(Model):
    """Every error answer: {message, error, statusCode, validationErrors}."""

    message: str
    error: str
    statusCode: int  # noqa: N815 - the wire name
    validationErrors: list[FieldErrorOut]  # noqa: N815


class PelcroErrorDetail(Model):
    status: int
    message: str


class PelcroError(Model):
    """Every Pelcro-dialect error but validation: {"error": {status, message}}."""

    error: PelcroErrorDetail


class PelcroValidationError(Model):
    """A Pelcro-dialect 400: each field's messages."""

    errors: dict[str, list[str]]


class NewStoreError(Model):
    """Every NewStore-dialect error: the domain's error code, a message naming refused fields, and the
    request id of the answer's `x-request-id` header."""

    error_code: str
    message: str
    request_id: str
