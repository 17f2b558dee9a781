"""Markets and locations: /v1/stores/{storeId}/markets[/{marketId}], /v1/stores/{storeId}/locations[/{locationId}]."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.common import Deleted
from storecrm.arky.schemas.stores import LocationOut, MarketOut
from storecrm.catalog.markets import MarketChanges, NewMarket
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.services import location_service, market_service
from storecrm.stores.locations import LocationChanges, LocationQuery, NewLocation

# The arky client reads the location list as a plain array, so the next page's cursor travels in a header.
NEXT_CURSOR_HEADER = "x-next-cursor"

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


@app.get("/v1/stores/<storeId>/locations",
         summary=f"List a store's locations, oldest first (a plain array; more pages: the {NEXT_CURSOR_HEADER} header)",
         tags=["Locations"], responses=STAFF_READ)
def list_locations(
    storeId: str,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    after: Annotated[str | None, Query(max_length=36, description=(
        "The id of the last location the caller holds: the page after it (how the arky client pages, "
        "since it reads neither a cursor field nor headers)"))] = None,
) -> Response[list[LocationOut]]:
    found, next_cursor = location_service().list(principal(app), storeId,
                                                 LocationQuery(limit=limit, cursor=cursor, after=after))
    return Response(200, content_types.APPLICATION_JSON, [LocationOut.of(loc) for loc in found],
                    headers={NEXT_CURSOR_HEADER: next_cursor} if next_cursor else None)


@app.post("/v1/stores/<storeId>/locations", summary="Create a location", tags=["Locations"], responses=STAFF_CHANGE)
def create_location(storeId: str, body: NewLocation) -> LocationOut:  # noqa: N803
    return LocationOut.of(location_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/locations/<locationId>", summary="Get a location", tags=["Locations"],
         responses=STAFF_READ)
def get_location(storeId: str, locationId: str) -> LocationOut:  # noqa: N803
    return LocationOut.of(location_service().get(principal(app), storeId, locationId))


@app.put("/v1/stores/<storeId>/locations/<locationId>", summary="Update a location", tags=["Locations"],
         responses=STAFF_CHANGE)
def update_location(storeId: str, locationId: str, body: LocationChanges) -> LocationOut:  # noqa: N803
    return LocationOut.of(location_service().update(principal(app), storeId, locationId, body))


@app.delete("/v1/stores/<storeId>/locations/<locationId>", summary="Delete a location", tags=["Locations"],
            responses=STAFF_CHANGE)
def delete_location(storeId: str, locationId: str) -> Deleted:  # noqa: N803
    location_service().delete(principal(app), storeId, locationId)
    return Deleted(deleted=True)


lambda_handler = lambda_entry(app)
