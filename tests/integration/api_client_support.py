"""Helpers for the API-client (OAuth2 client credentials) tests: make a client, get its token."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from tests.support import Api, Reply

ALL_SCOPES = ["profiles:read", "profiles:write", "profiles:delete"]


def new_client(api: Api, token: str, store_id: str, scopes: list[str] | None = None,
               name: str = "Back office") -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store_id}/api-clients",
                     {"name": name, "scopes": ALL_SCOPES if scopes is None else scopes}, token=token)
    assert reply.status == 200, reply.body
    return reply.body


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def request_token(api: Api, client: dict[str, Any], secret: str | None = None, **form: str) -> Reply:
    """POST /v0/token as a form with HTTP Basic credentials, the way most OAuth2 libraries send it."""
    body = urlencode({"grant_type": "client_credentials", **form})
    return api.call("POST", "/v0/token", raw_body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": basic(client["client_id"], secret if secret is not None else client["client_secret"])})


def client_token(api: Api, client: dict[str, Any], **form: str) -> str:
    reply = request_token(api, client, **form)
    assert reply.status == 200, reply.body
    return str(reply.body["access_token"])
