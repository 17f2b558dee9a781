"""Carts (arky-sdk 0.9.1): the shopper's `eshop.cart` calls under /v1/storefront/{storeId}/carts (a profile
session's bearer; a cart answers only the session that made it), quote and checkout into an order, and the
staff's find, get, create, change, quote and checkout of any cart of their store under /v1/stores/{storeId}/carts
(the same cart operations, reached through the store's orders right instead of a session), and the staff's quote
for lines without a cart, POST /v1/stores/{storeId}/orders/quote (priced by the carts' rules, so served here)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from storecrm.arky.schemas.commerce import CartOut, CheckoutOut
from storecrm.arky.schemas.common import Page
from storecrm.domain.carts import (
    AddItemRequest,
    CartChanges,
    CartQuery,
    CheckoutRequest,
    CurrentCartRequest,
    NewCart,
    QuoteRequest,
    RemoveItemRequest,
)
from storecrm.domain.models.commerce import CartOrigin, CartStatus, OrderQuote
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import PROFILE_BEARER, STAFF_CHANGE, STAFF_READ, errors
from storecrm.http.query import json_param, json_shape
from storecrm.services import cart_service

STATUSES = json_shape(list[CartStatus])
ORIGINS = json_shape(list[CartOrigin])
CartId = Annotated[str, Path(min_length=1, max_length=64)]
# A cart change may meet a converted cart or another change of it (409).
CART_CHANGE = errors(401, 404, 409)
# Staff calls need the orders right, which a lapsed store's staff lose (402); a quote without a cart meets no
# cart's gone market (409).
LINES_QUOTE = errors(401, 402, 403, 404)

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


# ---------------------------------------------------------------- storefront
@app.post("/v1/storefront/<storeId>/carts/current", summary="The session's open cart in a market (made on the "
          "first call)", tags=["Carts"], responses=CART_CHANGE)
def current_cart(storeId: str, body: CurrentCartRequest) -> CartOut:  # noqa: N803 - path parameter name
    return CartOut.of(cart_service().current(storeId, principal(app), body))


@app.get("/v1/storefront/<storeId>/carts/<cartId>", summary="A cart of the session", tags=["Carts"],
         responses=PROFILE_BEARER)
def get_cart(storeId: str, cartId: CartId) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().get(storeId, principal(app), cartId))


@app.put("/v1/storefront/<storeId>/carts/<cartId>", summary="Change a cart's lines, addresses, promo code and "
         "methods", tags=["Carts"], responses=CART_CHANGE)
def update_cart(storeId: str, cartId: CartId, body: CartChanges) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().update(storeId, principal(app), cartId, body))


@app.post("/v1/storefront/<storeId>/carts/<cartId>/items", summary="Add a line (or to a line's quantity)",
          tags=["Carts"], responses=CART_CHANGE)
def add_cart_item(storeId: str, cartId: CartId, body: AddItemRequest) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().add_item(storeId, principal(app), cartId, body))


@app.post("/v1/storefront/<storeId>/carts/<cartId>/items/remove", summary="Remove a line", tags=["Carts"],
          responses=CART_CHANGE)
def remove_cart_item(storeId: str, cartId: CartId, body: RemoveItemRequest) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().remove_item(storeId, principal(app), cartId, body))


@app.post("/v1/storefront/<storeId>/carts/<cartId>/clear", summary="Remove every line", tags=["Carts"],
          responses=CART_CHANGE)
def clear_cart(storeId: str, cartId: CartId) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().clear(storeId, principal(app), cartId))


@app.post("/v1/storefront/<storeId>/carts/<cartId>/quote", summary="Price the cart now", tags=["Carts"],
          responses=CART_CHANGE)
def quote_cart(storeId: str, cartId: CartId) -> OrderQuote:  # noqa: N803
    return cart_service().quote(storeId, principal(app), cartId)


@app.post("/v1/storefront/<storeId>/carts/<cartId>/checkout", summary="Turn the cart into an order (card "
          "payments answer a Stripe client secret)", tags=["Carts"], responses=CART_CHANGE)
def checkout_cart(storeId: str, cartId: CartId, body: CheckoutRequest) -> CheckoutOut:  # noqa: N803
    result = cart_service().checkout(storeId, principal(app), cartId, body)
    return CheckoutOut(order_id=result.order.id, number=result.order.number, client_secret=result.client_secret,
                       payment=result.order.payment)


# ---------------------------------------------------------------- staff
@app.get("/v1/stores/<storeId>/carts", summary="Find carts", tags=["Carts"], responses=STAFF_READ)
def find_carts(
    storeId: str,  # noqa: N803
    profile_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    statuses: Annotated[str | None, Query(max_length=200, description="JSON array of statuses")] = None,
    origins: Annotated[str | None, Query(max_length=100, description="JSON array of origins")] = None,
    has_items: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[CartOut]:
    q = CartQuery(profile_id=profile_id, statuses=json_param(statuses, STATUSES, "statuses"),
                  origins=json_param(origins, ORIGINS, "origins"), has_items=has_items, limit=limit, cursor=cursor)
    carts, next_cursor = cart_service().find(principal(app), storeId, q)
    return Page[CartOut](items=[CartOut.of(c) for c in carts], cursor=next_cursor)


@app.post("/v1/stores/<storeId>/carts", summary="Make a cart for a profile", tags=["Carts"],
          responses=STAFF_CHANGE)
def create_cart(storeId: str, body: NewCart) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().staff_create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/carts/<cartId>", summary="Get a cart", tags=["Carts"], responses=STAFF_READ)
def staff_get_cart(storeId: str, cartId: CartId) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().staff_get(principal(app), storeId, cartId))


@app.put("/v1/stores/<storeId>/carts/<cartId>", summary="Change a cart's lines, addresses, promo code and "
         "methods", tags=["Carts"], responses=STAFF_CHANGE)
def staff_update_cart(storeId: str, cartId: CartId, body: CartChanges) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().update(storeId, principal(app), cartId, body, staff=True))


@app.post("/v1/stores/<storeId>/carts/<cartId>/items", summary="Add a line to a cart (or to a line's quantity)",
          tags=["Carts"], responses=STAFF_CHANGE)
def staff_add_cart_item(storeId: str, cartId: CartId, body: AddItemRequest) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().add_item(storeId, principal(app), cartId, body, staff=True))


@app.post("/v1/stores/<storeId>/carts/<cartId>/items/remove", summary="Remove a line from a cart",
          tags=["Carts"], responses=STAFF_CHANGE)
def staff_remove_cart_item(storeId: str, cartId: CartId, body: RemoveItemRequest) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().remove_item(storeId, principal(app), cartId, body, staff=True))


@app.post("/v1/stores/<storeId>/carts/<cartId>/clear", summary="Remove every line of a cart", tags=["Carts"],
          responses=STAFF_CHANGE)
def staff_clear_cart(storeId: str, cartId: CartId) -> CartOut:  # noqa: N803
    return CartOut.of(cart_service().clear(storeId, principal(app), cartId, staff=True))


@app.post("/v1/stores/<storeId>/carts/<cartId>/quote", summary="Price a cart now", tags=["Carts"],
          responses=STAFF_CHANGE)
def staff_quote_cart(storeId: str, cartId: CartId) -> OrderQuote:  # noqa: N803
    return cart_service().quote(storeId, principal(app), cartId, staff=True)


@app.post("/v1/stores/<storeId>/carts/<cartId>/checkout", summary="Turn a cart into an order for its profile "
          "(card payments answer a Stripe client secret)", tags=["Carts"], responses=STAFF_CHANGE)
def staff_checkout_cart(storeId: str, cartId: CartId, body: CheckoutRequest) -> CheckoutOut:  # noqa: N803
    result = cart_service().checkout(storeId, principal(app), cartId, body, staff=True)
    return CheckoutOut(order_id=result.order.id, number=result.order.number, client_secret=result.client_secret,
                       payment=result.order.payment)


@app.post("/v1/stores/<storeId>/orders/quote", summary="Price lines in a market without a cart", tags=["Orders"],
          responses=LINES_QUOTE)
def quote_order(storeId: str, body: QuoteRequest) -> OrderQuote:  # noqa: N803
    return cart_service().staff_quote(principal(app), storeId, body)


lambda_handler = lambda_entry(app)
