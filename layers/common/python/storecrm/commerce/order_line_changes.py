"""`items` on an order update (arky-sdk 0.9.1 eshop.updateOrder sends UpdateOrderParams.items): a placed order's
lines change only through the staff's line routes, so `items` is taken only when it describes the lines the order
has (an admin form sending back the order it read); any other list is a 409 naming the ways lines do change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from storecrm.kernel.errors import Conflict

if TYPE_CHECKING:
    from storecrm.commerce.models.orders import Order, OrderLine

LINES_CHANGE_ELSEWHERE = Conflict(
    "The lines of a placed order do not change through `items`: cancel lines with `cancel_items` or move booked "
    "service lines with `move_items` (PUT /v1/stores/{storeId}/orders/{orderId}), cancel the whole order with "
    "`cancel`, refund with POST /v1/stores/{storeId}/orders/{orderId}/refund, or place a new order through a cart "
    "(POST /v1/stores/{storeId}/carts)", "ORDER.ITEMS_NOT_CHANGEABLE")

Signature = tuple[Any, ...]


def _given(item: dict[str, Any]) -> Signature:
    """What identifies a line in the client's item shapes (checkout inputs or the order's own lines)."""
    kind = item.get("type") or ("product" if "product_id" in item else "service")
    if kind == "product":
        return "product", item.get("product_id"), item.get("variant_id"), item.get("quantity", 1)
    return "service", item.get("service_id"), item.get("provider_id"), item.get("from"), item.get("to")


def _held(line: OrderLine) -> Signature:
    if line.type == "product":
        return "product", line.product_id, line.variant_id, line.quantity
    return "service", line.service_id, line.provider_id, line.from_, line.to


def check_items_unchanged(order: Order, items: Sequence[dict[str, Any]]) -> None:
    """Nothing when `items` lists the order's lines (all of them, or those not cancelled), in any order;
    otherwise LINES_CHANGE_ELSEWHERE."""
    given = Counter(_given(item) for item in items)
    every = Counter(_held(line) for line in order.items)
    live = Counter(_held(line) for line in order.items if line.status.status != "cancelled")
    if given not in (every, live):
        raise LINES_CHANGE_ELSEWHERE
