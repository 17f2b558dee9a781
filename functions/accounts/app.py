"""Store staff login: POST /v1/auth/code, /verify, /refresh, /logout, and the store-scoped
POST /v1/stores/{storeId}/auth/code and /verify (members of that store only)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path

from storecrm.arky.schemas.auth import (
    AuthToken,
    CodeRequest,
    CodeSent,
    LogoutRequest,
    RefreshRequest,
    StoreCodeRequest,
    VerifyRequest,
)
from storecrm.arky.schemas.common import LoggedOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import bearer_token, principal, source_ip
from storecrm.http.openapi import errors
from storecrm.kernel.errors import Unauthorized
from storecrm.services import account_login

STORE_ID = Path(min_length=1, max_length=64)

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.post("/v1/auth/code", summary="Mail a six-digit login code", tags=["Accounts"], responses=errors(429))
def request_code(body: CodeRequest) -> CodeSent:
    account_login().request_code(body.email, source_ip(app))
    return CodeSent(sent=True)


@app.post("/v1/auth/verify", summary="Exchange a login code for tokens", tags=["Accounts"],
          responses=errors(401, 429))
def verify(body: VerifyRequest) -> AuthToken:
    # Four AWS calls (budget 2): the check is counted before the code is compared (LoginCodes.check), the code,
    # the account's email marker, the session's transaction (which gives a right code's check back).
    return AuthToken.of(account_login().verify(body.email, body.code))


@app.post("/v1/stores/<storeId>/auth/code", summary="Mail a login code to a member of this store",
          tags=["Accounts"], responses=errors(429))
def request_store_code(storeId: Annotated[str, STORE_ID], body: StoreCodeRequest) -> CodeSent:  # noqa: N803
    # Three AWS calls (budget 2): the membership check needs the account id first; see AccountLogin.
    account_login().request_store_code(storeId, body.email, source_ip(app))
    return CodeSent(sent=True)


@app.post("/v1/stores/<storeId>/auth/verify", summary="Exchange a store login code for tokens (a session of "
          "this store only)", tags=["Accounts"], responses=errors(401, 429))
def verify_store(storeId: Annotated[str, STORE_ID], body: VerifyRequest) -> AuthToken:  # noqa: N803
    # Four AWS calls (budget 2), as verify.
    return AuthToken.of(account_login().verify_store(storeId, body.email, body.code))


@app.post("/v1/auth/refresh", summary="Rotate the refresh token and get a new access token", tags=["Accounts"],
          responses=errors(401))
def refresh(body: RefreshRequest) -> AuthToken:
    return AuthToken.of(account_login().refresh(body.refresh_token))


@app.post("/v1/auth/logout", summary="End the session of the bearer token or of a refresh token",
          tags=["Accounts"], responses=errors(401))
def logout(body: LogoutRequest | None = None) -> LoggedOut:
    if bearer_token(app):
        caller = principal(app)
        if caller.kind != "account" or caller.session_id is None:
            raise Unauthorized("Not a staff session")
        return LoggedOut(logged_out=account_login().logout(caller.session_id, caller.subject))
    if body is None or not body.refresh_token:
        raise Unauthorized("Send the access token or the refresh token of the session to end")
    return LoggedOut(logged_out=account_login().logout_with_refresh_token(body.refresh_token))


lambda_handler = lambda_entry(app)
