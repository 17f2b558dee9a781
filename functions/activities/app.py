"""Profiles' activity timeline (issue 29): the storefront's track call, the staff's timeline and find, and the
tracking pixel of store mails (arky-sdk's `activity.track`, `crm.activity.timeline` / `find` and
`notification.trackEmailOpen`).

The User-Agent parser (ua-parser, this function's own package) loads on the first track call, not at cold start.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.activities import ActivityOut
from storecrm.arky.schemas.common import Page
from storecrm.crm.activities import ActivityQuery, ActivityType, TimelineQuery, TrackRequest
from storecrm.crm.request_context import request_context
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_READ, errors
from storecrm.http.query import json_param, json_shape
from storecrm.messaging.email_tracking import PIXEL_GIF_BASE64
from storecrm.services import activity_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)

TYPES = json_shape(list[ActivityType])
PIXEL_RESPONSE: dict[int, Any] = {200: {"description": "A transparent 1x1 GIF, whatever the token",
                                              "content": {"image/gif": {"schema": {"type": "string",
                                                                                   "format": "binary"}}}}}


@app.post("/v1/storefront/<storeId>/activities/track", summary="Record what the bearer's shopper did",
          tags=["Storefront"], responses=errors(401, 404, 429))
def track(storeId: str, body: TrackRequest) -> ActivityOut:  # noqa: N803 - path parameter name from the template
    # One AWS call (a transaction; see ActivityService.track), plus the store's retention once per container.
    headers = dict(app.current_event.headers or {})
    return ActivityOut.of(activity_service().track(storeId, principal(app), body, request_context(headers)))


@app.get("/v1/stores/<storeId>/activities/timeline", summary="One profile's activities, newest first",
         tags=["Activities"], responses=STAFF_READ)
def timeline(
    storeId: str,  # noqa: N803
    profile_id: Annotated[str, Query(min_length=1, max_length=64)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Page[ActivityOut]:
    # Two AWS calls (budget 1-2): the access read with the profile, then one Query.
    q = TimelineQuery(profile_id=profile_id, limit=limit, cursor=cursor)
    page = activity_service().timeline(principal(app), storeId, q)
    return Page[ActivityOut](items=[ActivityOut.of(a) for a in page.items], cursor=page.cursor)


@app.get("/v1/stores/<storeId>/activities", summary="The store's activities by type and time, newest first",
         tags=["Activities"], responses=STAFF_READ)
def find(
    storeId: str,  # noqa: N803
    profile_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    types: Annotated[str | None, Query(max_length=2000, description="JSON array of activity types")] = None,
    since: Annotated[int | None, Query(alias="from", ge=0, le=9_999_999_999, description="Unix seconds")] = None,
    until: Annotated[int | None, Query(alias="to", ge=0, le=9_999_999_999, description="Unix seconds")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Page[ActivityOut]:
    # Two AWS calls (budget 1-2): the access read, then one Query.
    q = ActivityQuery(profile_id=profile_id, types=json_param(types, TYPES, "types") or [], since=since,
                      until=until, limit=limit, cursor=cursor)
    page = activity_service().find(principal(app), storeId, q)
    return Page[ActivityOut](items=[ActivityOut.of(a) for a in page.items], cursor=page.cursor)


@app.get("/v1/notifications/track/pixel/<token>", summary="A store mail's tracking pixel", tags=["Notifications"],
         responses=PIXEL_RESPONSE)
def email_pixel(token: str) -> Response[str]:
    # Secrets Manager once per container (the signing keys), then one transaction; nothing for a bad token (any
    # length: a mail client gets its image whatever the URL says).
    activity_service().email_opened(token)
    # Already base64 (a bytes body would go through the response validation's JSON encoder first).
    pixel = Response(200, "image/gif", PIXEL_GIF_BASE64, headers={"Cache-Control": "no-store"})
    pixel.base64_encoded = True
    return pixel


lambda_handler = lambda_entry(app)
