"""Store team: POST /v1/stores/{storeId}/members, DELETE /v1/stores/{storeId}/members/{accountId}."""

from __future__ import annotations

from storecrm.arky.schemas import Removed
from storecrm.domain.team import NewMember
from storecrm.http.app import create_resolver, lambda_entry
from storecrm.http.auth import principal
from storecrm.services import team_service

app = create_resolver()


@app.post("/v1/stores/<storeId>/members", summary="Add a member (creates the account if needed)", tags=["Team"])
def add_member(storeId: str, body: NewMember) -> bool:  # noqa: N803 - path parameter name from the template
    team_service().add_member(principal(app), storeId, body)
    return True


@app.delete("/v1/stores/<storeId>/members/<accountId>", summary="Remove a member", tags=["Team"])
def remove_member(storeId: str, accountId: str) -> Removed:  # noqa: N803
    team_service().remove_member(principal(app), storeId, accountId)
    return Removed(removed=True)


lambda_handler = lambda_entry(app)
