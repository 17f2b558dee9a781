"""The platform catalogue: /v1/platform/events and /v1/platform/integration-services (public, no AWS calls).

Nothing here belongs to a store, so no token is needed, as for /v1/stores/plans. The provider
models load on the first integration-services call, not at cold start.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.arky.schemas.platform import EventNames, IntegrationServiceOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.kernel import events

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


lambda_handler = lambda_entry(app)
