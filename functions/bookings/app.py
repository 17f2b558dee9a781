"""Bookable services (arky-sdk 0.9.1 `eshop` services, providers, service providers): staff under
/v1/stores/{storeId}/services, /providers and /service-providers; storefront reads of the active ones under
/v1/storefront/{storeId}/... (no bearer needed)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from storecrm.arky.schemas.bookings import AvailabilityOut, ProviderOut, ServiceOut, ServiceProviderOut
from storecrm.arky.schemas.common import Deleted, Page
from storecrm.bookings.bookings import (
    AvailabilityQuery,
    CatalogQuery,
    NewProvider,
    NewService,
    NewServiceProvider,
    ProviderChanges,
    ServiceChanges,
    ServiceProviderChanges,
)
from storecrm.bookings.models.bookings import ServiceStatus
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import PUBLIC_STORE, STAFF_CHANGE, STAFF_READ
from storecrm.http.query import json_param, json_shape
from storecrm.profiles.search import TaxonomyQuery
from storecrm.services import (
    availability_finder,
    booking_catalog,
    provider_service,
    service_catalog_service,
    service_provider_service,
)

IDS = json_shape(list[str])
TAXONOMY_QUERY = json_shape(list[TaxonomyQuery])
IdsParam = Annotated[str | None, Query(max_length=4000, description="JSON array of ids")]
KeyPrefixParam = Annotated[str | None, Query(max_length=128, description="Prefix of keys")]
StatusParam = Annotated[ServiceStatus | None, Query()]
IdParam = Annotated[str | None, Query(max_length=64)]
LimitParam = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=2048)]
Ref = Annotated[str, Path(min_length=1, max_length=300)]
LinkId = Annotated[str, Path(min_length=1, max_length=64)]
ServiceIdParam = Annotated[str, Query(min_length=1, max_length=64)]
FromParam = Annotated[int, Query(alias="from", ge=0, le=10**10, description="Unix seconds")]
ToParam = Annotated[int, Query(ge=0, le=10**10, description="Unix seconds; at most 31 days after from")]
# The client's GetServicesParams / GetProvidersParams beyond ids, query and status.
SortFieldParam = Annotated[Literal["created_at"] | None, Query(description="Only created_at (the listing order)")]
SortDirectionParam = Annotated[Literal["asc", "desc"] | None, Query(description="Default asc (oldest first)")]
CreatedParam = Annotated[int | None, Query(ge=0, le=10**10)]
TaxonomyQueryParam = Annotated[str | None, Query(max_length=4000, description="JSON array of taxonomy queries")]
MatchAllParam = Annotated[bool, Query(description="Every taxonomy query must match (false: any one)")]
WindowFromParam = Annotated[int | None, Query(alias="from", ge=0, le=10**10,
                                              description="Refused (400): see services/availability")]
WindowToParam = Annotated[int | None, Query(ge=0, le=10**10, description="Refused (400): see services/availability")]

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


def _query(ids: str | None, query: str | None, status: ServiceStatus | None, service_id: str | None,
           provider_id: str | None, limit: int, cursor: str | None, *, taxonomy_query: str | None,
           start: int | None, to: int | None, **ordering: Any) -> CatalogQuery:
    """The find's query; `ordering` is sort_field, sort_direction, created_at_from, created_at_to and match_all."""
    return CatalogQuery(ids=json_param(ids, IDS, "ids"), query=query, status=status, service_id=service_id,
                        provider_id=provider_id, limit=limit, cursor=cursor,
                        taxonomy_query=json_param(taxonomy_query, TAXONOMY_QUERY, "taxonomy_query"),
                        window=(start, to), **ordering)


# ---------------------------------------------------------------- staff: services
@app.post("/v1/stores/<storeId>/services", summary="Create a service", tags=["Bookings"], responses=STAFF_CHANGE)
def create_service(storeId: str, body: NewService) -> ServiceOut:  # noqa: N803 - path parameter name
    return ServiceOut.of(service_catalog_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/services", summary="Find services", tags=["Bookings"], responses=STAFF_READ)
def find_services(storeId: str, ids: IdsParam = None, query: KeyPrefixParam = None,  # noqa: N803
                  status: StatusParam = None, provider_id: IdParam = None, limit: LimitParam = 20,
                  cursor: CursorParam = None, sort_field: SortFieldParam = None,
                  sort_direction: SortDirectionParam = None, created_at_from: CreatedParam = None,
                  created_at_to: CreatedParam = None, taxonomy_query: TaxonomyQueryParam = None,
                  match_all: MatchAllParam = True, start: WindowFromParam = None,
                  to: WindowToParam = None) -> Page[ServiceOut]:
    found, next_cursor = service_catalog_service().find(principal(app), storeId, _query(
        ids, query, status, None, provider_id, limit, cursor,
        sort_field=sort_field, sort_direction=sort_direction, created_at_from=created_at_from,
        created_at_to=created_at_to, taxonomy_query=taxonomy_query, match_all=match_all, start=start, to=to))
    return Page[ServiceOut](items=[ServiceOut.of(s) for s in found], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/services/availability", summary="Free slots of a service's providers",
         tags=["Bookings"], responses=STAFF_READ)
def service_availability(storeId: str, service_id: ServiceIdParam, start: FromParam, to: ToParam,  # noqa: N803
                         provider_id: IdParam = None) -> AvailabilityOut:
    query = AvailabilityQuery(service_id=service_id, provider_id=provider_id, from_=start, to=to)
    return AvailabilityOut.of(availability_finder().staff(principal(app), storeId, query))


@app.get("/v1/stores/<storeId>/services/<serviceId>", summary="Get a service by id, storeId:key or "
         "storeId:language:slug", tags=["Bookings"], responses=STAFF_READ)
def get_service(storeId: str, serviceId: Ref) -> ServiceOut:  # noqa: N803
    return ServiceOut.of(service_catalog_service().get(principal(app), storeId, serviceId))


@app.put("/v1/stores/<storeId>/services/<serviceId>", summary="Update a service", tags=["Bookings"],
         responses=STAFF_CHANGE)
def update_service(storeId: str, serviceId: Ref, body: ServiceChanges) -> ServiceOut:  # noqa: N803
    return ServiceOut.of(service_catalog_service().update(principal(app), storeId, serviceId, body))


@app.delete("/v1/stores/<storeId>/services/<serviceId>", summary="Delete a service and its providers' terms",
            tags=["Bookings"], responses=STAFF_CHANGE)
def delete_service(storeId: str, serviceId: Ref) -> Deleted:  # noqa: N803
    service_catalog_service().delete(principal(app), storeId, serviceId)
    return Deleted(deleted=True)


# ---------------------------------------------------------------- staff: providers
@app.post("/v1/stores/<storeId>/providers", summary="Create a provider", tags=["Bookings"], responses=STAFF_CHANGE)
def create_provider(storeId: str, body: NewProvider) -> ProviderOut:  # noqa: N803
    return ProviderOut.of(provider_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/providers", summary="Find providers", tags=["Bookings"], responses=STAFF_READ)
def find_providers(storeId: str, ids: IdsParam = None, query: KeyPrefixParam = None,  # noqa: N803
                   status: StatusParam = None, service_id: IdParam = None, limit: LimitParam = 20,
                   cursor: CursorParam = None, sort_field: SortFieldParam = None,
                   sort_direction: SortDirectionParam = None, created_at_from: CreatedParam = None,
                   created_at_to: CreatedParam = None, taxonomy_query: TaxonomyQueryParam = None,
                   match_all: MatchAllParam = True, start: WindowFromParam = None,
                   to: WindowToParam = None) -> Page[ProviderOut]:
    found, next_cursor = provider_service().find(principal(app), storeId, _query(
        ids, query, status, service_id, None, limit, cursor,
        sort_field=sort_field, sort_direction=sort_direction, created_at_from=created_at_from,
        created_at_to=created_at_to, taxonomy_query=taxonomy_query, match_all=match_all, start=start, to=to))
    return Page[ProviderOut](items=[ProviderOut.of(p) for p in found], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/providers/<providerId>", summary="Get a provider by id, storeId:key or "
         "storeId:language:slug", tags=["Bookings"], responses=STAFF_READ)
def get_provider(storeId: str, providerId: Ref) -> ProviderOut:  # noqa: N803
    return ProviderOut.of(provider_service().get(principal(app), storeId, providerId))


@app.put("/v1/stores/<storeId>/providers/<providerId>", summary="Update a provider", tags=["Bookings"],
         responses=STAFF_CHANGE)
def update_provider(storeId: str, providerId: Ref, body: ProviderChanges) -> ProviderOut:  # noqa: N803
    return ProviderOut.of(provider_service().update(principal(app), storeId, providerId, body))


@app.delete("/v1/stores/<storeId>/providers/<providerId>", summary="Delete a provider and its terms",
            tags=["Bookings"], responses=STAFF_CHANGE)
def delete_provider(storeId: str, providerId: Ref) -> Deleted:  # noqa: N803
    provider_service().delete(principal(app), storeId, providerId)
    return Deleted(deleted=True)


# ---------------------------------------------------------------- staff: service providers
@app.get("/v1/stores/<storeId>/service-providers", summary="Service providers' terms (a plain array)",
         tags=["Bookings"], responses=STAFF_READ)
def find_service_providers(storeId: str, service_id: IdParam = None,  # noqa: N803
                           provider_id: IdParam = None) -> list[ServiceProviderOut]:
    found = service_provider_service().find(principal(app), storeId, service_id, provider_id)
    return [ServiceProviderOut.of(link) for link in found]


@app.post("/v1/stores/<storeId>/service-providers", summary="Give a provider terms for a service",
          tags=["Bookings"], responses=STAFF_CHANGE)
def create_service_provider(storeId: str, body: NewServiceProvider) -> ServiceProviderOut:  # noqa: N803
    return ServiceProviderOut.of(service_provider_service().create(principal(app), storeId, body))


@app.put("/v1/stores/<storeId>/service-providers/<serviceProviderId>", summary="Change a provider's terms",
         tags=["Bookings"], responses=STAFF_CHANGE)
def update_service_provider(storeId: str, serviceProviderId: LinkId,  # noqa: N803
                            body: ServiceProviderChanges) -> ServiceProviderOut:
    return ServiceProviderOut.of(service_provider_service().update(principal(app), storeId, serviceProviderId,
                                                                   body))


@app.delete("/v1/stores/<storeId>/service-providers/<serviceProviderId>", summary="Remove a provider's terms",
            tags=["Bookings"], responses=STAFF_CHANGE)
def delete_service_provider(storeId: str, serviceProviderId: LinkId) -> Deleted:  # noqa: N803
    service_provider_service().delete(principal(app), storeId, serviceProviderId)
    return Deleted(deleted=True)


# ---------------------------------------------------------------- storefront
@app.get("/v1/storefront/<storeId>/services", summary="The store's active services", tags=["Storefront"],
         responses=PUBLIC_STORE)
def storefront_find_services(storeId: str, ids: IdsParam = None, query: KeyPrefixParam = None,  # noqa: N803
                             status: StatusParam = None, provider_id: IdParam = None, limit: LimitParam = 20,
                             cursor: CursorParam = None, sort_field: SortFieldParam = None,
                             sort_direction: SortDirectionParam = None, created_at_from: CreatedParam = None,
                             created_at_to: CreatedParam = None, taxonomy_query: TaxonomyQueryParam = None,
                             match_all: MatchAllParam = True, start: WindowFromParam = None,
                             to: WindowToParam = None) -> Page[ServiceOut]:
    found, next_cursor = booking_catalog().find_services(storeId, _query(
        ids, query, status, None, provider_id, limit, cursor,
        sort_field=sort_field, sort_direction=sort_direction, created_at_from=created_at_from,
        created_at_to=created_at_to, taxonomy_query=taxonomy_query, match_all=match_all, start=start, to=to))
    return Page[ServiceOut](items=[ServiceOut.of(s) for s in found], cursor=next_cursor)


@app.get("/v1/storefront/<storeId>/services/availability", summary="Free slots of an active service's active "
         "providers", tags=["Storefront"], responses=PUBLIC_STORE)
def storefront_service_availability(storeId: str, service_id: ServiceIdParam, start: FromParam,  # noqa: N803
                                    to: ToParam, provider_id: IdParam = None) -> AvailabilityOut:
    query = AvailabilityQuery(service_id=service_id, provider_id=provider_id, from_=start, to=to)
    return AvailabilityOut.of(availability_finder().shopper(storeId, query))


@app.get("/v1/storefront/<storeId>/services/<serviceId>", summary="An active service by id, storeId:key or "
         "storeId:language:slug", tags=["Storefront"], responses=PUBLIC_STORE)
def storefront_get_service(storeId: str, serviceId: Ref) -> ServiceOut:  # noqa: N803
    return ServiceOut.of(booking_catalog().service(storeId, serviceId))


@app.get("/v1/storefront/<storeId>/service-providers", summary="The active providers of a service",
         tags=["Storefront"], responses=PUBLIC_STORE)
def storefront_service_providers(storeId: str, service_id: IdParam = None) -> list[ProviderOut]:  # noqa: N803
    return [ProviderOut.of(p) for p in booking_catalog().service_providers(storeId, service_id)]


@app.get("/v1/storefront/<storeId>/providers", summary="The store's active providers", tags=["Storefront"],
         responses=PUBLIC_STORE)
def storefront_find_providers(storeId: str, ids: IdsParam = None, query: KeyPrefixParam = None,  # noqa: N803
                              status: StatusParam = None, service_id: IdParam = None, limit: LimitParam = 20,
                              cursor: CursorParam = None, sort_field: SortFieldParam = None,
                              sort_direction: SortDirectionParam = None, created_at_from: CreatedParam = None,
                              created_at_to: CreatedParam = None, taxonomy_query: TaxonomyQueryParam = None,
                              match_all: MatchAllParam = True, start: WindowFromParam = None,
                              to: WindowToParam = None) -> Page[ProviderOut]:
    found, next_cursor = booking_catalog().find_providers(storeId, _query(
        ids, query, status, service_id, None, limit, cursor,
        sort_field=sort_field, sort_direction=sort_direction, created_at_from=created_at_from,
        created_at_to=created_at_to, taxonomy_query=taxonomy_query, match_all=match_all, start=start, to=to))
    return Page[ProviderOut](items=[ProviderOut.of(p) for p in found], cursor=next_cursor)


@app.get("/v1/storefront/<storeId>/providers/<providerId>", summary="An active provider by id, storeId:key or "
         "storeId:language:slug", tags=["Storefront"], responses=PUBLIC_STORE)
def storefront_get_provider(storeId: str, providerId: Ref) -> ProviderOut:  # noqa: N803
    return ProviderOut.of(booking_catalog().provider(storeId, providerId))


lambda_handler = lambda_entry(app)
