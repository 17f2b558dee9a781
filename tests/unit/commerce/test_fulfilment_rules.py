"""Fulfilment rules without AWS: which lines a shipment may take, the lines' and the order's fulfilment status, rate
ids, parcel weights and Shippo's error messages."""

from __future__ import annotations

from typing import Any

import pytest

from storecrm.commerce.fulfilment import _rate_parts, fulfillment_of, parcel_grams, shipped_lines
from storecrm.commerce.gateways.shippo import _provider_message
from storecrm.commerce.models.orders import CancelledStatus, ConfirmedStatus, Order
from storecrm.commerce.models.shipments import ParcelIn, ShipRequest
from storecrm.kernel.errors import Conflict, ValidationFailed
from tests.unit.commerce.test_order_rules import _order


def _confirmed(**changes: Any) -> Order:
    order = _order("cash")
    items = [i.model_copy(update={"status": ConfirmedStatus()}) for i in order.items]
    return order.model_copy(update={"status": "confirmed", "items": items, **changes})


def _shipment(*lines: tuple[str, int]) -> dict[str, Any]:
    return {"id": "sh", "location_id": "main", "status": "pending", "created_at": 1, "updated_at": 1,
            "lines": [{"order_item_id": line, "quantity": quantity} for line, quantity in lines]}


def _request(*lines: tuple[str, int], location: str = "main") -> ShipRequest:
    return ShipRequest(location_id=location, lines=[{"order_item_id": line, "quantity": quantity}
                                                    for line, quantity in lines])


def test_a_shipment_takes_at_most_what_is_ordered_and_not_yet_shipped() -> None:
    order = _confirmed(shipments=[_shipment(("l1", 2))])
    assert order.shipped() == {"l1": 2}
    assert [(i.id, q) for i, q in shipped_lines(order, _request(("l1", 1), ("l2", 1)))] == [("l1", 1), ("l2", 1)]
    for request, field in [(_request(("l1", 2)), "lines.0.quantity"),
                           (_request(("l2", 1), ("l2", 1)), "lines.1.order_item_id"),
                           (_request(("nope", 1)), "lines.0.order_item_id"),
                           (_request(("l1", 1), location="elsewhere"), "lines.0.order_item_id")]:
        with pytest.raises(ValidationFailed) as refused:
            shipped_lines(order, request)
        assert refused.value.field_errors[0].field == field


def test_cancelled_lines_and_orders_and_unpaid_card_orders_do_not_ship() -> None:
    order = _confirmed()
    cancelled_line = order.model_copy(update={"items": [
        order.items[0].model_copy(update={"status": CancelledStatus(reason="other")}), order.items[1]]})
    with pytest.raises(ValidationFailed):
        shipped_lines(cancelled_line, _request(("l1", 1)))
    with pytest.raises(Conflict):
        shipped_lines(order.model_copy(update={"status": "cancelled"}), _request(("l2", 1)))
    with pytest.raises(Conflict) as unpaid:
        shipped_lines(_order("credit_card"), _request(("l2", 1)))
    assert unpaid.value.code == "ORDER.NOT_PAID"


def test_fulfilment_status_of_the_lines_and_the_order() -> None:
    assert fulfillment_of(_confirmed()).fulfillment_status == "unfulfilled"
    partly = fulfillment_of(_confirmed(shipments=[_shipment(("l1", 1))]))
    assert [i.fulfillment_status for i in partly.product_items] == ["partially_shipped", "unfulfilled"]
    assert partly.fulfillment_status == "partially_shipped"
    whole = fulfillment_of(_confirmed(shipments=[_shipment(("l1", 2)), _shipment(("l1", 1), ("l2", 1))]))
    assert [i.fulfillment_status for i in whole.product_items] == ["shipped", "shipped"]
    assert whole.fulfillment_status == "shipped"
    # A cancelled line that never shipped does not hold the order back.
    order = _confirmed(shipments=[_shipment(("l1", 3))])
    rest_cancelled = order.model_copy(update={"items": [
        order.items[0], order.items[1].model_copy(update={"status": CancelledStatus(reason="other")})]})
    assert fulfillment_of(rest_cancelled).fulfillment_status == "shipped"


def test_rate_ids_parcel_weights_and_provider_messages() -> None:
    assert _rate_parts("shippo:int1:rate9") == ("shippo", "int1", "rate9")
    assert _rate_parts("manual:standard") == ("manual", None, "standard")
    assert _rate_parts("") == ("manual", None, "")
    with pytest.raises(ValidationFailed):
        _rate_parts("shippo:int1")
    parcel = {"length": 1, "width": 1, "height": 1, "distance_unit": "cm"}
    assert parcel_grams(ParcelIn(weight=2, mass_unit="lb", **parcel)) == 907
    assert parcel_grams(ParcelIn(weight=1.5, mass_unit="kg", **parcel)) == 1500
    assert _provider_message('{"detail": "Invalid token."}') == "Invalid token."
    assert _provider_message('{"messages": [{"text": "No rates"}]}') == "No rates"
    assert _provider_message('{"address_to": ["Bad street"]}') == "address_to: Bad street"
    assert _provider_message("<html>gateway</html>") == "<html>gateway</html>"
