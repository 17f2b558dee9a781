"""Store team: POST /v1/stores/{storeId}/members, DELETE /v1/stores/{storeId}/members/{accountId}."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.arky.schemas.common import Removed
from storecrm.domain.team import NewMember
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE
from storecrm.services import team_service

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


lambda_handler = lambda_entry(app)
