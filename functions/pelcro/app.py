"""The Pelcro-style customer API under /api/v1/sdk: sign-up, logins and the customer's own record.

Parsing and rendering only: the rules are storecrm.crm.customers, over the same profiles the
arky routes show. `site_id` (the store id) comes in the query string or the body.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, File, Form, Query

from storecrm.crm import pictures
from storecrm.http.app import cors_config, lambda_entry
from storecrm.http.auth import bearer_token, principal, source_ip
from storecrm.http.openapi import pelcro_errors
from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.fields import ReturnUrl
from storecrm.pelcro.errors import response_of, use_pelcro_errors
from storecrm.pelcro.schemas import (
    CodeSent,
    CodeSentAnswer,
    CouponOut,
    CouponsAnswer,
    CustomerAnswer,
    CustomerOut,
    CustomerUpdateRequest,
    EmailConfirmed,
    EmailConfirmedAnswer,
    EmailVerifyRequest,
    LoggedOut,
    LoginRequest,
    LogoutAnswer,
    PasswordlessLoginRequest,
    PasswordlessRequest,
    PlanOut,
    PlansAnswer,
    ProductSkuOut,
    ProductSkusAnswer,
    RegisterRequest,
    SiteRequest,
)
from storecrm.services import customers, eligibility

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_pelcro_errors(app)

TAG = "Pelcro customer"
# An unknown site is a 400 on `site_id` (storecrm.pelcro.errors), never a 404.
SIGN_UP = pelcro_errors(402)  # the store's plan caps profiles and has no room for a new one
LOGIN = pelcro_errors(401, 429)
BEARER = pelcro_errors(401)
OptionalSite = Annotated[SiteRequest | None, Body()]
LinkPage = Annotated[ReturnUrl | None, Query(description="A page on one of the store's allowed_origins for the mailed "
                                                        "link to open, with the token added to its query as "
                                                        "`email_verify_token` (left out when the store lists none)")]


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
    # Four AWS calls (budget 2): the attempt is counted before the password is checked; see Customers.login.
    view = customers().login(site_id(body.site_id), body, source_ip(app))
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.post("/api/v1/sdk/auth/logout", summary="End the token's session", tags=[TAG], responses=BEARER)
def logout(body: OptionalSite = None) -> LogoutAnswer:
    customers().logout(site_id(body.site_id if body else None), principal(app))
    return LogoutAnswer(data=LoggedOut(logged_out=True))


@app.post("/api/v1/sdk/auth/passwordless/request", summary="Mail a login code and link", tags=[TAG],
          responses=pelcro_errors(429))
def passwordless_request(body: PasswordlessRequest) -> CodeSentAnswer:
    # Two AWS calls (the code stored and counted, the mail); with redirect_url a third reads the store's origins.
    customers().request_code(site_id(body.site_id), body.email, source_ip(app), body.redirect_url)
    return CodeSentAnswer(data=CodeSent(sent=True))


@app.post("/api/v1/sdk/auth/passwordless/login", summary="Log in with the mailed code", tags=[TAG],
          responses=pelcro_errors(401, 402, 429))
def passwordless_login(body: PasswordlessLoginRequest) -> CustomerAnswer:
    # Over the budget of 2: the check counted first, the code, the email's owner, the profile, its sessions on
    # the first proof of the email, then the transaction (see LoginCodes.check and EmailProofs).
    view = customers().login_with_code(site_id(body.site_id), body.email, body.token)
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.post("/api/v1/sdk/customer", summary="Get the customer (echoes the token)", tags=[TAG], responses=BEARER)
def get_customer(body: OptionalSite = None) -> CustomerAnswer:
    view = customers().current(site_id(body.site_id if body else None), principal(app))
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.put("/api/v1/sdk/customer", summary="Update the customer (only the fields sent; a new token; a new email or "
         "password needs `current_password` while one is set)", tags=[TAG], responses=pelcro_errors(401, 409, 429))
def update_customer(body: CustomerUpdateRequest, redirect_url: LinkPage = None) -> CustomerAnswer:
    # Two AWS calls (budget 1-2): the profile with its session, then one transaction; a changed email
    # also mails its verification token (a third), and checking the current password counts it first (one more).
    view = customers().update(site_id(body.site_id), principal(app), body, redirect_url)
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.post("/api/v1/sdk/customer/refresh", summary="A new token for the session", tags=[TAG], responses=BEARER)
def refresh(body: OptionalSite = None) -> CustomerAnswer:
    view = customers().refresh(site_id(body.site_id if body else None), principal(app))
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


# One read of the customer and the store's offers (a Query, kept per container for a minute).
ELIGIBLE = pelcro_errors(401, 404)


@app.get("/api/v1/sdk/customer/plans", summary="Plans the customer is eligible for", tags=[TAG], responses=ELIGIBLE)
def eligible_plans() -> PlansAnswer:
    return PlansAnswer(data=[PlanOut.of(o) for o in eligibility().eligible(site_id(None), principal(app), "plan")])


@app.get("/api/v1/sdk/customer/coupons", summary="Coupons the customer is eligible for", tags=[TAG],
         responses=ELIGIBLE)
def eligible_coupons() -> CouponsAnswer:
    return CouponsAnswer(data=[CouponOut.of(o) for o in eligibility().eligible(site_id(None), principal(app),
                                                                                "coupon")])


@app.get("/api/v1/sdk/customer/product_sku", summary="Product SKUs the customer is eligible for", tags=[TAG],
         responses=ELIGIBLE)
def eligible_product_skus() -> ProductSkusAnswer:
    return ProductSkusAnswer(data=[ProductSkuOut.of(o) for o in eligibility().eligible(site_id(None), principal(app),
                                                                                        "product_sku")])


@app.get("/api/v1/sdk/customer/email/verify", summary="Mail a token that confirms the customer's email",
         tags=[TAG], responses=pelcro_errors(401, 404, 429))
def request_email_verification(redirect_url: LinkPage = None) -> CodeSentAnswer:
    # Three AWS calls: the customer with the request counter, the token stored and counted, the mail.
    customers().request_email_verification(site_id(None), principal(app), redirect_url)
    return CodeSentAnswer(data=CodeSent(sent=True))


@app.post("/api/v1/sdk/customer/email/verify", summary="Confirm the email with the mailed token (public)",
          tags=[TAG], responses=pelcro_errors(409))
def confirm_email(body: EmailVerifyRequest) -> EmailConfirmedAnswer:
    profile = customers().confirm_email(site_id(body.site_id), body.email_verify_token)
    return EmailConfirmedAnswer(data=EmailConfirmed(email_confirm=profile.verified))


PICTURE = "/api/v1/sdk/customer/picture"


@app.post(PICTURE, summary="Upload the customer's picture (square PNG or JPEG, at least 150x150, at most 5 MB)",
          tags=[TAG], responses=pelcro_errors(401, 409))
def upload_picture(profile_photo: Annotated[bytes, File(description="The picture")],
                   site: Annotated[str | None, Form(alias="site_id", max_length=64)] = None) -> CustomerAnswer:
    # Three AWS calls: the customer, the picture stored, the profile pointed at it (a fourth deletes a previous one).
    view = customers().set_picture(site_id(site), principal(app), profile_photo)
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


@app.delete(PICTURE, summary="Delete the customer's picture", tags=[TAG], responses=pelcro_errors(401, 409))
def delete_picture() -> CustomerAnswer:
    view = customers().remove_picture(site_id(None), principal(app))
    return CustomerAnswer(data=CustomerOut.of(view, answer(view.token)))


# A multipart body carries the picture and its framing: the picture's limit plus room for the rest.
lambda_handler = lambda_entry(app, response_of, uploads={("POST", PICTURE): pictures.MAX_BYTES + 64 * 1024})
