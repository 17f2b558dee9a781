"""Stores: /v1/stores (list, create), /v1/stores/plans, /v1/stores/{storeId} (get, update, delete), the
store's plan (/subscribe, /subscription/portal) and the operator's Stripe events (/v1/billing/stripe/webhook)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.stores import StoreOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ, errors
from storecrm.services import store_billing, store_service
from storecrm.stores.models.billing import BillingEventReceived, CheckoutStarted, PortalOpened, PortalRequest, Subscribe
from storecrm.stores.models.stores import StoreStatus
from storecrm.stores.plans import SubscriptionPlan, configured_plans
from storecrm.stores.stores import NewStore, SortDirection, SortField, StoreChanges, StoreQuery

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.get("/v1/stores", summary="List the stores the caller belongs to", tags=["Stores"], responses=errors(401, 403))
def list_stores(
    query: Annotated[str | None, Query(max_length=100)] = None,
    isNetwork: Annotated[bool | None, Query()] = None,  # noqa: N803 - the arky client's name
    status: Annotated[StoreStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    sort_field: Annotated[SortField, Query()] = "created_at",
    sort_direction: Annotated[SortDirection, Query()] = "desc",
) -> Page[StoreOut]:
    q = StoreQuery(query=query, is_network=isNetwork, status=status, limit=limit, cursor=cursor,
                   sort_field=sort_field, sort_direction=sort_direction)
    stores, next_cursor = store_service().list(principal(app), q)
    return Page[StoreOut](items=[StoreOut.for_staff(s) for s in stores], cursor=next_cursor)


@app.post("/v1/stores", summary="Create a store; the caller becomes its owner", tags=["Stores"],
          responses=errors(401, 403, 409))
def create_store(body: NewStore) -> StoreOut:
    return StoreOut.for_staff(store_service().create(principal(app), body))


@app.get("/v1/stores/plans", summary="The subscription plans a store can choose", tags=["Stores"])
def list_plans() -> Page[SubscriptionPlan]:
    # A page, as the arky client's type says (CONTRACTS.md DECISION); the few plans fit one page.
    return Page[SubscriptionPlan](items=list(configured_plans()), cursor=None)


@app.get("/v1/stores/<storeId>", summary="Get a store", tags=["Stores"], responses=STAFF_READ)
def get_store(storeId: str) -> StoreOut:  # noqa: N803 - path parameter name from the template
    return StoreOut.for_staff(store_service().get(principal(app), storeId))


@app.put("/v1/stores/<storeId>", summary="Update a store's settings", tags=["Stores"], responses=STAFF_CHANGE)
def update_store(storeId: str, body: StoreChanges) -> StoreOut:  # noqa: N803
    return StoreOut.for_staff(store_service().update(principal(app), storeId, body))


@app.delete("/v1/stores/<storeId>", summary="Delete a store and all of its data", tags=["Stores"],
            responses=STAFF_CHANGE)
def delete_store(storeId: str) -> Deleted:  # noqa: N803
    store_service().delete(principal(app), storeId)
    return Deleted(deleted=True)


@app.put("/v1/stores/<storeId>/subscribe", summary="Pay for a plan: a Stripe Checkout URL (owners and supers)",
         tags=["Store billing"], responses=STAFF_CHANGE)
@app.post("/v1/stores/<storeId>/subscribe", summary="Pay for a plan: a Stripe Checkout URL (owners and supers)",
          tags=["Store billing"], responses=STAFF_CHANGE)
def subscribe(storeId: str, body: Subscribe) -> CheckoutStarted:  # noqa: N803
    return CheckoutStarted(checkout_url=store_billing().subscribe(principal(app), storeId, body))


@app.post("/v1/stores/<storeId>/subscription/portal", summary="The Stripe billing portal for the store's plan",
          tags=["Store billing"], responses=STAFF_CHANGE)
def billing_portal(storeId: str, body: PortalRequest) -> PortalOpened:  # noqa: N803
    return PortalOpened(portal_url=store_billing().portal(principal(app), storeId, body))


@app.post("/v1/billing/stripe/webhook", summary="The operator's Stripe events for store plans (signature-checked)",
          tags=["Store billing"], responses=errors(409))
def billing_webhook() -> BillingEventReceived:
    event = app.current_event
    # The signature covers the raw body, so it is read as sent rather than parsed into a model.
    outcome = store_billing().receive(event.decoded_body or "", event.headers.get("Stripe-Signature"))
    return BillingEventReceived(received=True, outcome=outcome)


lambda_handler = lambda_entry(app)
