"""Integrations: /v1/stores/{storeId}/integrations, the active config per category, and OAuth."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.arky.schemas.common import Deleted
from storecrm.arky.schemas.integrations import IntegrationOut, OAuthDisconnected
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.integrations.integrations import IntegrationChanges, NewIntegration, OAuthConnect, OAuthDisconnect
from storecrm.services import integration_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.get("/v1/stores/<storeId>/integrations", summary="List a store's integrations", tags=["Integrations"],
         responses=STAFF_READ)
def list_integrations(storeId: str) -> list[IntegrationOut]:  # noqa: N803 - path parameter name from the template
    return [IntegrationOut.of(i) for i in integration_service().all_in_store(principal(app), storeId)]


@app.post("/v1/stores/<storeId>/integrations", summary="Create an integration", tags=["Integrations"],
          responses=STAFF_CHANGE)
def create_integration(storeId: str, body: NewIntegration) -> IntegrationOut:  # noqa: N803
    return IntegrationOut.of(integration_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/integrations/config/<category>",
         summary="The active integration of a category", tags=["Integrations"], responses=STAFF_READ)
def integration_config(storeId: str, category: Literal["payment", "shipping", "analytics"]) -> IntegrationOut:  # noqa: N803
    return IntegrationOut.of(integration_service().active_config(principal(app), storeId, category))


@app.put("/v1/stores/<storeId>/integrations/<integrationId>", summary="Update an integration", tags=["Integrations"],
         responses=STAFF_CHANGE)
def update_integration(storeId: str, integrationId: str, body: IntegrationChanges) -> IntegrationOut:  # noqa: N803
    return IntegrationOut.of(integration_service().update(principal(app), storeId, integrationId, body))


@app.delete("/v1/stores/<storeId>/integrations/<integrationId>", summary="Delete an integration",
            tags=["Integrations"], responses=STAFF_CHANGE)
def delete_integration(storeId: str, integrationId: str) -> Deleted:  # noqa: N803
    integration_service().delete(principal(app), storeId, integrationId)
    return Deleted(deleted=True)


@app.post("/v1/stores/<storeId>/oauth/connect", summary="Exchange an OAuth code and keep the tokens",
          tags=["Integrations"], responses=STAFF_CHANGE)
def oauth_connect(storeId: str, body: OAuthConnect) -> IntegrationOut:  # noqa: N803
    return IntegrationOut.of(integration_service().connect(principal(app), storeId, body))


@app.post("/v1/stores/<storeId>/oauth/disconnect", summary="Forget a provider's OAuth tokens",
          tags=["Integrations"], responses=STAFF_CHANGE)
def oauth_disconnect(storeId: str, body: OAuthDisconnect) -> OAuthDisconnected:  # noqa: N803
    return OAuthDisconnected.of_disconnected(integration_service().disconnect(principal(app), storeId, body))


lambda_handler = lambda_entry(app)
