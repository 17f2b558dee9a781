"""JSON from clients, checked before anything trusts it, for request bodies and JSON query params.

Rejected here, as 4xx naming the field, rather than deep in a repository as a 500: nesting past
MAX_DEPTH (counted on the raw text, before the recursive parser sees it), NaN and Infinity,
numbers DynamoDB cannot store, and strings with lone surrogates (which cannot be encoded).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from storecrm.kernel.errors import DomainError, FieldError, ValidationFailed

MAX_DEPTH = 32
JSON_MEDIA_TYPE = "application/json"
MULTIPART_MEDIA_TYPE = "multipart/form-data"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

# DynamoDB numbers: 38 digits, magnitude 1e-130 to below 1e126. Digits are counted as written,
# trailing zeros included, because boto3 refuses to round an integer such as 10**40 too.
MAX_DIGITS = 38
MIN_EXPONENT, MAX_EXPONENT = -130, 125
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class UnsupportedMediaType(DomainError):
    def __init__(self, media_type: str, expected: str = JSON_MEDIA_TYPE) -> None:
        super().__init__(f"Send the body as {expected}, not {media_type[:100]}",
                         "GENERAL.UNSUPPORTED_MEDIA_TYPE", 415)


def check_media_type(content_type: str | None) -> None:
    """Media types are case-insensitive and may carry parameters (`; charset=utf-8`).

    A body without a Content-Type is read as JSON, as API Gateway passes it on unchanged.
    """
    if content_type is None or not content_type.strip():
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE and not (media_type.startswith("application/") and media_type.endswith("+json")):
        raise UnsupportedMediaType(media_type)


def decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed.on("body", "is not valid UTF-8") from None


def check_json(text: str, where: str = "body") -> None:
    """Depth first, then a parse that keeps numbers exact for the value checks; errors name the field."""
    _check_depth(text, where)
    try:
        document = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constant)
    except (json.JSONDecodeError, _NotJson):
        raise ValidationFailed.on(where, "is not valid JSON") from None
    except RecursionError:  # nesting hidden from the bracket count still must not be a 500
        raise ValidationFailed.on(where, f"is nested deeper than {MAX_DEPTH} levels") from None
    problem = _first_problem(document, [])
    if problem is not None:
        path, error = problem
        field = ".".join([where, *path]) if where != "body" or not path else ".".join(path)
        raise ValidationFailed(f"{field}: {error}", [FieldError(field, error)])


def _check_depth(text: str, where: str) -> None:
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            raise ValidationFailed.on(where, f"is nested deeper than {MAX_DEPTH} levels")


class _NotJson(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotJson(name)


def _first_problem(value: Any, path: list[str]) -> tuple[list[str], str] | None:
    if isinstance(value, str):
        return None if _encodable(value) else (path, "contains an unpaired surrogate (not valid Unicode)")
    if isinstance(value, Decimal):
        return None if _storable(value) else (path, "is a number outside what can be stored "
                                                    "(at most 38 digits, magnitude 1e-130 to 1e125)")
    if isinstance(value, dict):
        for key, item in value.items():
            if not _encodable(key):
                return [*path, key.encode("utf-8", "replace").decode()], "is a key that is not valid Unicode"
            found = _first_problem(item, [*path, key])
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_problem(item, [*path, str(index)])
            if found:
                return found
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable(number: Decimal) -> bool:
    if number.is_zero():
        return True
    return len(number.as_tuple().digits) <= MAX_DIGITS and MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT
