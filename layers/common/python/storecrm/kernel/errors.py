"""Errors the domain raises; each dialect renders them in its own error shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")
# A tagged union's member (pydantic puts its tag in an error's location): commands name their tags with this
# prefix, and the client's field path leaves them out.
UNION_TAG = "union:"


@dataclass
class FieldError:
    field: str
    error: str


@dataclass
class DomainError(Exception):
    message: str
    code: str = "GENERAL.ERROR"
    status: int = 400
    field_errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationFailed(DomainError):
    def __init__(self, message: str, field_errors: list[FieldError] | None = None) -> None:
        super().__init__(message, "GENERAL.VALIDATION_ERROR", 400, field_errors or [])

    @classmethod
    def on(cls, field_name: str, error: str) -> ValidationFailed:
        return cls(error, [FieldError(field_name, error)])

    @classmethod
    def from_pydantic(cls, errors: Sequence[Any]) -> ValidationFailed:
        """Pydantic's error list (of a request, or of a command a handler built) as a 400 naming each field."""
        fields = field_errors_from_pydantic(errors)
        summary = "; ".join(f"{f.field}: {f.error}" for f in fields[:5])
        return cls(f"Validation failed: {summary}", fields)


class PayloadTooLarge(DomainError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes", "GENERAL.PAYLOAD_TOO_LARGE", 413)


class Unauthorized(DomainError):
    def __init__(self, message: str = "Authentication required", code: str = "GENERAL.UNAUTHORIZED") -> None:
        super().__init__(message, code, 401)


class Forbidden(DomainError):
    def __init__(self, message: str = "Not allowed", code: str = "GENERAL.FORBIDDEN") -> None:
        super().__init__(message, code, 403)


class NotFound(DomainError):
    def __init__(self, message: str, code: str = "GENERAL.NOT_FOUND") -> None:
        super().__init__(message, code, 404)


class Conflict(DomainError):
    def __init__(self, message: str, code: str = "GENERAL.CONFLICT") -> None:
        super().__init__(message, code, 409)


class ObjectChanged(Conflict):
    """A stored object is no longer the version that was read (another upload replaced it meanwhile)."""

    def __init__(self, key: str) -> None:
        super().__init__("The uploaded file was replaced while it was checked; complete the upload again",
                         "MEDIA.UPLOAD_CHANGED")
        self.key = key


class PaymentRequired(DomainError):
    """The store's plan does not cover this (a cap reached, or its subscription lapsed)."""

    def __init__(self, message: str, code: str = "BILLING.PAYMENT_REQUIRED") -> None:
        super().__init__(message, code, 402)


class TransactionConflict(Conflict):
    """Another transaction was changing one of the same items at that moment; trying again may succeed."""

    def __init__(self) -> None:
        super().__init__("Another change to the same records was under way; try again", "GENERAL.BUSY")


class AlreadyMember(Conflict):
    def __init__(self) -> None:
        super().__init__("Already a member of this store", "MEMBER.EXISTS")


class RateLimited(DomainError):
    def __init__(self, message: str = "Too many requests, try again later", retry_after: int | None = None) -> None:
        super().__init__(message, "GENERAL.RATE_LIMITED", 429)
        # Seconds until the counting window that refused the request ends, when known.
        self.retry_after = retry_after


class ProviderFailed(DomainError):
    """A third party the store chose (its shipping provider) refused or failed the call: a 502 with its message."""

    def __init__(self, message: str, code: str = "GENERAL.PROVIDER_ERROR") -> None:
        super().__init__(message, code, 502)


class Unavailable(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "GENERAL.UNAVAILABLE", 503)


def field_errors_from_pydantic(errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic's error list as field errors; `field` is a dotted path without the location."""
    result = []
    for e in errors:
        loc = [str(part) for part in e.get("loc", ()) if not str(part).startswith(UNION_TAG)]
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
