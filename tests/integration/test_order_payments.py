"""An order's money: signed Stripe events (payment_intent.succeeded / payment_failed, charge.refunded) applied
once and in any order; unpaid card orders released by the scheduler when their payment hold ends; refunds through
Stripe Refunds (idempotency key) or recorded by hand for cash, never more than paid minus refunded."""

from __future__ import annotations

from typing import Any

import pytest
from localrunner.fake_stripe import FakeStripe

from tests.integration.conftest import login
from tests.integration.test_carts import make_product, set_up_market
from tests.integration.test_memberships import STRIPE, send_event
from tests.integration.test_orders import orders_path, outbox, place, stock
from tests.support import HOSTS, Api, counting_calls


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any], stripe_fake: FakeStripe) -> dict[str, Any]:
    token = owner["access_token"]
    integration = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe", "provider": STRIPE},
                           token=token)
    assert integration.status == 200, integration.body
    set_up_market(api, token, store, [{"id": "cash"}, {"id": "credit_card", "integration_id": integration.body["id"]}])
    product = make_product(api, token, store)
    return {"token": token, "product": product, "small": product["variants"][0]}


def _order(api: Api, store: dict[str, Any], token: str, order_id: str) -> dict[str, Any]:
    reply = api.call("GET", orders_path(store, f"/{order_id}"), token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _raw(store_id: str, order_id: str) -> dict[str, Any]:
    from storecrm.kernel.repositories.base import default_table

    found = default_table().get((f"STORE#{store_id}", f"ORDER#{order_id}"))
    assert found is not None
    return found


def _reasons(store_id: str) -> list[str]:
    events = sorted(outbox(store_id, "order.updated"), key=lambda e: e["data"]["order"]["revision"])
    return [e["data"]["reason"] for e in events]


def test_payment_events_confirm_the_order_once_and_in_any_order(api: Api, store: dict[str, Any],
                                                                 shop: dict[str, Any],
                                                                 stripe_fake: FakeStripe) -> None:
    token = shop["token"]
    _, placed = place(api, store, shop, 2, method="credit_card")
    order_id = placed["order_id"]
    [intent_id] = stripe_fake.payment_intents
    assert _raw(store["id"], order_id)["DUEPK"] == "DUE#PAYMENTHOLD"  # the payment hold is due later

    failed = stripe_fake.pay_intent(intent_id, succeeded=False)
    reply = send_event(api, store, failed)
    assert reply.status == 200 and reply.body == {"received": True, "outcome": "applied"}
    assert send_event(api, store, failed).body["outcome"] == "unchanged"
    order = _order(api, store, token, order_id)
    assert (order["status"], order["payment"]["paid"]) == ("pending", 0)
    assert order["history"][-1] == {"action": "payment_failed", "reason": "Your card was declined.",
                                    "timestamp": order["history"][-1]["timestamp"]}

    succeeded = stripe_fake.pay_intent(intent_id)
    with counting_calls() as log:
        assert send_event(api, store, succeeded).body["outcome"] == "applied"
    # The Stripe integration the intent's metadata names (its signing secret unsealed by the first event already),
    # the order, then the order with order.updated.
    assert log.calls == ["dynamodb.GetItem", "dynamodb.GetItem", "dynamodb.TransactWriteItems"]
    order = _order(api, store, token, order_id)
    assert (order["status"], order["payment"]["paid"]) == ("confirmed", placed["payment"]["total"])
    assert order["items"][0]["status"] == {"status": "confirmed"}
    assert "DUEPK" not in _raw(store["id"], order_id)  # paid: nothing left to release
    # The same event again, and the failure arriving late, change nothing.
    assert send_event(api, store, succeeded).body["outcome"] == "unchanged"
    assert send_event(api, store, failed).body["outcome"] == "stale"
    assert _order(api, store, token, order_id)["revision"] == order["revision"]
    assert _reasons(store["id"]) == ["payment_failed", "payment_succeeded"]
    assert stock(api, token, store, shop["product"]["id"]) == (10, 2)  # sold units stay reserved


def test_refused_events_change_nothing(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                       stripe_fake: FakeStripe) -> None:
    _, placed = place(api, store, shop, 1, method="credit_card")
    [intent_id] = stripe_fake.payment_intents
    succeeded = stripe_fake.pay_intent(intent_id)
    reply = send_event(api, store, succeeded, secret="whsec_someone_else")
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "Stripe-Signature"
    # A payment of this store's order sent to another store's endpoint.
    stranger = login(api, "stranger@example.com")["access_token"]
    other = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC",
                                            "billing_email": "stranger@example.com"}, token=stranger).body
    assert api.call("POST", f"/v1/stores/{other['id']}/integrations", {"key": "stripe", "provider": STRIPE},
                    token=stranger).status == 200
    reply = send_event(api, other, succeeded)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "metadata.store_id"
    order = _order(api, store, shop["token"], placed["order_id"])
    assert (order["status"], order["payment"]["paid"], order["revision"]) == ("pending", 0, 1)
    # An intent this platform did not open (no order in its metadata) is acknowledged and ignored.
    foreign = {**succeeded, "data": {"object": {**succeeded["data"]["object"], "metadata": {}}}}
    assert send_event(api, store, foreign).body["outcome"] == "ignored"


def test_the_scheduler_releases_unpaid_card_orders_after_the_hold(api: Api, store: dict[str, Any],
                                                                  shop: dict[str, Any], stripe_fake: FakeStripe,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from storecrm import services

    token, product_id = shop["token"], shop["product"]["id"]
    reply = api.call("PUT", f"/v1/stores/{store['id']}", {"payment_hold_minutes": 10}, token=token)
    assert reply.status == 200 and reply.body["payment_hold_minutes"] == 10
    bad = api.call("PUT", f"/v1/stores/{store['id']}", {"payment_hold_minutes": 1}, token=token)
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "payment_hold_minutes"
    _, unpaid = place(api, store, shop, 2, method="credit_card")
    _, paid = place(api, store, shop, 1, method="credit_card")
    _, cash = place(api, store, shop, 1)
    assert send_event(api, store, stripe_fake.pay_intent(paid["payment"]["provider"]["payment_intent_id"])).status \
        == 200
    placed_at = _order(api, store, token, unpaid["order_id"])["created_at"]
    assert _order(api, store, token, unpaid["order_id"])["items"][0]["status"]["expires_at"] == placed_at + 600
    assert stock(api, token, store, product_id) == (8, 4)

    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["released_holds"] == 0  # not yet due
    monkeypatch.setattr("storecrm.commerce.orders.now", lambda: int(time.time()) + 601)
    services.reset()
    with counting_calls() as log:
        assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"}) == {
            "purged_stores": 0, "released_holds": 1, "expired_uploads": 0, "erased_profiles": 0, "reminders_sent": 0,
            "carts_recovered": 0}
    assert log.calls.count("dynamodb.TransactWriteItems") == 1
    released = _order(api, store, token, unpaid["order_id"])
    assert released["status"] == "cancelled"
    assert released["items"][0]["status"] == {"status": "cancelled", "reason": "expired"}
    assert released["history"][-1]["reason"] == "payment_hold_expired"
    assert stock(api, token, store, product_id) == (10, 2)
    assert "DUEPK" not in _raw(store["id"], unpaid["order_id"])
    [event] = [e for e in outbox(store["id"], "order.updated") if e["data"]["order"]["id"] == unpaid["order_id"]]
    assert event["data"]["reason"] == "payment_hold_expired"
    assert _order(api, store, token, paid["order_id"])["status"] == "confirmed"
    assert _order(api, store, token, cash["order_id"])["status"] == "pending"  # cash waits for the staff
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["released_holds"] == 0

    # In the same step the order's PaymentIntent was cancelled at Stripe, with the key that made it: the shopper
    # can no longer pay for stock that is back on sale.
    intent_id = unpaid["payment"]["provider"]["payment_intent_id"]
    assert stripe_fake.payment_intents[intent_id]["status"] == "canceled"
    [cancel] = [r for r in stripe_fake.requests if r.path == f"/v1/payment_intents/{intent_id}/cancel"]
    assert cancel.api_key == STRIPE["secret_key"]
    with pytest.raises(ValueError, match="canceled"):
        stripe_fake.pay_intent(intent_id)


def _release_holds_later(monkeypatch: pytest.MonkeyPatch, seconds: int) -> dict[str, int]:
    import time

    from storecrm import services

    monkeypatch.setattr("storecrm.commerce.orders.now", lambda: int(time.time()) + seconds)
    services.reset()
    return dict(HOSTS["SchedulerFunction"].invoke({"source": "aws.events"}))


def test_a_payment_stripe_took_before_the_hold_ended_keeps_its_order(api: Api, store: dict[str, Any],
                                                                    shop: dict[str, Any], stripe_fake: FakeStripe,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The shopper paid just before the hold ended and Stripe's event has not come yet: the scheduler finds the
    intent paid when it tries to cancel it, and records the payment instead of releasing the order."""
    token = shop["token"]
    _, placed = place(api, store, shop, 2, method="credit_card")
    stripe_fake.pay_intent(placed["payment"]["provider"]["payment_intent_id"])  # its event is still on its way
    # The hold's end is one job of the scheduler (counted as handled), which confirms the order instead of releasing it.
    assert _release_holds_later(monkeypatch, 31 * 60)["released_holds"] == 1
    order = _order(api, store, token, placed["order_id"])
    assert (order["status"], order["payment"]["paid"]) == ("confirmed", placed["payment"]["total"])
    assert stock(api, token, store, shop["product"]["id"]) == (10, 2)  # sold, not back on sale
    assert "DUEPK" not in _raw(store["id"], placed["order_id"])
    assert _reasons(store["id"]) == ["payment_succeeded"]


def test_a_payment_on_a_cancelled_order_is_refunded_at_once(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                            stripe_fake: FakeStripe) -> None:
    """Staff cancel an unpaid card order; the shopper pays it anyway (the intent was still open): the payment is
    refunded in full when its event arrives, with a history entry and order.updated, never kept."""
    token = shop["token"]
    _, placed = place(api, store, shop, 1, method="credit_card")
    order_id, total = placed["order_id"], placed["payment"]["total"]
    assert api.call("PUT", orders_path(store, f"/{order_id}"), {"cancel": True}, token=token).status == 200
    paid = stripe_fake.pay_intent(placed["payment"]["provider"]["payment_intent_id"])
    assert send_event(api, store, paid).body["outcome"] == "applied"
    order = _order(api, store, token, order_id)
    assert (order["status"], order["payment"]["paid"]) == ("cancelled", total)
    [refund] = order["payment"]["refunds"]
    [made] = stripe_fake.refunds.values()
    assert (made["amount"], made["payment_intent"]) == (total, paid["data"]["object"]["id"])
    assert (refund["total"], refund["provider_refund_id"], refund["status"]) == (total, made["id"], "succeeded")
    assert [h["action"] for h in order["history"][-2:]] == ["paid", "refunded"]
    assert _reasons(store["id"]) == ["cancelled", "payment_refunded"]
    # Stripe sends the event again, and then the refund's own charge.refunded: nothing more happens.
    assert send_event(api, store, paid).body["outcome"] == "unchanged"
    assert send_event(api, store, stripe_fake.charge_refunded(paid["data"]["object"]["id"])).body["outcome"] == \
        "unchanged"
    assert len(stripe_fake.refunds) == 1


def test_card_refunds_partial_then_full_through_stripe(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                       stripe_fake: FakeStripe) -> None:
    token = shop["token"]
    _, placed = place(api, store, shop, 2, method="credit_card")
    order_id, total = placed["order_id"], placed["payment"]["total"]
    intent_id = placed["payment"]["provider"]["payment_intent_id"]
    unpaid = api.call("POST", orders_path(store, f"/{order_id}/refund"), {"amount": 100}, token=token)
    assert (unpaid.status, unpaid.error) == (409, "ORDER.REFUND_TOO_LARGE")
    assert unpaid.body["validationErrors"] == [{"field": "amount", "error": "at most 0"}]
    send_event(api, store, stripe_fake.pay_intent(intent_id))

    with counting_calls() as log:
        reply = api.call("POST", orders_path(store, f"/{order_id}/refund"), {"amount": 1000}, token=token)
    assert reply.status == 200, reply.body
    # The order with the access check, the Stripe integration that took the payment, then the refund and its
    # event in one transaction.
    assert [c for c in log.calls if c.startswith("dynamodb")] == [
        "dynamodb.BatchGetItem", "dynamodb.GetItem", "dynamodb.TransactWriteItems"]
    [refund] = reply.body["payment"]["refunds"]
    [made] = stripe_fake.refunds.values()
    assert (refund["total"], refund["provider_refund_id"], refund["status"]) == (1000, made["id"], "succeeded")
    [request] = [r for r in stripe_fake.requests if r.path == "/v1/refunds"]
    assert request.idempotency_key == f"{order_id}:r2:1000" and request.params["payment_intent"] == intent_id
    assert request.api_key == STRIPE["secret_key"]

    too_much = api.call("POST", f"/v1/stores/{store['id']}/refund", {"entity": order_id, "amount": total},
                        token=token)
    assert (too_much.status, too_much.error) == (409, "ORDER.REFUND_TOO_LARGE")
    rest = api.call("POST", f"/v1/stores/{store['id']}/refund", {"entity": order_id, "amount": total - 1000},
                    token=token)
    assert rest.status == 200, rest.body
    assert [r["total"] for r in rest.body["payment"]["refunds"]] == [1000, total - 1000]
    assert _reasons(store["id"]) == ["payment_succeeded", "refunded", "refunded"]
    # Stripe's charge.refunded for refunds recorded already changes nothing; one made in the dashboard is added.
    assert send_event(api, store, stripe_fake.charge_refunded(intent_id)).body["outcome"] == "unchanged"
    assert len(stripe_fake.refunds) == 2


def test_a_dashboard_refund_is_recorded_from_charge_refunded(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                                             stripe_fake: FakeStripe) -> None:
    _, placed = place(api, store, shop, 1, method="credit_card")
    intent_id = placed["payment"]["provider"]["payment_intent_id"]
    send_event(api, store, stripe_fake.pay_intent(intent_id))
    made = stripe_fake.dashboard_refund(intent_id, 700)
    event = stripe_fake.charge_refunded(intent_id)
    assert send_event(api, store, event).body["outcome"] == "applied"
    assert send_event(api, store, event).body["outcome"] == "unchanged"
    [refund] = _order(api, store, shop["token"], placed["order_id"])["payment"]["refunds"]
    assert (refund["total"], refund["provider_refund_id"]) == (700, made["id"])
    # What is left to refund counts it.
    left = placed["payment"]["total"] - 700
    reply = api.call("POST", orders_path(store, f"/{placed['order_id']}/refund"), {"amount": left + 1},
                     token=shop["token"])
    assert reply.status == 409 and reply.body["validationErrors"][0]["error"] == f"at most {left}"


def test_cash_refunds_are_recorded_by_hand(api: Api, store: dict[str, Any], shop: dict[str, Any],
                                           stripe_fake: FakeStripe) -> None:
    token = shop["token"]
    _, placed = place(api, store, shop, 1)
    path, total = orders_path(store, f"/{placed['order_id']}"), placed["payment"]["total"]
    card_like = api.call("PUT", path, {"payment": {**placed["payment"], "paid": total}}, token=token)
    assert card_like.status == 200 and card_like.body["payment"]["paid"] == total  # the cash the store took
    reply = api.call("POST", f"{path}/refund", {"amount": total}, token=token)
    assert reply.status == 200, reply.body
    [refund] = reply.body["payment"]["refunds"]
    assert (refund["total"], refund["provider_refund_id"], refund["status"]) == (total, None, "succeeded")
    assert stripe_fake.requests == []
    again = api.call("POST", f"{path}/refund", {"amount": 1}, token=token)
    assert (again.status, again.error) == (409, "ORDER.REFUND_TOO_LARGE")
    below = api.call("PUT", path, {"payment": {"paid": total - 1}}, token=token)
    assert below.status == 400 and below.body["validationErrors"][0]["field"] == "payment.paid"


def test_refunds_refuse_bad_input_and_other_stores(api: Api, store: dict[str, Any], shop: dict[str, Any]) -> None:
    bearer, placed = place(api, store, shop, 1)
    path = orders_path(store, f"/{placed['order_id']}/refund")
    for body, field in [({}, "amount"), ({"amount": 0}, "amount"), ({"amount": "100"}, "amount"),
                        ({"amount": 1.5}, "amount")]:
        reply = api.call("POST", path, body, token=shop["token"])
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, (body, reply.body)
    reply = api.call("POST", f"/v1/stores/{store['id']}/refund", {"amount": 1}, token=shop["token"])
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "entity"
    assert api.call("POST", f"/v1/stores/{store['id']}/refund", {"entity": "nope", "amount": 1},
                    token=shop["token"]).status == 404
    stranger = login(api, "stranger@example.com")["access_token"]
    assert api.call("POST", path, {"amount": 1}, token=stranger).status == 404
    assert api.call("POST", path, {"amount": 1}, token=bearer).status in (401, 403)
    assert api.call("POST", path, {"amount": 1}).status == 401
    assert outbox(store["id"], "order.updated") == []


def test_a_refund_recorded_by_its_stripe_event_first_is_not_recorded_twice(
        api: Api, store: dict[str, Any], shop: dict[str, Any], stripe_fake: FakeStripe,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Stripe's charge.refunded arrives between Stripe's answer and the refund's own write: the write finds the
    order changed, reads it again and finds the refund there by its Stripe id."""
    from storecrm.kernel.gateways.stripe_payments import StripePayments

    _, placed = place(api, store, shop, 1, method="credit_card")
    intent_id = placed["payment"]["provider"]["payment_intent_id"]
    send_event(api, store, stripe_fake.pay_intent(intent_id))
    original = StripePayments.refund

    def refund_then_event(self: StripePayments, *args: Any) -> dict[str, Any]:
        made = original(self, *args)
        assert send_event(api, store, stripe_fake.charge_refunded(intent_id)).body["outcome"] == "applied"
        return made

    monkeypatch.setattr(StripePayments, "refund", refund_then_event)
    reply = api.call("POST", orders_path(store, f"/{placed['order_id']}/refund"), {"amount": 300},
                     token=shop["token"])
    assert reply.status == 200, reply.body
    [refund] = reply.body["payment"]["refunds"]
    assert (refund["total"], refund["provider_refund_id"]) == (300, next(iter(stripe_fake.refunds)))
    assert _order(api, store, shop["token"], placed["order_id"])["payment"]["refunds"] == [refund]
    assert _reasons(store["id"]) == ["payment_succeeded", "refunded"]


OTHER_STRIPE = {"type": "stripe", "secret_key": "sk_test_51OtherAccount02", "publishable_key": "pk_test_51Other",
                "webhook_secret": "whsec_other_account_events", "currency": "USD"}


def test_refunds_and_events_use_the_integration_that_took_the_payment(api: Api, store: dict[str, Any],
                                                                       shop: dict[str, Any],
                                                                       stripe_fake: FakeStripe) -> None:
    """The store switches to another Stripe account after an order was paid through the first: the first
    account's events still count (checked with its signing secret) and the refund goes to the first account."""
    token = shop["token"]
    _, placed = place(api, store, shop, 1, method="credit_card")
    intent_id = placed["payment"]["provider"]["payment_intent_id"]
    first = _raw(store["id"], placed["order_id"])["payment"]["provider"]["integration_id"]
    assert stripe_fake.payment_intents[intent_id]["metadata"]["integration_id"] == first
    switched = api.call("POST", f"/v1/stores/{store['id']}/integrations",
                        {"key": "stripe-two", "provider": OTHER_STRIPE, "active": True}, token=token)
    assert switched.status == 200 and switched.body["active"] is True

    assert send_event(api, store, stripe_fake.pay_intent(intent_id)).body["outcome"] == "applied"
    reply = api.call("POST", orders_path(store, f"/{placed['order_id']}/refund"), {"amount": 500}, token=token)
    assert reply.status == 200, reply.body
    [request] = [r for r in stripe_fake.requests if r.path == "/v1/refunds"]
    assert request.api_key == STRIPE["secret_key"]
    # The new account cannot speak for the first one's payment.
    refunded = stripe_fake.charge_refunded(intent_id)
    reply = send_event(api, store, refunded, secret=OTHER_STRIPE["webhook_secret"])
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "Stripe-Signature"
    assert send_event(api, store, refunded).body["outcome"] == "unchanged"


def test_orders_from_before_the_integration_was_recorded_use_the_active_one(api: Api, store: dict[str, Any],
                                                                             shop: dict[str, Any],
                                                                             stripe_fake: FakeStripe) -> None:
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.table import put

    _, placed = place(api, store, shop, 1, method="credit_card")
    intent_id = placed["payment"]["provider"]["payment_intent_id"]
    item = _raw(store["id"], placed["order_id"])
    del item["payment"]["provider"]["integration_id"]
    default_table().write(put(item))
    del stripe_fake.payment_intents[intent_id]["metadata"]["integration_id"]
    assert send_event(api, store, stripe_fake.pay_intent(intent_id)).body["outcome"] == "applied"
    reply = api.call("POST", orders_path(store, f"/{placed['order_id']}/refund"), {"amount": 100},
                     token=shop["token"])
    assert reply.status == 200, reply.body
    [request] = [r for r in stripe_fake.requests if r.path == "/v1/refunds"]
    assert request.api_key == STRIPE["secret_key"]
