"""The NewStore-style customer profile API v0 under /v0: OAuth2 client credentials, consumer profiles,
their addresses and orders, and clienteling opt-ins.

Parsing and rendering only, over the same store-scoped profiles the arky and Pelcro routes show; the
tenant is the store of the API client's token (storecrm.domain.auth.client_store_id).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.domain.clienteling import ClientelingChange, ConsumerQuery
from storecrm.http.app import cors_config, lambda_entry
from storecrm.http.auth import principal
from storecrm.http.openapi import newstore_errors
from storecrm.newstore.clienteling import ConsumerList, ConsumerOut
from storecrm.newstore.clients import TokenOut, token_request
from storecrm.newstore.errors import response_of, use_newstore_errors
from storecrm.services import api_client_service, clienteling_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_newstore_errors(app)

TAG = "NewStore customer profiles v0"
TOKEN_ROUTE = ("POST", "/v0/token")


# ---------------------------------------------------------------- client credentials and clienteling
@app.post("/v0/token", summary="An access token for an API client (OAuth2 client_credentials, form or JSON)",
          description=("Body (application/x-www-form-urlencoded or JSON): `grant_type=client_credentials`, `scope` "
                       "(optional, space-separated, a subset of the client's), and `client_id` with `client_secret` "
                       "unless they are sent as HTTP Basic credentials. The token lives 15 minutes."),
          tags=[TAG], responses=newstore_errors(401, 429))
def token() -> TokenOut:
    event = app.current_event
    request = token_request(event.headers.get("content-type"), event.decoded_body or "",
                            event.headers.get("authorization"))
    return TokenOut.of(api_client_service().issue_token(request))


@app.put("/v0/clienteling/stores/<store_id>/consumers/<consumer_id>",
         summary="Set a consumer's clienteling consent at a store location (rejected there: rejected at all)",
         tags=[TAG], responses=newstore_errors(401, 402, 403, 404, 409))
def set_clienteling_state(store_id: str, consumer_id: str, body: ClientelingChange) -> ConsumerOut:
    return ConsumerOut.of(clienteling_service().set_state(principal(app), store_id, consumer_id, body))


@app.get("/v0/clienteling/stores/<store_id>/consumers",
         summary="A store location's clienteling consumers with their consent, in profile id order",
         tags=[TAG], responses=newstore_errors(401, 403, 404))
def clienteling_consumers(
    store_id: str,
    offset: Annotated[int, Query(ge=0)] = 0,
    count: Annotated[int, Query(ge=1, le=500)] = 10,
) -> ConsumerList:
    # Three AWS calls, one over a list's budget: the store, the location and its count (BatchGetItem), the
    # page's entries (Query), then their profiles (BatchGetItem), which the entries do not copy so that a
    # consumer's name, email and phone are the profile's own; see ClientelingService.consumers.
    page = clienteling_service().consumers(principal(app), store_id, ConsumerQuery(offset=offset, count=count))
    return ConsumerList.of(page)


lambda_handler = lambda_entry(app, render=response_of, forms=[TOKEN_ROUTE])
