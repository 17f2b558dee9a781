"""The NewStore dialect's OAuth2 token endpoint: reading a client-credentials request (RFC 6749 4.4) and
the token answer."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Literal
from urllib.parse import parse_qs, unquote_plus

from storecrm.http.json_input import FORM_MEDIA_TYPE
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import DomainError, FieldError, Unauthorized
from storecrm.stores.api_clients import IssuedToken, TokenRequest

TOKEN_FIELDS = ("grant_type", "client_id", "client_secret", "scope")


class TokenOut(Model):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    scope: str

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenOut:
        return cls(access_token=issued.access_token, expires_in=issued.expires_in,
                   scope=" ".join(sorted(issued.scopes)))


def _invalid_request(field: str, error: str) -> DomainError:
    return DomainError(f"{field}: {error}", "OAUTH.INVALID_REQUEST", 400, [FieldError(field, error)])


def _form_fields(body: str) -> dict[str, str]:
    parsed = parse_qs(body, keep_blank_values=True)
    repeated = next((name for name, values in parsed.items() if name in TOKEN_FIELDS and len(values) > 1), None)
    if repeated:
        raise _invalid_request(repeated, "is given more than once")
    return {name: values[0] for name, values in parsed.items()}


def _json_fields(body: str) -> dict[str, str]:
    document = json.loads(body) if body.strip() else {}
    if not isinstance(document, dict):
        raise _invalid_request("body", "must be a JSON object")
    wrong = next((name for name in TOKEN_FIELDS if name in document and not isinstance(document[name], str)), None)
    if wrong:
        raise _invalid_request(wrong, "must be a string")
    return {name: document[name] for name in TOKEN_FIELDS if name in document}


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    """HTTP Basic client authentication: each part is form-urlencoded before encoding (RFC 6749 2.3.1)."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise Unauthorized("The Basic credentials are not base64 of client_id:client_secret",
                           "OAUTH.INVALID_CLIENT") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise Unauthorized("The Basic credentials are not client_id:client_secret", "OAUTH.INVALID_CLIENT")
    return unquote_plus(client_id), unquote_plus(secret)


def token_request(content_type: str | None, body: str, authorization: str | None) -> TokenRequest:
    """The request's fields from a urlencoded form or a JSON object; the client's credentials from HTTP Basic
    or from the body, never both (RFC 6749 2.3)."""
    is_form = (content_type or "").split(";", 1)[0].strip().lower() == FORM_MEDIA_TYPE
    fields = _form_fields(body) if is_form else _json_fields(body)
    basic = _basic_credentials(authorization) if authorization else None
    if basic is not None:
        if "client_id" in fields or "client_secret" in fields:
            raise _invalid_request("client_id", "send the credentials either as HTTP Basic or in the body, not both")
        fields["client_id"], fields["client_secret"] = basic
    if not fields.get("client_id") or "client_secret" not in fields:
        raise Unauthorized("Send client_id and client_secret (HTTP Basic or in the body)", "OAUTH.INVALID_CLIENT")
    if not fields.get("grant_type"):
        raise _invalid_request("grant_type", "is required")
    return TokenRequest.model_validate({name: fields.get(name) for name in TOKEN_FIELDS})
