"""Public profile sessions at the seed's paths under /v1/stores/{storeId}/profiles."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.arky.schemas.auth import CodeSent, RefreshRequest
from storecrm.arky.schemas.profile_sessions import ProfileEmailRequest, ProfileSession, ProfileVerifyRequest
from storecrm.arky.schemas.profiles import ProfileOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import optional_principal, principal, source_ip
from storecrm.http.openapi import CODE_REQUEST, PROFILE_BEARER, errors
from storecrm.services import profile_sessions

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


# 402: the store's plan caps profiles and has no room for a new one.
NEW_PROFILE = errors(401, 402, 404)


@app.post("/v1/stores/<storeId>/profiles/initialize", summary="Start an anonymous guest session",
          tags=["Profile sessions"], responses=errors(402, 404))
def initialize(storeId: str) -> ProfileSession:  # noqa: N803 - path parameter name from the template
    return ProfileSession.of(profile_sessions().initialize(storeId))


@app.post("/v1/stores/<storeId>/profiles/connect", summary="Name an email for this session (unverified)",
          tags=["Profile sessions"], responses=NEW_PROFILE)
def connect(storeId: str, body: ProfileEmailRequest) -> ProfileSession:  # noqa: N803
    # Three AWS calls for a known email (budget 1-2): its owner, the profile, the session's transaction.
    return ProfileSession.of(profile_sessions().connect(storeId, optional_principal(app), body.email))


@app.post("/v1/stores/<storeId>/profiles/auth/code", summary="Mail a six-digit login code",
          tags=["Profile sessions"], responses=CODE_REQUEST)
def request_code(storeId: str, body: ProfileEmailRequest) -> CodeSent:  # noqa: N803
    profile_sessions().request_code(storeId, body.email, source_ip(app))
    return CodeSent(sent=True)


@app.post("/v1/stores/<storeId>/profiles/auth/verify", summary="Exchange a code for a verified session",
          tags=["Profile sessions"], responses=errors(401, 402, 404, 429))
def verify(storeId: str, body: ProfileVerifyRequest) -> ProfileSession:  # noqa: N803
    # Over the budget of 2: the check counted first, the code, the email's owner, the profile, its sessions on
    # the first proof of the email, then the transaction (see LoginCodes.check and EmailProofs).
    return ProfileSession.of(profile_sessions().verify(storeId, body.email, body.code))


@app.post("/v1/stores/<storeId>/profiles/auth/refresh", summary="Rotate the refresh token", tags=["Profile sessions"],
          responses=PROFILE_BEARER)
def refresh(storeId: str, body: RefreshRequest) -> ProfileSession:  # noqa: N803
    # Two AWS calls (budget 1-2): session and profile (named by the token) together, then the rotation.
    return ProfileSession.of(profile_sessions().refresh(storeId, body.refresh_token))


@app.get("/v1/stores/<storeId>/profiles/me", summary="The bearer's profile", tags=["Profile sessions"],
         responses=PROFILE_BEARER)
def me(storeId: str) -> ProfileOut:  # noqa: N803
    return ProfileOut.of(profile_sessions().me(storeId, principal(app)))


lambda_handler = lambda_entry(app)
