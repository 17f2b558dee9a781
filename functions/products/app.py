"""Products (arky-sdk 0.9.1 `eshop` products): staff under /v1/stores/{storeId}/products and
/v1/stores/{storeId}/products/{productId} (an id, `{storeId}:{key}` or `{storeId}:{language}:{slug}`), and the
storefront's reads of active products under /v1/storefront/{storeId}/products (no bearer needed).

The storefront reads live here, not in the storefront function, so that function's cold start does not
pay for the catalog.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.products import ProductOut
from storecrm.catalog.models.products import ProductStatus
from storecrm.catalog.products import NewProduct, ProductChanges, ProductQuery
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import PUBLIC_STORE, STAFF_CHANGE, STAFF_READ
from storecrm.http.query import json_param, json_shape
from storecrm.kernel.keyed_find import SortDirection, SortField
from storecrm.profiles.search import TaxonomyQuery
from storecrm.services import product_catalog, product_service

IDS = json_shape(list[str])
TAXONOMY_QUERY = json_shape(list[TaxonomyQuery])
# The find parameters staff and storefronts share.
IdsParam = Annotated[str | None, Query(max_length=4000, description="JSON array of product ids")]
TaxonomyQueryParam = Annotated[str | None, Query(max_length=4000, description="JSON array of taxonomy queries")]
MatchAllParam = Annotated[bool, Query(description="Every taxonomy query must match (false: any one)")]
StatusParam = Annotated[ProductStatus | None, Query()]
KeyPrefixParam = Annotated[str | None, Query(max_length=128, description="Prefix of product keys")]
SortFieldParam = Annotated[SortField | None, Query(description="Default created_at (key with a query)")]
SortDirectionParam = Annotated[SortDirection | None, Query(description="Default desc (asc in key order)")]
CreatedParam = Annotated[int | None, Query(ge=0)]
LimitParam = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=2048)]
ProductRef = Annotated[str, Path(min_length=1, max_length=300)]

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


def _query(ids: str | None, taxonomy_query: str | None, match_all: bool, status: ProductStatus | None,
           query: str | None, sort_field: SortField | None, sort_direction: SortDirection | None,
           created_at_from: int | None, created_at_to: int | None, limit: int, cursor: str | None) -> ProductQuery:
    return ProductQuery(ids=json_param(ids, IDS, "ids"),
                        taxonomy_query=json_param(taxonomy_query, TAXONOMY_QUERY, "taxonomy_query"),
                        match_all=match_all, status=status, query=query, sort_field=sort_field,
                        sort_direction=sort_direction, created_at_from=created_at_from, created_at_to=created_at_to,
                        limit=limit, cursor=cursor)


# ---------------------------------------------------------------- staff
@app.post("/v1/stores/<storeId>/products", summary="Create a product", tags=["Products"], responses=STAFF_CHANGE)
def create_product(storeId: str, body: NewProduct) -> ProductOut:  # noqa: N803 - path parameter name
    return ProductOut.of(product_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/products", summary="Find products", tags=["Products"], responses=STAFF_READ)
def find_products(
    storeId: str,  # noqa: N803
    ids: IdsParam = None,
    taxonomy_query: TaxonomyQueryParam = None,
    match_all: MatchAllParam = True,
    status: StatusParam = None,
    query: KeyPrefixParam = None,
    sort_field: SortFieldParam = None,
    sort_direction: SortDirectionParam = None,
    created_at_from: CreatedParam = None,
    created_at_to: CreatedParam = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Page[ProductOut]:
    q = _query(ids, taxonomy_query, match_all, status, query, sort_field, sort_direction, created_at_from,
               created_at_to, limit, cursor)
    products, next_cursor = product_service().find(principal(app), storeId, q)
    return Page[ProductOut](items=[ProductOut.of(p) for p in products], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/products/<productId>", summary="Get a product by id, storeId:key or "
         "storeId:language:slug", tags=["Products"], responses=STAFF_READ)
def get_product(storeId: str, productId: ProductRef) -> ProductOut:  # noqa: N803
    # One AWS call by id; a key or slug costs a second read (the marker names the product id).
    return ProductOut.of(product_service().get(principal(app), storeId, productId))


@app.put("/v1/stores/<storeId>/products/<productId>", summary="Update a product", tags=["Products"],
         responses=STAFF_CHANGE)
def update_product(storeId: str, productId: ProductRef, body: ProductChanges) -> ProductOut:  # noqa: N803
    return ProductOut.of(product_service().update(principal(app), storeId, productId, body))


@app.delete("/v1/stores/<storeId>/products/<productId>", summary="Delete a product", tags=["Products"],
            responses=STAFF_CHANGE)
def delete_product(storeId: str, productId: ProductRef) -> Deleted:  # noqa: N803
    product_service().delete(principal(app), storeId, productId)
    return Deleted(deleted=True)


# ---------------------------------------------------------------- storefront
@app.get("/v1/storefront/<storeId>/products", summary="The store's active products", tags=["Storefront"],
         responses=PUBLIC_STORE)
def storefront_find_products(
    storeId: str,  # noqa: N803
    ids: IdsParam = None,
    taxonomy_query: TaxonomyQueryParam = None,
    match_all: MatchAllParam = True,
    status: StatusParam = None,
    query: KeyPrefixParam = None,
    sort_field: SortFieldParam = None,
    sort_direction: SortDirectionParam = None,
    created_at_from: CreatedParam = None,
    created_at_to: CreatedParam = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Page[ProductOut]:
    q = _query(ids, taxonomy_query, match_all, status, query, sort_field, sort_direction, created_at_from,
               created_at_to, limit, cursor)
    products, next_cursor = product_catalog().listed(storeId, q)
    return Page[ProductOut](items=[ProductOut.of(p) for p in products], cursor=next_cursor)


@app.get("/v1/storefront/<storeId>/products/<productId>", summary="An active product by id, storeId:key or "
         "storeId:language:slug", tags=["Storefront"], responses=PUBLIC_STORE)
def storefront_get_product(storeId: str, productId: ProductRef) -> ProductOut:  # noqa: N803
    return ProductOut.of(product_catalog().shown(storeId, productId))


lambda_handler = lambda_entry(app)
