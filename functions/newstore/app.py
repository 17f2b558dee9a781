"""The NewStore-style customer profile API v0 under /v0: OAuth2 client credentials, consumer profiles,
their addresses and orders, and clienteling opt-ins.

Parsing and rendering only, over the same store-scoped profiles the arky and Pelcro routes show; the
tenant is the store of the API client's token (storecrm.domain.auth.client_store_id).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.http.app import cors_config, lambda_entry
from storecrm.http.openapi import newstore_errors
from storecrm.newstore.clients import TokenOut, token_request
from storecrm.newstore.errors import response_of, use_newstore_errors
from storecrm.services import api_client_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_newstore_errors(app)

TAG = "NewStore customer profiles v0"
TOKEN_ROUTE = ("POST", "/v0/token")


# ---------------------------------------------------------------- client credentials and clienteling
@app.post("/v0/token", summary="An access token for an API client (OAuth2 client_credentials, form or JSON)",
          tags=[TAG], responses=newstore_errors(401, 429))
def token() -> TokenOut:
    event = app.current_event
    request = token_request(event.headers.get("content-type"), event.decoded_body or "",
                            event.headers.get("authorization"))
    return TokenOut.of(api_client_service().issue_token(request))


lambda_handler = lambda_entry(app, render=response_of, forms=[TOKEN_ROUTE])
