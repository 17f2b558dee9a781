"""Order rules without AWS: which index a find reads, what an order still holds, what is left to refund, how
Stripe's refunds merge, and which units a cancellation gives back."""

from __future__ import annotations

from typing import Any

import pytest

from storecrm.catalog.models.products import Price, Product, ProductInventory, ProductVariant
from storecrm.catalog.repositories.products import ProductRepository
from storecrm.commerce.models.commerce import LineSnapshot, OrderPayment, OrderRefund
from storecrm.commerce.models.orders import CancelledStatus, ConfirmedStatus, Order, OrderItem, PendingStatus
from storecrm.commerce.orders import OrderQuery, OrderService, cancelled, confirmed
from storecrm.commerce.payments import _with_refunds
from storecrm.kernel.errors import ValidationFailed

SNAPSHOT = LineSnapshot(product_key="mug", price=Price(currency="USD", market="us", amount=1000))


def _order(method: str = "credit_card", paid: int = 0, **changes: Any) -> Order:
    items = [OrderItem(id="l1", product_id="p1", variant_id="v1", quantity=3, location_id="main", snapshot=SNAPSHOT,
                       status=PendingStatus(expires_at=2000)),
             OrderItem(id="l2", product_id="p1", variant_id="v1", quantity=1, location_id="main", snapshot=SNAPSHOT,
                       status=PendingStatus(expires_at=1900))]
    payment = OrderPayment(currency="USD", market="us", subtotal=4000, shipping=0, total=4000, paid=paid,
                           method_type=method)
    return Order(id="o1", number="#1001", store_id="s1", source_cart_id="c1", profile_id="pr1", verified=False,
                 items=items, payment=payment, created_at=1000, updated_at=1000, **changes)


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ("all", None)),
    ({"statuses": ["pending"]}, ("status", "pending")),
    ({"statuses": ["pending", "pending"]}, ("status", "pending")),
    ({"statuses": ["pending", "confirmed"]}, ("all", None)),
    ({"profile_id": "pr1", "statuses": ["pending"]}, ("profile_id", "pr1")),
    ({"query": "Ada@Example.com", "profile_id": "pr1"}, ("email", "ada@example.com")),
    ({"query": "1001"}, ("number", "#1001")),
    ({"query": "#1001"}, ("number", "#1001")),
])
def test_a_find_reads_the_index_of_its_most_selective_filter(query: dict[str, Any],
                                                             expected: tuple[str, str | None]) -> None:
    assert OrderQuery(**query).list_by() == expected


def test_created_range_and_page_filters() -> None:
    assert OrderQuery(created_at_from=5).created() == (5, 10**10 - 1)
    assert OrderQuery(created_at_to=5).created() == (0, 5)
    assert OrderQuery().created() is None
    with pytest.raises(ValidationFailed) as refused:
        OrderQuery(created_at_from=6, created_at_to=5).created()
    assert refused.value.field_errors[0].field == "created_at_to"
    order = _order()
    assert OrderQuery(product_ids=["p1"], statuses=["pending"], profile_id="pr1").matches(order)
    assert not OrderQuery(product_ids=["p2"]).matches(order)
    assert not OrderQuery(profile_id="someone-else").matches(order)


def test_only_an_unpaid_pending_card_order_holds_until_its_first_line_expires() -> None:
    assert _order().hold_until == 1900
    assert _order(paid=4000).hold_until is None
    assert _order(method="cash").hold_until is None
    assert confirmed(_order()).hold_until is None
    assert cancelled(_order(), "expired").hold_until is None


def test_confirm_and_cancel_set_each_line() -> None:
    order = confirmed(_order())
    assert order.status == "confirmed" and [i.status for i in order.items] == [ConfirmedStatus()] * 2
    gone = cancelled(order, "admin_rejected")
    assert gone.status == "cancelled"
    assert [i.status for i in gone.items] == [CancelledStatus(reason="admin_rejected")] * 2
    # A line cancelled already keeps its reason.
    partly = _order().model_copy(update={"items": [_order().items[0].model_copy(update={
        "status": CancelledStatus(reason="other")}), _order().items[1]]})
    assert [i.status.reason for i in cancelled(partly, "expired").items if isinstance(i.status, CancelledStatus)] \
        == ["other", "expired"]


def test_refunded_counts_refunds_that_did_not_fail_and_stripe_refunds_merge_by_id() -> None:
    order = _order(paid=4000)
    order = order.model_copy(update={"payment": order.payment.model_copy(update={"refunds": [
        OrderRefund(id="r1", total=500, provider_refund_id="re_1", status="pending", created_at=1),
        OrderRefund(id="r2", total=700, provider_refund_id="re_2", status="failed", created_at=1)]})})
    assert order.refunded == 500
    merged = _with_refunds(order, [{"id": "re_1", "amount": 500, "status": "succeeded"},
                                   {"id": "re_3", "amount": 250, "status": "succeeded", "created": 7}], at=9)
    assert [(r.provider_refund_id, r.total, r.status) for r in merged.payment.refunds] == [
        ("re_1", 500, "succeeded"), ("re_2", 700, "failed"), ("re_3", 250, "succeeded")]
    assert merged.refunded == 750 and merged.payment.refunds[2].created_at == 7
    assert _with_refunds(merged, [{"id": "re_3", "amount": 250, "status": "succeeded"}], at=9) == merged


def test_a_cancellation_gives_back_what_is_held_and_no_more() -> None:
    class Unused:
        pass

    service = OrderService(orders=Unused(), products=ProductRepository(table=Unused()),  # type: ignore[arg-type]
                           sessions=Unused(), guard=Unused(), ledger=Unused(),  # type: ignore[arg-type]
                           payment_ended=lambda order: True)

    def product(reserved: int) -> Product:
        stock = ProductInventory(id="i1", store_id="s1", product_id="p1", variant_id="v1", location_id="main",
                                 available=0, reserved=reserved, updated_at=1)
        return Product(id="p1", store_id="s1", key="mug", variants=[ProductVariant(id="v1", inventory=[stock])],
                       created_at=1, updated_at=1)

    def returned(reserved: int) -> list[int]:
        [write] = service.stock_back(_order(), {"p1": product(reserved)}) or [None]
        if write is None:
            return []
        return [v for k, v in sorted(write.values.items()) if k.startswith(":q")]

    assert returned(4) == [3, 1]
    assert returned(3) == [3]  # staff lowered the count: no more than it holds goes back
    assert returned(2) == [2]
    assert returned(0) == []
    other_store = product(4).model_copy(update={"store_id": "s2"})
    assert service.stock_back(_order(), {"p1": other_store}) == []
    assert service.stock_back(cancelled(_order(), "expired"), {"p1": product(4)}) == []
