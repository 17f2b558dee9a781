"""API clients (OAuth2 client credentials for the NewStore-style API) as the arky-style admin API answers them."""

from __future__ import annotations

from storecrm.arky.schemas.common import Out
from storecrm.identity.auth import ClientScope
from storecrm.stores.api_clients import IssuedClient
from storecrm.stores.models.api_clients import ApiClient


class ApiClientOut(Out):
    id: str
    client_id: str  # the same as id: what POST /v0/token takes
    store_id: str
    name: str
    scopes: list[ClientScope]
    created_by: str
    created_at: int
    updated_at: int
    revoked_at: int | None

    @classmethod
    def of(cls, client: ApiClient) -> ApiClientOut:
        return cls.model_validate({**client.model_dump(exclude={"secret_hash"}), "client_id": client.id})


class CreatedApiClient(ApiClientOut):
    client_secret: str  # shown this once; only its hash is kept

    @classmethod
    def of_issued(cls, issued: IssuedClient) -> CreatedApiClient:
        return cls.model_validate({**ApiClientOut.of(issued.client).model_dump(), "client_secret": issued.secret})


class Revoked(Out):
    revoked: bool
