"""CRM profiles for store staff: /v1/stores/{storeId}/profiles and /v1/stores/{storeId}/profiles/{profileId}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.profiles import ProfileOut
from storecrm.crm.profiles import (
    MergeRequest,
    NewProfile,
    ProfileChanges,
    ProfileQuery,
    ProfileRecordsQuery,
    ProfileSortField,
)
from storecrm.deferred import DeferredModule
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.http.query import json_param, json_shape
from storecrm.kernel.fields import SortDirection
from storecrm.profiles.models.profiles import ProfileStatus
from storecrm.profiles.search import TaxonomyQuery
from storecrm.services import profile_service

if TYPE_CHECKING:
    from storecrm.arky.schemas import commerce as cart_schemas
    from storecrm.arky.schemas import orders as order_schemas
    from storecrm.arky.schemas import profile_detail
else:  # only the detail and the profile's carts and orders answer the cart and order schemas
    cart_schemas = DeferredModule("storecrm.arky.schemas.commerce")
    order_schemas = DeferredModule("storecrm.arky.schemas.orders")
    profile_detail = DeferredModule("storecrm.arky.schemas.profile_detail")

TAXONOMY_QUERY = json_shape(list[TaxonomyQuery])

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.post("/v1/stores/<storeId>/profiles", summary="Create a profile (returns the existing one for a known email)",
          tags=["Profiles"], responses=STAFF_CHANGE)
def create_profile(storeId: str, body: NewProfile) -> ProfileOut:  # noqa: N803 - path parameter name
    return ProfileOut.of(profile_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/profiles", summary="Find profiles", tags=["Profiles"], responses=STAFF_READ)
def find_profiles(
    storeId: str,  # noqa: N803
    query: Annotated[str | None, Query(max_length=200, description="Word prefixes of email, id, values")] = None,
    taxonomy_query: Annotated[str | None, Query(max_length=4000, description="JSON TaxonomyQuery[]")] = None,
    status: Annotated[ProfileStatus | None, Query()] = None,
    sort_field: Annotated[ProfileSortField, Query()] = "created_at",
    sort_direction: Annotated[SortDirection, Query()] = "desc",
    has_cart: Annotated[bool | None, Query(description="Holds a cart with items that was not checked out")] = None,
    has_activity: Annotated[bool | None, Query(description="Has had any cart, order or activity")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[ProfileOut]:
    q = ProfileQuery(query=query, taxonomy_query=json_param(taxonomy_query, TAXONOMY_QUERY, "taxonomy_query"),
                     status=status, sort_field=sort_field, sort_direction=sort_direction, has_cart=has_cart,
                     has_activity=has_activity, limit=limit, cursor=cursor)
    profiles, next_cursor = profile_service().find(principal(app), storeId, q)
    return Page[ProfileOut](items=[ProfileOut.of(p) for p in profiles], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/profiles/<profileId>", summary="Get a profile with its linked records",
         tags=["Profiles"], responses=STAFF_READ)
def get_profile(storeId: str, profileId: str) -> profile_detail.StaffProfileDetail:  # noqa: N803
    # One AWS call (budget 1): access check, profile, its subscription list and commerce facts; one Query more
    # each for its newest carts and orders when it has some (up to 3); see ProfileService.detail.
    return profile_detail.StaffProfileDetail.of_view(profile_service().detail(principal(app), storeId, profileId))


@app.get("/v1/stores/<storeId>/profiles/<profileId>/carts", summary="A profile's carts, newest first",
         tags=["Profiles"], responses=STAFF_READ)
def profile_carts(
    storeId: str,  # noqa: N803
    profileId: str,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[cart_schemas.CartOut]:
    carts, next_cursor = profile_service().carts(principal(app), storeId, profileId,
                                                 ProfileRecordsQuery(limit=limit, cursor=cursor))
    return Page[cart_schemas.CartOut](items=[cart_schemas.CartOut.of(c) for c in carts], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/profiles/<profileId>/orders", summary="A profile's orders, newest first",
         tags=["Profiles"], responses=STAFF_READ)
def profile_orders(
    storeId: str,  # noqa: N803
    profileId: str,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[order_schemas.OrderOut]:
    orders, next_cursor = profile_service().orders(principal(app), storeId, profileId,
                                                   ProfileRecordsQuery(limit=limit, cursor=cursor))
    return Page[order_schemas.OrderOut](items=[order_schemas.OrderOut.of(o) for o in orders], cursor=next_cursor)


@app.put("/v1/stores/<storeId>/profiles/<profileId>", summary="Update a profile's email, taxonomies or status",
         tags=["Profiles"], responses=STAFF_CHANGE)
def update_profile(storeId: str, profileId: str, body: ProfileChanges) -> ProfileOut:  # noqa: N803
    return ProfileOut.of(profile_service().update(principal(app), storeId, profileId, body))


@app.post("/v1/stores/<storeId>/profiles/<profileId>/merge",
          summary="Merge a source profile into this one; the source is erased", tags=["Profiles"],
          responses=STAFF_CHANGE)
def merge_profile(storeId: str, profileId: str, body: MergeRequest) -> ProfileOut:  # noqa: N803
    return ProfileOut.of(profile_service().merge(principal(app), storeId, profileId, body))


@app.delete("/v1/stores/<storeId>/profiles/<profileId>/sessions/<tokenId>", summary="Revoke one session",
            tags=["Profiles"], responses=STAFF_CHANGE)
def revoke_session(storeId: str, profileId: str, tokenId: str) -> Deleted:  # noqa: N803
    profile_service().revoke_session(principal(app), storeId, profileId, tokenId)
    return Deleted(deleted=True)


@app.delete("/v1/stores/<storeId>/profiles/<profileId>/sessions", summary="Revoke every session (log out everywhere)",
            tags=["Profiles"], responses=STAFF_CHANGE)
def revoke_all_sessions(storeId: str, profileId: str) -> Deleted:  # noqa: N803
    # Two AWS calls (budget 1-2) for up to 97 sessions: a Query finds them all, one transaction checks
    # access and deletes them, so revocation takes effect at once; see ProfileService.revoke_all_sessions.
    profile_service().revoke_all_sessions(principal(app), storeId, profileId)
    return Deleted(deleted=True)


lambda_handler = lambda_entry(app)
