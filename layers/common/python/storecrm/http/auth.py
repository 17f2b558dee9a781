"""Who is calling: the bearer access token, checked on every call."""

from __future__ import annotations

from dataclasses import replace

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.http.app import logger
from storecrm.identity.auth import Principal, PrincipalKind, is_personal_token, read_access_token
from storecrm.identity.gateways.signing_keys import token_verify_keys
from storecrm.kernel.errors import Unauthorized

# The `caller` key of the request's log lines (storecrm.http.app.lambda_entry starts it as `public`).
# A Pelcro-style customer is a profile signed in through that dialect.
CALLER_KINDS: dict[PrincipalKind, str] = {"account": "staff", "profile": "profile", "customer": "profile",
                                          "client": "api_client"}


def bearer_token(app: APIGatewayRestResolver) -> str | None:
    header = app.current_event.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def principal(app: APIGatewayRestResolver) -> Principal:
    token = bearer_token(app)
    if token is None:
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'")
    if is_personal_token(token):  # a staff account's API token (storecrm.identity.account_tokens): one read
        from storecrm.services import account_tokens

        caller = account_tokens().authenticate(token, source_ip(app))
    else:
        caller = read_access_token(token, token_verify_keys())
    logger.append_keys(caller=CALLER_KINDS[caller.kind])
    return replace(caller, reading=app.current_event.http_method in ("GET", "HEAD"))


def source_ip(app: APIGatewayRestResolver) -> str:
    identity = app.current_event.request_context.identity
    return identity.source_ip or "unknown"


def optional_principal(app: APIGatewayRestResolver) -> Principal | None:
    """The caller when a bearer token is sent (and valid); None for anonymous calls."""
    return principal(app) if bearer_token(app) else None
