"""arky-sdk 0.9.x storefront aliases under /v1/storefront/{storeId}: store, markets, profile sessions.

The storefront's audience reads live with the other audience calls (functions/audiences).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path

from storecrm.arky.schemas.common import LoggedOut
from storecrm.arky.schemas.profiles import ProfileOut
from storecrm.arky.schemas.storefront import IdentifyResponse, StorefrontToken
from storecrm.arky.schemas.stores import MarketOut, StoreOut, public_store
from storecrm.crm.storefront import Bearer, IdentifyRequest, StorefrontVerifyRequest
from storecrm.deferred import DeferredModule
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import bearer_token, optional_principal, principal, source_ip
from storecrm.http.openapi import PROFILE_BEARER, PUBLIC_STORE, errors
from storecrm.services import profile_sessions, storefront_service

if TYPE_CHECKING:
    from storecrm.arky.schemas import profile_detail
else:  # only `me` answers a detail, which defines the cart and order schemas
    profile_detail = DeferredModule("storecrm.arky.schemas.profile_detail")

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


def _token(bearer: Bearer) -> StorefrontToken:
    return StorefrontToken(id=bearer.session_id, token=bearer.token, created_at=bearer.created_at)


@app.get("/v1/storefront/<storeId>", summary="The store, as shoppers see it", tags=["Storefront"],
         responses=PUBLIC_STORE)
def get_store(storeId: str) -> StoreOut:  # noqa: N803 - path parameter name from the template
    return public_store(storefront_service().store(storeId))


@app.get("/v1/storefront/<storeId>/markets", summary="The store's markets", tags=["Storefront"], responses=PUBLIC_STORE)
def list_markets(storeId: str) -> list[MarketOut]:  # noqa: N803
    return [MarketOut.of(m) for m in storefront_service().market_list(storeId)]


@app.get("/v1/storefront/<storeId>/markets/<marketId>", summary="One market, by id or key", tags=["Storefront"],
         responses=PUBLIC_STORE)
def get_market(storeId: str, marketId: Annotated[str, Path(min_length=1, max_length=64)]) -> MarketOut:  # noqa: N803
    return MarketOut.of(storefront_service().market(storeId, marketId))


@app.post("/v1/storefront/<storeId>/profiles/identify", summary="Start or continue a shopper session",
          tags=["Storefront"], responses=errors(401, 402, 404, 429))
def identify(storeId: str, body: IdentifyRequest) -> IdentifyResponse:  # noqa: N803
    # A guest is two AWS calls (budget 1-2); naming an email adds its owner's read, `verify` the code
    # and the mail (see StorefrontService.identify).
    found = storefront_service().identify(storeId, optional_principal(app), body, source_ip(app), bearer_token(app))
    return IdentifyResponse(profile=ProfileOut.of(found.profile), token=_token(found.bearer),
                            store=public_store(found.store),
                            market=MarketOut.of(found.market) if found.market else None, code_sent=found.code_sent)


@app.post("/v1/storefront/<storeId>/profiles/verify", summary="Verify the bearer's email with the mailed code",
          tags=["Storefront"], responses=errors(401, 402, 404, 429))
def verify(storeId: str, body: StorefrontVerifyRequest) -> StorefrontToken:  # noqa: N803
    return _token(storefront_service().verify(storeId, principal(app), body))


@app.post("/v1/storefront/<storeId>/profiles/logout", summary="End the bearer's session", tags=["Storefront"],
          responses=PROFILE_BEARER)
def logout(storeId: str) -> LoggedOut:  # noqa: N803
    return LoggedOut(logged_out=profile_sessions().end(storeId, principal(app)))


@app.get("/v1/storefront/<storeId>/profiles/me", summary="The bearer's profile with linked records",
         tags=["Storefront"], responses=PROFILE_BEARER)
def me(storeId: str) -> profile_detail.ProfileDetail:  # noqa: N803
    # One AWS call (budget 1): profile, session, subscription list and commerce facts; a profile that has carts
    # or orders adds one Query for each (its newest ten), as the staff detail does: see ProfileSessions.me_detail.
    found = profile_sessions().me_detail(storeId, principal(app))
    return profile_detail.ProfileDetail.of(found.profile, found.subscriptions, found.carts, found.orders)


lambda_handler = lambda_entry(app)
