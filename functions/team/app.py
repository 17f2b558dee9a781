"""Store team: members (POST /v1/stores/{storeId}/members, DELETE .../members/{accountId}) and API clients
(GET, POST /v1/stores/{storeId}/api-clients, DELETE .../api-clients/{clientId}), who may act for the store."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.api_clients import ApiClientOut, CreatedApiClient, Revoked
from storecrm.arky.schemas.common import Page, Removed
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.services import api_client_service, team_service
from storecrm.stores.api_clients import ApiClientQuery, NewApiClient
from storecrm.stores.team import NewMember

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.post("/v1/stores/<storeId>/members", summary="Add a member (creates the account if needed)", tags=["Team"],
          responses=STAFF_CHANGE)
def add_member(storeId: str, body: NewMember) -> bool:  # noqa: N803 - path parameter name from the template
    team_service().add_member(principal(app), storeId, body)
    return True


@app.delete("/v1/stores/<storeId>/members/<accountId>", summary="Remove a member", tags=["Team"],
            responses=STAFF_CHANGE)
def remove_member(storeId: str, accountId: str) -> Removed:  # noqa: N803
    team_service().remove_member(principal(app), storeId, accountId)
    return Removed(removed=True)


@app.post("/v1/stores/<storeId>/api-clients",
          summary="Create an API client (owners; the secret is shown this once)", tags=["Team"],
          responses=STAFF_CHANGE)
def create_api_client(storeId: str, body: NewApiClient) -> CreatedApiClient:  # noqa: N803
    return CreatedApiClient.of_issued(api_client_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/api-clients", summary="List the store's API clients (owners)", tags=["Team"],
         responses=STAFF_READ)
def list_api_clients(
    storeId: str,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[ApiClientOut]:
    clients, next_cursor = api_client_service().list(principal(app), storeId,
                                                     ApiClientQuery(limit=limit, cursor=cursor))
    return Page[ApiClientOut](items=[ApiClientOut.of(c) for c in clients], cursor=next_cursor)


@app.delete("/v1/stores/<storeId>/api-clients/<clientId>",
            summary="Revoke an API client: no new tokens (issued ones run out within 15 minutes)", tags=["Team"],
            responses=STAFF_CHANGE)
def revoke_api_client(storeId: str, clientId: str) -> Revoked:  # noqa: N803
    api_client_service().revoke(principal(app), storeId, clientId)
    return Revoked(revoked=True)


lambda_handler = lambda_entry(app)
