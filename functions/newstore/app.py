"""The NewStore-style customer profile API v0 under /v0: OAuth2 client credentials, consumer profiles,
their addresses and orders, and clienteling opt-ins.

Parsing and rendering only, over the same store-scoped profiles the arky and Pelcro routes show; the
tenant is the store of the API client's token (storecrm.domain.auth.client_store_id).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.http.app import cors_config, lambda_entry
from storecrm.newstore.errors import response_of, use_newstore_errors

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_newstore_errors(app)

TAG = "NewStore customer profiles v0"


lambda_handler = lambda_entry(app, render=response_of)
