"""Markets: /v1/stores/{storeId}/markets and /v1/stores/{storeId}/markets/{marketId}."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.arky.schemas.common import Deleted
from storecrm.arky.schemas.stores import MarketOut
from storecrm.domain.markets import MarketChanges, NewMarket
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.services import market_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.get("/v1/stores/<storeId>/markets", summary="List a store's markets", tags=["Markets"], responses=STAFF_READ)
def list_markets(storeId: str) -> list[MarketOut]:  # noqa: N803 - path parameter name from the template
    return [MarketOut.of(m) for m in market_service().list(principal(app), storeId)]


@app.post("/v1/stores/<storeId>/markets", summary="Create a market", tags=["Markets"], responses=STAFF_CHANGE)
def create_market(storeId: str, body: NewMarket) -> MarketOut:  # noqa: N803
    return MarketOut.of(market_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/markets/<marketId>", summary="Get a market", tags=["Markets"], responses=STAFF_READ)
def get_market(storeId: str, marketId: str) -> MarketOut:  # noqa: N803
    return MarketOut.of(market_service().get(principal(app), storeId, marketId))


@app.put("/v1/stores/<storeId>/markets/<marketId>", summary="Update a market", tags=["Markets"], responses=STAFF_CHANGE)
def update_market(storeId: str, marketId: str, body: MarketChanges) -> MarketOut:  # noqa: N803
    return MarketOut.of(market_service().update(principal(app), storeId, marketId, body))


@app.delete("/v1/stores/<storeId>/markets/<marketId>", summary="Delete a market", tags=["Markets"],
            responses=STAFF_CHANGE)
def delete_market(storeId: str, marketId: str) -> Deleted:  # noqa: N803
    market_service().delete(principal(app), storeId, marketId)
    return Deleted(deleted=True)


lambda_handler = lambda_entry(app)
