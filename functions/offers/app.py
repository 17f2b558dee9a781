"""Offers: /v1/stores/{storeId}/offers and /v1/stores/{storeId}/offers/{offerId}.

A store's plans, coupons and product SKUs with the segments that decide which customers see them
(the Pelcro-style API lists a customer's eligible ones: functions/pelcro).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from storecrm.arky.schemas.common import Deleted
from storecrm.arky.schemas.offers import OfferOut
from storecrm.crm.models.offers import OfferKind
from storecrm.crm.offers import OfferIn
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.services import offer_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)

TAG = "Offers"
OfferBody = Annotated[OfferIn, Body(description="A plan, coupon or product SKU, told apart by `kind`")]
# Ids become key parts: bounded, so an oversized one is a 400 rather than a key DynamoDB refuses.
StoreId = Annotated[str, Path(min_length=1, max_length=64)]
OfferId = Annotated[str, Path(min_length=1, max_length=64)]


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


lambda_handler = lambda_entry(app)
