"""Taxonomies (arky-sdk 0.9.1 `taxonomy` and the storefront's `taxonomy`): /v1/stores/{storeId}/taxonomies,
.../{taxonomyId} (an id or `{storeId}:{key}`) and .../{taxonomyId}/children; storefronts read active ones under
/v1/storefront/{storeId}/taxonomies."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.taxonomies import TaxonomyOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import PUBLIC_STORE, STAFF_CHANGE, STAFF_READ
from storecrm.http.query import json_param, json_shape
from storecrm.kernel.keyed_find import SortDirection, SortField
from storecrm.profiles.models.taxonomies import TaxonomyStatus
from storecrm.profiles.taxonomies import NewTaxonomy, TaxonomyChanges, TaxonomyKey, TaxonomyQuery
from storecrm.services import taxonomy_service

IDS = json_shape(list[str])

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.post("/v1/stores/<storeId>/taxonomies", summary="Create a taxonomy", tags=["Taxonomies"],
          responses=STAFF_CHANGE)
def create_taxonomy(storeId: str, body: NewTaxonomy) -> TaxonomyOut:  # noqa: N803 - path parameter name
    return TaxonomyOut.of(taxonomy_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/taxonomies", summary="Find taxonomies (parent_id alone: that one's children)",
         tags=["Taxonomies"], responses=STAFF_READ)
def find_taxonomies(
    storeId: str,  # noqa: N803
    ids: Annotated[str | None, Query(max_length=4000, description="JSON array of taxonomy ids")] = None,
    key: Annotated[TaxonomyKey | None, Query()] = None,
    parent_id: Annotated[str | None, Query(max_length=64)] = None,
    query: Annotated[str | None, Query(max_length=255, description="Prefix of taxonomy keys")] = None,
    status: Annotated[TaxonomyStatus | None, Query()] = None,
    sort_field: Annotated[SortField | None, Query(description="Default created_at (key with a query)")] = None,
    sort_direction: Annotated[SortDirection | None, Query(description="Default desc (asc in key order)")] = None,
    created_at_from: Annotated[int | None, Query(ge=0)] = None,
    created_at_to: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[TaxonomyOut]:
    q = TaxonomyQuery(ids=json_param(ids, IDS, "ids"), key=key, parent_id=parent_id, query=query, status=status,
                      sort_field=sort_field, sort_direction=sort_direction, created_at_from=created_at_from,
                      created_at_to=created_at_to, limit=limit, cursor=cursor)
    items, next_cursor = taxonomy_service().find(principal(app), storeId, q)
    return Page[TaxonomyOut](items=[TaxonomyOut.of(t) for t in items], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/taxonomies/<taxonomyId>", summary="Get a taxonomy by id or storeId:key",
         tags=["Taxonomies"], responses=STAFF_READ)
def get_taxonomy(storeId: str, taxonomyId: str) -> TaxonomyOut:  # noqa: N803
    # One AWS call by id; a key costs a second read (the key marker names the id).
    return TaxonomyOut.of(taxonomy_service().get(principal(app), storeId, taxonomyId))


@app.get("/v1/stores/<storeId>/taxonomies/<taxonomyId>/children", summary="A taxonomy's direct children",
         tags=["Taxonomies"], responses=STAFF_READ)
def taxonomy_children(
    storeId: str,  # noqa: N803
    taxonomyId: str,  # noqa: N803
    status: Annotated[TaxonomyStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[TaxonomyOut]:
    items, next_cursor = taxonomy_service().children(principal(app), storeId, taxonomyId,
                                                     TaxonomyQuery(status=status, limit=limit, cursor=cursor))
    return Page[TaxonomyOut](items=[TaxonomyOut.of(t) for t in items], cursor=next_cursor)


@app.put("/v1/stores/<storeId>/taxonomies/<taxonomyId>", summary="Update a taxonomy (no cycles in the parent chain)",
         tags=["Taxonomies"], responses=STAFF_CHANGE)
def update_taxonomy(storeId: str, taxonomyId: str, body: TaxonomyChanges) -> TaxonomyOut:  # noqa: N803
    # A new parent costs one read per ancestor (at most MAX_DEPTH) to refuse cycles.
    return TaxonomyOut.of(taxonomy_service().update(principal(app), storeId, taxonomyId, body))


@app.delete("/v1/stores/<storeId>/taxonomies/<taxonomyId>",
            summary="Delete a taxonomy (409 while profiles, products or services use it: archive it instead)",
            tags=["Taxonomies"], responses=STAFF_CHANGE)
def delete_taxonomy(storeId: str, taxonomyId: str) -> Deleted:  # noqa: N803
    # Four AWS calls (budget 1-2): its users and its children are each found with a Query before the delete.
    taxonomy_service().delete(principal(app), storeId, taxonomyId)
    return Deleted(deleted=True)


@app.get("/v1/storefront/<storeId>/taxonomies/<taxonomyId>", summary="An active taxonomy, by id or storeId:key",
         tags=["Taxonomies"], responses=PUBLIC_STORE)
def storefront_taxonomy(storeId: str, taxonomyId: str) -> TaxonomyOut:  # noqa: N803
    return TaxonomyOut.of(taxonomy_service().public_get(storeId, taxonomyId))


@app.get("/v1/storefront/<storeId>/taxonomies/<taxonomyId>/children", summary="An active taxonomy's active children",
         tags=["Taxonomies"], responses=PUBLIC_STORE)
def storefront_taxonomy_children(
    storeId: str,  # noqa: N803
    taxonomyId: str,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[TaxonomyOut]:
    items, next_cursor = taxonomy_service().public_children(storeId, taxonomyId,
                                                            TaxonomyQuery(limit=limit, cursor=cursor))
    return Page[TaxonomyOut](items=[TaxonomyOut.of(t) for t in items], cursor=next_cursor)


lambda_handler = lambda_entry(app)
