"""Orders (arky-sdk 0.9.1): the staff's find, get, update (confirm, cancel, addresses, cash received), refunds and
fulfilment (`shipping.getRates`, `shipping.ship`, a shipment's status) under /v1/stores/{storeId}/orders (plus the
seed's POST /v1/stores/{storeId}/refund), and the shopper's
`eshop.order.get`/`find` under /v1/storefront/{storeId}/orders (a profile session's bearer; an order answers only
the session that placed it)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, Field

from storecrm.arky.schemas.common import Page
from storecrm.arky.schemas.orders import OrderOut
from storecrm.commerce.models.orders import OrderStatus
from storecrm.commerce.models.shipments import RatesRequest, ShipmentChange, ShippingRate, ShipRequest, ShipResult
from storecrm.commerce.orders import ItemStatusName, OrderChanges, OrderQuery
from storecrm.commerce.payments import RefundRequest, StoreRefundRequest
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import PROFILE_BEARER, STAFF_CHANGE, STAFF_READ, errors
from storecrm.http.query import json_param, json_shape
from storecrm.services import fulfilment, order_payments, order_service

STATUSES = json_shape(list[OrderStatus])
IDS = json_shape(list[Annotated[str, Field(min_length=1, max_length=64)]])
ITEM_STATUSES = json_shape(list[ItemStatusName])
OrderId = Annotated[str, Path(min_length=1, max_length=64)]
# Refunds: more than is left, or a Stripe key Stripe refuses, is a 409.
REFUND = STAFF_CHANGE
# Rates and labels: the store's shipping provider refusing or failing is a 502 with its message.
SHIPPING = errors(401, 402, 403, 404, 409, 502)
ShipmentId = Annotated[str, Path(min_length=1, max_length=64)]


class RatesOut(BaseModel):
    rates: list[ShippingRate]

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


def _query(profile_id: str | None, statuses: str | None, product_ids: str | None, query: str | None,
           created_at_from: int | None, created_at_to: int | None, sort_direction: Literal["asc", "desc"],
           limit: int, cursor: str | None, item_statuses: str | None, verified: bool | None,
           audience_id: str | None) -> OrderQuery:
    return OrderQuery(profile_id=profile_id, statuses=json_param(statuses, STATUSES, "statuses"),
                      product_ids=json_param(product_ids, IDS, "product_ids"), query=query or None,
                      created_at_from=created_at_from, created_at_to=created_at_to, sort_direction=sort_direction,
                      limit=limit, cursor=cursor,
                      item_statuses=json_param(item_statuses, ITEM_STATUSES, "item_statuses"),
                      verified=verified, audience_id=audience_id)


ProfileIdParam = Annotated[str | None, Query(min_length=1, max_length=64)]
StatusesParam = Annotated[str | None, Query(max_length=200, description="JSON array of statuses")]
ProductIdsParam = Annotated[str | None, Query(max_length=4000, description="JSON array of product ids")]
QueryParam = Annotated[str | None, Query(max_length=254, description="An order number or an email")]
TimeParam = Annotated[int | None, Query(ge=0, le=10**10 - 1)]
SortFieldParam = Annotated[Literal["created_at"], Query()]
SortDirectionParam = Annotated[Literal["asc", "desc"], Query()]
LimitParam = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=2048)]
ItemStatusesParam = Annotated[str | None, Query(max_length=200, description="JSON array of line states (pending, "
                                                "confirmed, cancelled): orders with a line in one of them")]
VerifiedParam = Annotated[bool | None, Query(description="Orders placed by a verified (true) or unverified session")]
AudienceIdParam = Annotated[str | None, Query(min_length=1, max_length=64,
                                              description="Orders placed at this audience's prices")]


# ---------------------------------------------------------------- staff
@app.get("/v1/stores/<storeId>/orders", summary="Find orders", tags=["Orders"], responses=STAFF_READ)
def find_orders(storeId: str, profile_id: ProfileIdParam = None, statuses: StatusesParam = None,  # noqa: N803
                product_ids: ProductIdsParam = None, query: QueryParam = None, created_at_from: TimeParam = None,
                created_at_to: TimeParam = None, sort_field: SortFieldParam = "created_at",
                sort_direction: SortDirectionParam = "desc", limit: LimitParam = 20,
                cursor: CursorParam = None, item_statuses: ItemStatusesParam = None, verified: VerifiedParam = None,
                audience_id: AudienceIdParam = None) -> Page[OrderOut]:
    q = _query(profile_id, statuses, product_ids, query, created_at_from, created_at_to, sort_direction, limit, cursor,
               item_statuses, verified, audience_id)
    orders, next_cursor = order_service().find(principal(app), storeId, q)
    return Page[OrderOut](items=[OrderOut.of(o) for o in orders], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/orders/<orderId>", summary="Get an order", tags=["Orders"], responses=STAFF_READ)
def get_order(storeId: str, orderId: OrderId) -> OrderOut:  # noqa: N803 - path parameter names
    return OrderOut.of(order_service().get(principal(app), storeId, orderId))


@app.put("/v1/stores/<storeId>/orders/<orderId>", summary="Confirm, cancel (the stock goes back) or re-address "
         "an order", tags=["Orders"], responses=STAFF_CHANGE)
def update_order(storeId: str, orderId: OrderId, body: OrderChanges) -> OrderOut:  # noqa: N803
    return OrderOut.of(order_service().update(principal(app), storeId, orderId, body))


@app.post("/v1/stores/<storeId>/orders/<orderId>/refund", summary="Refund (part of) an order's payment",
          tags=["Orders"], responses=REFUND)
def refund_order(storeId: str, orderId: OrderId, body: RefundRequest) -> OrderOut:  # noqa: N803
    return OrderOut.of(order_payments().refund(principal(app), storeId, orderId, body.amount))


@app.post("/v1/stores/<storeId>/refund", summary="Refund (part of) an order's payment (the seed's processRefund)",
          tags=["Orders"], responses=REFUND)
def process_refund(storeId: str, body: StoreRefundRequest) -> OrderOut:  # noqa: N803
    return OrderOut.of(order_payments().refund(principal(app), storeId, body.entity, body.amount))


# ---------------------------------------------------------------- fulfilment
@app.post("/v1/stores/<storeId>/orders/<orderId>/shipping/rates", summary="Shipping rates for a parcel of the "
          "order (the client's shipping.getRates)", tags=["Orders"], responses=SHIPPING)
def shipping_rates(storeId: str, orderId: OrderId, body: RatesRequest) -> RatesOut:  # noqa: N803
    return RatesOut(rates=fulfilment().rates(principal(app), storeId, orderId, body))


@app.post("/v1/stores/<storeId>/orders/<orderId>/ship", summary="Ship some or all of the order's lines (the "
          "client's shipping.ship): the label, the stock leaving, the shopper's tracking mail", tags=["Orders"],
          responses=SHIPPING)
def ship_order(storeId: str, orderId: OrderId, body: ShipRequest) -> ShipResult:  # noqa: N803
    return fulfilment().ship(principal(app), storeId, orderId, body)


@app.put("/v1/stores/<storeId>/orders/<orderId>/shipments/<shipmentId>", summary="A shipment's new status "
         "(in transit, delivered, returned, ...)", tags=["Orders"], responses=STAFF_CHANGE)
def update_shipment(storeId: str, orderId: OrderId, shipmentId: ShipmentId,  # noqa: N803
                    body: ShipmentChange) -> OrderOut:
    return OrderOut.of(fulfilment().update_shipment(principal(app), storeId, orderId, shipmentId, body))


# ---------------------------------------------------------------- storefront
@app.get("/v1/storefront/<storeId>/orders", summary="The session's own orders", tags=["Orders"],
         responses=PROFILE_BEARER)
def own_orders(storeId: str, statuses: StatusesParam = None, product_ids: ProductIdsParam = None,  # noqa: N803
               query: QueryParam = None, created_at_from: TimeParam = None, created_at_to: TimeParam = None,
               sort_field: SortFieldParam = "created_at", sort_direction: SortDirectionParam = "desc",
               limit: LimitParam = 20, cursor: CursorParam = None, item_statuses: ItemStatusesParam = None,
               verified: VerifiedParam = None, audience_id: AudienceIdParam = None) -> Page[OrderOut]:
    q = _query(None, statuses, product_ids, query, created_at_from, created_at_to, sort_direction, limit, cursor,
               item_statuses, verified, audience_id)
    orders, next_cursor = order_service().own_orders(storeId, principal(app), q)
    return Page[OrderOut](items=[OrderOut.of(o) for o in orders], cursor=next_cursor)


@app.get("/v1/storefront/<storeId>/orders/<orderId>", summary="An order the session placed", tags=["Orders"],
         responses=PROFILE_BEARER)
def own_order(storeId: str, orderId: OrderId) -> OrderOut:  # noqa: N803
    return OrderOut.of(order_service().own_order(storeId, principal(app), orderId))


lambda_handler = lambda_entry(app)
