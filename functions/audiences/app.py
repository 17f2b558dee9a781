"""Audiences: staff administration under /v1/stores/{storeId}/audiences, and the public calls
(subscribe, access, confirm, unsubscribe) there and under the /v1/storefront/{storeId} alias.

`confirm` and `unsubscribe` are registered before `/{audienceId}` so they are never read as ids.
The storefront also reads active audiences here (find and get, no bearer needed).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from storecrm.arky.schemas.audiences import (
    AccessResponse,
    AudienceOut,
    Confirmed,
    SubscriberAdded,
    SubscribeResponse,
    SubscriberOut,
    Unsubscribed,
)
from storecrm.arky.schemas.common import Deleted, Page
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import PROFILE_BEARER, PUBLIC_STORE, STAFF_CHANGE, STAFF_READ, errors
from storecrm.http.query import json_param, json_shape
from storecrm.http.urls import public_base_url
from storecrm.messaging.audience_signup import SubscribeRequest
from storecrm.messaging.audiences import AddSubscriber, AudienceChanges, AudienceQuery, NewAudience
from storecrm.messaging.models.audiences import AudienceStatus
from storecrm.services import audience_service, audience_signup

IDS = json_shape(list[str])
TOKEN = Query(min_length=1, max_length=2000, description="The token from the mailed link")
# The find parameters staff and storefronts share.
IdsParam = Annotated[str | None, Query(max_length=4000, description="JSON array of audience ids")]
StatusParam = Annotated[AudienceStatus | None, Query()]
KeyPrefixParam = Annotated[str | None, Query(max_length=64, description="Prefix of audience keys")]
LimitParam = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=2048)]
# An id, a key or `{storeId}:{key}`.
AudienceRef = Annotated[str, Path(min_length=1, max_length=140)]

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


# ---------------------------------------------------------------- public links (before /{audienceId})
@app.get("/v1/stores/<storeId>/audiences/confirm", summary="Confirm a double opt-in subscription (mailed link)",
         tags=["Audiences (public)"], responses=PUBLIC_STORE)
def confirm(storeId: str, token: Annotated[str, TOKEN]) -> Confirmed:  # noqa: N803 - path parameter name
    audience_signup().confirm(storeId, token)
    return Confirmed(confirmed=True)


@app.get("/v1/stores/<storeId>/audiences/unsubscribe", summary="Unsubscribe (mailed link)",
         tags=["Audiences (public)"], responses=errors(404, 409))
def unsubscribe(storeId: str, token: Annotated[str, TOKEN]) -> Unsubscribed:  # noqa: N803
    audience_signup().unsubscribe(storeId, token)
    return Unsubscribed(unsubscribed=True)


ONE_CLICK_PATHS = ("/v1/stores/{storeId}/audiences/unsubscribe", "/v1/storefront/{storeId}/audiences/unsubscribe")


@app.post("/v1/stores/<storeId>/audiences/unsubscribe", summary="One-click unsubscribe (RFC 8058)",
          description=("What a mail client POSTs to the mailed List-Unsubscribe link, with the body "
                       "`List-Unsubscribe=One-Click` (multipart/form-data or application/x-www-form-urlencoded); the "
                       "body is not read, the token in the query says what to cancel."),
          tags=["Audiences (public)"], responses=errors(404, 409))
def one_click_unsubscribe(storeId: str, token: Annotated[str, TOKEN]) -> Unsubscribed:  # noqa: N803
    return unsubscribe(storeId, token)


@app.get("/v1/storefront/<storeId>/audiences/confirm", summary="Confirm a subscription (storefront alias)",
         tags=["Storefront"], responses=PUBLIC_STORE)
def storefront_confirm(storeId: str, token: Annotated[str, TOKEN]) -> Confirmed:  # noqa: N803
    return confirm(storeId, token)


@app.get("/v1/storefront/<storeId>/audiences/unsubscribe", summary="Unsubscribe (storefront alias)",
         tags=["Storefront"], responses=errors(404, 409))
def storefront_unsubscribe(storeId: str, token: Annotated[str, TOKEN]) -> Unsubscribed:  # noqa: N803
    return unsubscribe(storeId, token)


@app.post("/v1/storefront/<storeId>/audiences/unsubscribe", summary="One-click unsubscribe (storefront alias)",
          tags=["Storefront"], responses=errors(404, 409))
def storefront_one_click_unsubscribe(storeId: str, token: Annotated[str, TOKEN]) -> Unsubscribed:  # noqa: N803
    return unsubscribe(storeId, token)


# ---------------------------------------------------------------- staff
@app.post("/v1/stores/<storeId>/audiences", summary="Create an audience", tags=["Audiences"], responses=STAFF_CHANGE)
def create_audience(storeId: str, body: NewAudience) -> AudienceOut:  # noqa: N803
    return AudienceOut.of(audience_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/audiences", summary="Find audiences", tags=["Audiences"], responses=STAFF_READ)
def find_audiences(
    storeId: str,  # noqa: N803
    ids: IdsParam = None,
    status: StatusParam = None,
    query: KeyPrefixParam = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[AudienceOut]:
    q = AudienceQuery(ids=json_param(ids, IDS, "ids"), status=status, query=query, limit=limit, cursor=cursor)
    audiences, next_cursor = audience_service().find(principal(app), storeId, q)
    return Page[AudienceOut](items=[AudienceOut.of(a) for a in audiences], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/audiences/<audienceId>", summary="Get an audience by id, key or storeId:key",
         tags=["Audiences"], responses=STAFF_READ)
def get_audience(storeId: str, audienceId: str) -> AudienceOut:  # noqa: N803
    # One AWS call by id; a key costs a second read (the marker names the audience id).
    return AudienceOut.of(audience_service().get(principal(app), storeId, audienceId))


@app.put("/v1/stores/<storeId>/audiences/<audienceId>", summary="Update key, status or confirmation template",
         tags=["Audiences"], responses=STAFF_CHANGE)
def update_audience(storeId: str, audienceId: str, body: AudienceChanges) -> AudienceOut:  # noqa: N803
    return AudienceOut.of(audience_service().update(principal(app), storeId, audienceId, body))


@app.get("/v1/stores/<storeId>/audiences/<audienceId>/subscribers", summary="List an audience's subscribers",
         tags=["Audiences"], responses=STAFF_READ)
def list_subscribers(
    storeId: str,  # noqa: N803
    audienceId: str,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[SubscriberOut]:
    subs, next_cursor = audience_service().subscribers(principal(app), storeId, audienceId, limit, cursor)
    return Page[SubscriberOut](items=[SubscriberOut.of(s) for s in subs], cursor=next_cursor)


@app.post("/v1/stores/<storeId>/audiences/<audienceId>/subscribers", summary="Add a subscriber (skips if subscribed)",
          tags=["Audiences"], responses=STAFF_CHANGE)
def add_subscriber(storeId: str, audienceId: str, body: AddSubscriber) -> SubscriberAdded:  # noqa: N803
    subscription, skipped = audience_service().add_subscriber(principal(app), storeId, audienceId, body.profile_id)
    return SubscriberAdded(subscriber=SubscriberOut.of(subscription), skipped=skipped)


@app.delete("/v1/stores/<storeId>/audiences/<audienceId>/subscribers/<profileId>", summary="Remove a subscriber",
            tags=["Audiences"], responses=STAFF_CHANGE)
def remove_subscriber(storeId: str, audienceId: str, profileId: str) -> Deleted:  # noqa: N803
    return Deleted(deleted=audience_service().remove_subscriber(principal(app), storeId, audienceId, profileId))


# ---------------------------------------------------------------- public, with a profile session
@app.post("/v1/stores/<storeId>/audiences/<audienceId>/subscribe", summary="Subscribe the bearer's profile",
          tags=["Audiences (public)"], responses=errors(401, 403, 404, 409))
def subscribe(storeId: str, audienceId: str, body: SubscribeRequest) -> SubscribeResponse:  # noqa: N803
    # Double opt-in: four AWS calls (read, template, write, mail); see AudienceSignup.subscribe.
    return SubscribeResponse.of(audience_signup().subscribe(storeId, principal(app), audienceId, body,
                                                            public_base_url(app)))


@app.get("/v1/stores/<storeId>/audiences/<audienceId>/access", summary="Does the bearer's profile have access?",
         tags=["Audiences (public)"], responses=PROFILE_BEARER)
def access(storeId: str, audienceId: str) -> AccessResponse:  # noqa: N803
    return AccessResponse.of(audience_signup().access(storeId, principal(app), audienceId))


@app.post("/v1/storefront/<storeId>/audiences/<audienceId>/subscribe", summary="Subscribe (storefront alias)",
          tags=["Storefront"], responses=errors(401, 403, 404, 409))
def storefront_subscribe(storeId: str, audienceId: str, body: SubscribeRequest) -> SubscribeResponse:  # noqa: N803
    return subscribe(storeId, audienceId, body)


@app.get("/v1/storefront/<storeId>/audiences/<audienceId>/access", summary="Check access (storefront alias)",
         tags=["Storefront"], responses=PROFILE_BEARER)
def storefront_access(storeId: str, audienceId: str) -> AccessResponse:  # noqa: N803
    return access(storeId, audienceId)


# ---------------------------------------------------------------- storefront reads (after the links above)
@app.get("/v1/storefront/<storeId>/audiences", summary="The store's active audiences", tags=["Storefront"],
         responses=PUBLIC_STORE)
def storefront_find_audiences(
    storeId: str,  # noqa: N803
    ids: IdsParam = None,
    status: StatusParam = None,
    query: KeyPrefixParam = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[AudienceOut]:
    # Two AWS calls: the key markers' Query, then the page's audiences with the store (`ids`: one call).
    q = AudienceQuery(ids=json_param(ids, IDS, "ids"), status=status, query=query, limit=limit, cursor=cursor)
    audiences, next_cursor = audience_signup().listed(storeId, q)
    return Page[AudienceOut](items=[AudienceOut.of(a) for a in audiences], cursor=next_cursor)


@app.get("/v1/storefront/<storeId>/audiences/<audienceId>", summary="An active audience by id, key or storeId:key",
         tags=["Storefront"], responses=PUBLIC_STORE)
def storefront_get_audience(storeId: str, audienceId: AudienceRef) -> AudienceOut:  # noqa: N803
    return AudienceOut.of(audience_signup().shown(storeId, audienceId))


lambda_handler = lambda_entry(app, ignored_bodies=[("POST", path) for path in ONE_CLICK_PATHS])
