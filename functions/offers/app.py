"""Offers: /v1/stores/{storeId}/offers and /v1/stores/{storeId}/offers/{offerId}; promo codes:
/v1/stores/{storeId}/promo-codes and /v1/stores/{storeId}/promo-codes/{promoCodeId} (arky-sdk 0.9.1 `promoCode.*`).

A store's plans, coupons and product SKUs with the segments that decide which customers see them
(the Pelcro-style API lists a customer's eligible ones: functions/pelcro), and the promo codes its carts apply
(storecrm.commerce.discounts; README, "Promo codes", says why Pelcro coupons are not promo codes).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.offers import OfferOut, PromoCodeOut
from storecrm.commerce.models.promo_codes import PromoCodeStatus
from storecrm.commerce.promo_codes import NewPromoCode, PromoCodeChanges, PromoCodeQuery
from storecrm.crm.models.offers import OfferKind
from storecrm.crm.offers import OfferIn
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.http.query import json_param, json_shape
from storecrm.services import offer_service, promo_code_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)

TAG = "Offers"
OfferBody = Annotated[OfferIn, Body(description="A plan, coupon or product SKU, told apart by `kind`")]
# Ids become key parts: bounded, so an oversized one is a 400 rather than a key DynamoDB refuses.
StoreId = Annotated[str, Path(min_length=1, max_length=64)]
OfferId = Annotated[str, Path(min_length=1, max_length=64)]
PromoCodeId = Annotated[str, Path(min_length=1, max_length=64)]
IDS = json_shape(list[str])


@app.get("/v1/stores/<storeId>/offers", summary="List a store's offers, oldest first", tags=[TAG],
         responses=STAFF_READ)
def list_offers(storeId: StoreId, kind: Annotated[OfferKind | None, Query()] = None) -> list[OfferOut]:  # noqa: N803
    return [OfferOut.of(o) for o in offer_service().list(principal(app), storeId, kind)]


@app.post("/v1/stores/<storeId>/offers", summary="Create a plan, coupon or product SKU", tags=[TAG],
          responses=STAFF_CHANGE)
def create_offer(storeId: StoreId, body: OfferBody) -> OfferOut:  # noqa: N803
    return OfferOut.of(offer_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/offers/<offerId>", summary="Get an offer", tags=[TAG], responses=STAFF_READ)
def get_offer(storeId: StoreId, offerId: OfferId) -> OfferOut:  # noqa: N803
    return OfferOut.of(offer_service().get(principal(app), storeId, offerId))


@app.put("/v1/stores/<storeId>/offers/<offerId>", summary="Replace an offer (its kind stays)", tags=[TAG],
         responses=STAFF_CHANGE)
def replace_offer(storeId: StoreId, offerId: OfferId, body: OfferBody) -> OfferOut:  # noqa: N803
    return OfferOut.of(offer_service().replace(principal(app), storeId, offerId, body))


@app.delete("/v1/stores/<storeId>/offers/<offerId>", summary="Delete an offer", tags=[TAG], responses=STAFF_CHANGE)
def delete_offer(storeId: StoreId, offerId: OfferId) -> Deleted:  # noqa: N803
    offer_service().delete(principal(app), storeId, offerId)
    return Deleted(deleted=True)


# ---------------------------------------------------------------- promo codes (staff)
@app.get("/v1/stores/<storeId>/promo-codes", summary="Find promo codes", tags=["Promo codes"],
         responses=STAFF_READ)
def find_promo_codes(
    storeId: str,  # noqa: N803
    ids: Annotated[str | None, Query(max_length=8000, description="JSON array of ids")] = None,
    query: Annotated[str | None, Query(max_length=64, description="The start of a code")] = None,
    status: Annotated[PromoCodeStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    sort_direction: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    created_at_from: Annotated[int | None, Query(ge=0, le=10**10)] = None,
    created_at_to: Annotated[int | None, Query(ge=0, le=10**10)] = None,
) -> Page[PromoCodeOut]:
    q = PromoCodeQuery(ids=json_param(ids, IDS, "ids"), query=query, status=status, limit=limit, cursor=cursor,
                       sort_direction=sort_direction, created_at_from=created_at_from, created_at_to=created_at_to)
    found, next_cursor = promo_code_service().find(principal(app), storeId, q)
    return Page[PromoCodeOut](items=[PromoCodeOut.of(p) for p in found], cursor=next_cursor)


@app.post("/v1/stores/<storeId>/promo-codes", summary="Create a promo code", tags=["Promo codes"],
          responses=STAFF_CHANGE)
def create_promo_code(storeId: str, body: NewPromoCode) -> PromoCodeOut:  # noqa: N803
    return PromoCodeOut.of(promo_code_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/promo-codes/<promoCodeId>", summary="Get a promo code by its id or its code",
         tags=["Promo codes"], responses=STAFF_READ)
def get_promo_code(storeId: str, promoCodeId: PromoCodeId) -> PromoCodeOut:  # noqa: N803
    return PromoCodeOut.of(promo_code_service().get(principal(app), storeId, promoCodeId))


@app.put("/v1/stores/<storeId>/promo-codes/<promoCodeId>", summary="Update a promo code", tags=["Promo codes"],
         responses=STAFF_CHANGE)
def update_promo_code(storeId: str, promoCodeId: PromoCodeId, body: PromoCodeChanges) -> PromoCodeOut:  # noqa: N803
    return PromoCodeOut.of(promo_code_service().update(principal(app), storeId, promoCodeId, body))


@app.delete("/v1/stores/<storeId>/promo-codes/<promoCodeId>", summary="Delete a promo code (orders keep the code "
            "they used)", tags=["Promo codes"], responses=STAFF_CHANGE)
def delete_promo_code(storeId: str, promoCodeId: PromoCodeId) -> Deleted:  # noqa: N803
    promo_code_service().delete(principal(app), storeId, promoCodeId)
    return Deleted(deleted=True)


lambda_handler = lambda_entry(app)
