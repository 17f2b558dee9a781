"""Absolute URLs of this API, for links that leave it (mailed unsubscribe links)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver


def public_base_url(app: APIGatewayRestResolver) -> str:
    """Scheme, host and (on an execute-api host) stage of the current request, e.g.
    `https://abc.execute-api.us-east-1.amazonaws.com/prod` or `http://127.0.0.1:3000`."""
    event = app.current_event
    headers = event.headers
    host = headers.get("host") or "localhost"
    scheme = headers.get("x-forwarded-proto") or ("http" if host.startswith(("127.0.0.1", "localhost")) else "https")
    stage = event.request_context.stage
    prefix = f"/{stage}" if ".execute-api." in host and stage else ""
    return f"{scheme}://{host}{prefix}"
