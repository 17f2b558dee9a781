"""The platform catalogue: /v1/platform/events, /v1/platform/integration-services, /v1/platform/countries[/{code}]
and /v1/platform/currencies (public, no AWS calls).

Nothing here belongs to a store, so no token is needed, as for /v1/stores/plans. The provider
models load on the first integration-services call, and the ISO lists (storecrm.kernel.geo) on the first
countries or currencies call, not at cold start; both stay for the container's life.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path

from storecrm.arky.schemas.platform import CountriesOut, CountryOut, EventNames, IntegrationServiceOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.openapi import errors
from storecrm.kernel import events
from storecrm.kernel.errors import NotFound

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.get("/v1/platform/events", summary="The event names a webhook can subscribe to", tags=["Platform"])
def webhook_events() -> EventNames:
    return EventNames(data=events.names())


@app.get("/v1/platform/integration-services", summary="The integration providers and their fields",
         tags=["Platform"])
def integration_services() -> list[IntegrationServiceOut]:
    from storecrm.integrations.integration_types import services

    return [IntegrationServiceOut.of(s) for s in services()]


@app.get("/v1/platform/countries", summary="Every ISO 3166-1 country with its ISO 3166-2 states", tags=["Platform"])
def countries() -> CountriesOut:
    from storecrm.kernel import geo

    return CountriesOut(items=[CountryOut.of(c) for c in geo.countries()], cursor=None)


@app.get("/v1/platform/countries/<code>", summary="One country (ISO 3166-1 alpha-2, any case) with its states",
         tags=["Platform"], responses=errors(404))
def country(code: Annotated[str, Path(min_length=1, max_length=8)]) -> CountryOut:
    from storecrm.kernel import geo

    found = geo.country(code)
    if found is None:
        raise NotFound(f"No country with the code '{code}'", "COUNTRY.NOT_FOUND")
    return CountryOut.of(found)


@app.get("/v1/platform/currencies", summary="Every ISO 4217 currency code", tags=["Platform"])
def currencies() -> list[str]:
    from storecrm.kernel import geo

    return geo.currencies()


lambda_handler = lambda_entry(app)
