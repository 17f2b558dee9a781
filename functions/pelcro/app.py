"""The Pelcro-style customer API under /api/v1/sdk: sign-up, logins and the customer's own record.

Parsing and rendering only: the rules are storecrm.domain.customers, over the same profiles the
arky routes show. `site_id` (the store id) comes in the query string or the body.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body

from storecrm.domain.errors import ValidationFailed
from storecrm.http.app import cors_config, lambda_entry
from storecrm.http.auth import bearer_token, principal, source_ip
from storecrm.http.openapi import pelcro_errors
from storecrm.pelcro.errors import response_of, use_pelcro_errors
from storecrm.pelcro.schemas import (
    CodeSent,
    CodeSentAnswer,
    CustomerAnswer,
    CustomerOut,
    CustomerUpdateRequest,
    LoggedOut,
    LoginRequest,
    LogoutAnswer,
    PasswordlessLoginRequest,
    PasswordlessRequest,
    RegisterRequest,
    SiteRequest,
)
from storecrm.services import customers

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_pelcro_errors(app)

TAG = "Pelcro customer"
# An unknown site is a 400 on `site_id` (storecrm.pelcro.errors), never a 404.
SIGN_UP = pelcro_errors()
LOGIN = pelcro_errors(401, 429)
BEARER = pelcro_errors(401)
OptionalSite = Annotated[SiteRequest | None, Body()]


def site_id(body_site_id: str | None) -> str:
    """The store: `site_id` from the query string, else from the body."""
    found = app.current_event.get_query_string_value("site_id") or body_site_id
    if not found:
        raise ValidationFailed.on("site_id", "is required")
    if len(found) > 64:
        raise ValidationFailed.on("site_id", "does not name a site")
    return found


def answer(view_token: str | None) -> str:
    """The token an answer carries: a new one, else the bearer it was called with (echoed)."""
    return view_token or bearer_token(app) or ""


@app.post("/api/v1/sdk/auth/register", summary="Register a customer", tags=[TAG], responses=SIGN_UP)
def register(body: RegisterRequest) -> CustomerAnswer:
    view = customers().register(site_id(body.site_id), body)
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.post("/api/v1/sdk/auth/login", summary="Log in with email or username and password", tags=[TAG],
          responses=LOGIN)
def login(body: LoginRequest) -> CustomerAnswer:
    view = customers().login(site_id(body.site_id), body, source_ip(app))
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.post("/api/v1/sdk/auth/logout", summary="End the token's session", tags=[TAG], responses=BEARER)
def logout(body: OptionalSite = None) -> LogoutAnswer:
    customers().logout(site_id(body.site_id if body else None), principal(app))
    return LogoutAnswer(data=LoggedOut(logged_out=True))


@app.post("/api/v1/sdk/auth/passwordless/request", summary="Mail a login code and link", tags=[TAG],
          responses=pelcro_errors(429))
def passwordless_request(body: PasswordlessRequest) -> CodeSentAnswer:
    def link(code: str) -> str:
        assert body.redirect_url
        joiner = "&" if urlsplit(body.redirect_url).query else "?"
        return f"{body.redirect_url}{joiner}{urlencode({'email': body.email, 'token': code})}"

    customers().request_code(site_id(body.site_id), body.email, source_ip(app),
                             link_for=link if body.redirect_url else None)
    return CodeSentAnswer(data=CodeSent(sent=True))


@app.post("/api/v1/sdk/auth/passwordless/login", summary="Log in with the mailed code", tags=[TAG],
          responses=pelcro_errors(401))
def passwordless_login(body: PasswordlessLoginRequest) -> CustomerAnswer:
    view = customers().login_with_code(site_id(body.site_id), body.email, body.token)
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.post("/api/v1/sdk/customer", summary="Get the customer (echoes the token)", tags=[TAG], responses=BEARER)
def get_customer(body: OptionalSite = None) -> CustomerAnswer:
    view = customers().current(site_id(body.site_id if body else None), principal(app))
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.put("/api/v1/sdk/customer", summary="Update the customer (only the fields sent; a new token)", tags=[TAG],
         responses=pelcro_errors(401, 409))
def update_customer(body: CustomerUpdateRequest) -> CustomerAnswer:
    # Two AWS calls (budget 1-2): the profile with its session, then one transaction.
    view = customers().update(site_id(body.site_id), principal(app), body)
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.post("/api/v1/sdk/customer/refresh", summary="A new token for the session", tags=[TAG], responses=BEARER)
def refresh(body: OptionalSite = None) -> CustomerAnswer:
    view = customers().refresh(site_id(body.site_id if body else None), principal(app))
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


lambda_handler = lambda_entry(app, response_of)
