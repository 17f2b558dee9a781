"""The real stripe client (16.1.0) against localrunner.fake_stripe: what our code will see from Stripe."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import stripe
from localrunner.fake_stripe import FakeStripe, parse_form, sign_stripe_payload

SECRET = "whsec_test_secret"
MEMBERSHIP = {
    "mode": "subscription",
    "success_url": "http://localhost:5173/joined?session={CHECKOUT_SESSION_ID}",
    "cancel_url": "http://localhost:5173/audiences/aud_1",
    "customer_email": "fan@example.com",
    "client_reference_id": "profile-1",
    "line_items": [{"price": "price_gold", "quantity": 1}],
    "metadata": {"store_id": "s1", "audience_id": "aud_1"},
    "subscription_data": {"metadata": {"store_id": "s1", "audience_id": "aud_1"}},
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    # Telemetry would write a telemetry id under ~/.config/stripe and add headers; nothing here needs it.
    monkeypatch.setattr(stripe, "enable_telemetry", False)
    with FakeStripe() as server:
        yield server


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url}, max_network_retries=0)


def test_subscription_checkout_round_trip(fake: FakeStripe, client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=MEMBERSHIP)

    assert session.id.startswith("cs_test_") and session.object == "checkout.session"
    assert session.url == f"{fake.url}/checkout/{session.id}"
    assert (session.mode, session.status, session.subscription) == ("subscription", "open", None)
    assert session.livemode is False
    assert session.metadata.to_dict() == MEMBERSHIP["metadata"] and session.client_reference_id == "profile-1"
    assert session.line_items is not None and session.line_items.data[0].price.id == "price_gold"
    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.id == session.id and again.customer_email == "fan@example.com"
    created = fake.requests[0]
    assert (created.method, created.path, created.api_key) == ("POST", "/v1/checkout/sessions", "sk_test_x")
    assert created.params["line_items"] == [{"price": "price_gold", "quantity": "1"}]  # form values stay strings
    assert created.params["subscription_data"] == {"metadata": MEMBERSHIP["metadata"]}
    assert created.idempotency_key  # the client sends one on every POST


def test_completed_checkout_event_verifies_and_creates_the_subscription(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    session = client.v1.checkout.sessions.create(params=MEMBERSHIP)
    payload = json.dumps(fake.complete_checkout(session.id))

    event = stripe.Webhook.construct_event(payload, sign_stripe_payload(payload, SECRET), SECRET)

    assert event.type == "checkout.session.completed" and event.id.startswith("evt_")
    completed = event.data.object
    assert completed["status"] == "complete" and completed["payment_status"] == "paid"
    assert completed["customer"].startswith("cus_") and completed["client_reference_id"] == "profile-1"
    subscription = client.v1.subscriptions.retrieve(completed["subscription"])
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", False)
    assert subscription.customer == completed["customer"]
    assert subscription.metadata.to_dict() == MEMBERSHIP["subscription_data"]["metadata"]
    item = subscription["items"].data[0]
    # complete_checkout's default period is 30 days from the start.
    assert item.price.id == "price_gold" and item.current_period_end == item.current_period_start + 30 * 86_400
    with pytest.raises(ValueError, match="not open"):
        fake.complete_checkout(session.id)


def test_subscription_events_change_what_the_api_returns(fake: FakeStripe, client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=MEMBERSHIP)
    subscription_id = fake.complete_checkout(session.id)["data"]["object"]["subscription"]

    updated = fake.subscription_event(subscription_id, cancel_at_period_end=True)
    assert updated["type"] == "customer.subscription.updated"
    assert updated["data"]["object"]["cancel_at_period_end"] is True
    assert updated["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert client.v1.subscriptions.retrieve(subscription_id).cancel_at_period_end is True

    deleted = fake.subscription_event(subscription_id, "customer.subscription.deleted")
    assert deleted["data"]["object"]["status"] == "canceled" and "previous_attributes" not in deleted["data"]
    assert client.v1.subscriptions.retrieve(subscription_id).status == "canceled"
    assert [event["type"] for event in fake.events][-2:] == [updated["type"], deleted["type"]]


def test_portal_session(client: stripe.StripeClient) -> None:
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": "cus_123", "return_url": "http://localhost:5173/account"}
    )
    assert portal.id.startswith("bps_") and portal.object == "billing_portal.session"
    assert portal.customer == "cus_123" and portal.return_url == "http://localhost:5173/account" and portal.url


def test_customers_are_created_and_replayed_by_idempotency_key(fake: FakeStripe, client: stripe.StripeClient) -> None:
    params = {"email": "billing@acme.example.com", "name": "acme", "metadata": {"store_id": "s1"}}
    first = client.v1.customers.create(params=params, options={"idempotency_key": "store-customer:s1"})
    again = client.v1.customers.create(params=params, options={"idempotency_key": "store-customer:s1"})
    assert first.id.startswith("cus_") and again.id == first.id and first.metadata.to_dict() == {"store_id": "s1"}
    assert list(fake.customers) == [first.id]


def test_an_idempotency_key_sent_again_with_other_parameters_is_refused(fake: FakeStripe,
                                                                          client: stripe.StripeClient) -> None:
    params = {"amount": 3000, "currency": "usd", "metadata": {"order_id": "o1"}}
    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": "checkout:o1"})
    again = client.v1.payment_intents.create(params=params, options={"idempotency_key": "checkout:o1"})
    assert again.id == first.id and len(fake.payment_intents) == 1
    with pytest.raises(stripe.IdempotencyError) as refused:
        client.v1.payment_intents.create(params={**params, "amount": 3100}, options={"idempotency_key": "checkout:o1"})
    assert "same parameters" in str(refused.value.user_message)
    assert len(fake.payment_intents) == 1


def test_refunds_default_to_the_paid_amount_and_replay_by_idempotency_key(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "http://localhost/ok",
            "line_items": [{"price_data": {"currency": "eur", "unit_amount": 1250, "product": "p1"}, "quantity": 2}],
        }
    )
    payment_intent = fake.complete_checkout(session.id)["data"]["object"]["payment_intent"]

    full = client.v1.refunds.create(params={"payment_intent": payment_intent})
    assert (full.object, full.status, full.amount, full.currency) == ("refund", "succeeded", 2500, "eur")
    partial = client.v1.refunds.create(params={"charge": "ch_1", "amount": 500}, options={"idempotency_key": "r-1"})
    replayed = client.v1.refunds.create(params={"charge": "ch_1", "amount": 500}, options={"idempotency_key": "r-1"})
    assert partial.id.startswith("re_") and partial.amount == 500 and replayed.id == partial.id
    assert len(fake.refunds) == 2


def test_payment_intents_confirm_then_refund_no_more_than_was_paid(fake: FakeStripe,
                                                                   client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create(params={"amount": 3000, "currency": "usd",
                                                       "metadata": {"order_id": "o1"}})
    with pytest.raises(stripe.InvalidRequestError):  # nothing paid yet
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 100})
    declined = client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_chargeDeclined"})
    assert declined.status == "requires_payment_method" and declined.last_payment_error.code == "card_declined"
    paid = client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    assert (paid.status, paid.amount_received, paid.metadata["order_id"]) == ("succeeded", 3000, "o1")

    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 2001})
    assert refused.value.code == "amount_too_large"
    rest = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert rest.amount == 2000
    listed = client.v1.refunds.list(params={"payment_intent": intent.id})
    assert sorted(r.amount for r in listed.data) == [1000, 2000]
    event = fake.charge_refunded(intent.id)
    charge = event["data"]["object"]
    assert (event["type"], charge["amount_refunded"], charge["refunded"], charge["metadata"]) == (
        "charge.refunded", 3000, True, {"order_id": "o1"})


@pytest.mark.parametrize("key", ["sk_live_abcdefgh1234", "pk_test_x"])
def test_keys_other_than_secret_test_keys_are_rejected(fake: FakeStripe, key: str) -> None:
    client = stripe.StripeClient(key, base_addresses={"api": fake.url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as caught:
        client.v1.checkout.sessions.create(params=MEMBERSHIP)
    assert caught.value.http_status == 401 and caught.value.json_body["error"]["type"] == "invalid_request_error"
    assert fake.requests[-1].api_key == key and not fake.sessions


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"success_url": None}, "success_url"),
        ({"mode": "donation"}, "mode"),
        ({"line_items": None}, "line_items"),
        ({"line_items": [{"quantity": 1}]}, "line_items[0]"),
        (
            {"line_items": [{"price_data": {"currency": "eur", "unit_amount": 500}}]},
            "line_items[0][price_data][recurring]",
        ),
        ({"customer": "cus_1"}, "customer_email"),
    ],
)
def test_invalid_checkout_requests(client: stripe.StripeClient, change: dict[str, object], param: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params={**MEMBERSHIP, **change})
    assert caught.value.http_status == 400 and caught.value.param == param


def test_unknown_objects_and_paths_are_404(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.retrieve("sub_missing")
    assert caught.value.http_status == 404 and caught.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError, match="Unrecognized request URL"):
        client.v1.products.create(params={"name": "Mug"})
    with pytest.raises(stripe.InvalidRequestError) as refund:
        client.v1.refunds.create(params={"amount": 100})
    assert refund.value.param == "payment_intent"


def test_webhook_signatures() -> None:
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "customer.subscription.deleted", "data": {}})

    assert stripe.Webhook.construct_event(payload, sign_stripe_payload(payload, SECRET), SECRET).id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign_stripe_payload(payload, "whsec_other"), SECRET)
    stale = sign_stripe_payload(payload, SECRET, timestamp=int(time.time()) - stripe.Webhook.DEFAULT_TOLERANCE - 60)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(payload, stale, SECRET)
    assert sign_stripe_payload(payload, SECRET, 1_700_000_000) == stripe.WebhookSignature.generate_signature_header(
        payload, SECRET, 1_700_000_000
    )


def test_parse_form_rebuilds_nested_params() -> None:
    form = "a[b][0][c]=1&a[b][1][c]=2&expand[]=x&expand[]=y&metadata[k]=&mode=payment"
    assert parse_form(form) == {
        "a": {"b": [{"c": "1"}, {"c": "2"}]},
        "expand": ["x", "y"],
        "metadata": {"k": ""},
        "mode": "payment",
    }


PURCHASE = {
    "mode": "payment",
    "success_url": "http://localhost:5173/bought",
    "customer_email": "fan@example.com",
    "customer_creation": "always",
    "line_items": [{"price_data": {"currency": "usd", "unit_amount": 25000, "product_data": {"name": "lifetime"}},
                    "quantity": 1}],
    "metadata": {"store_id": "s1", "audience_id": "aud_1"},
    "payment_intent_data": {"metadata": {"store_id": "s1", "audience_id": "aud_1"}},
}


def test_one_time_purchase_checkout(fake: FakeStripe, client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=PURCHASE)
    assert (session.mode, session.amount_total, session.currency) == ("payment", 25000, "usd")
    completed = fake.complete_checkout(session.id)["data"]["object"]
    assert completed["payment_status"] == "paid" and completed["subscription"] is None
    assert completed["payment_intent"].startswith("pi_") and completed["customer"].startswith("cus_")
    assert completed["metadata"] == PURCHASE["metadata"]
    assert fake.payment_intents[completed["payment_intent"]]["metadata"] == PURCHASE["metadata"]
    # Without customer_creation Stripe makes a guest customer: the session names none.
    guest = client.v1.checkout.sessions.create(params={**PURCHASE, "customer_creation": "if_required"})
    assert fake.complete_checkout(guest.id)["data"]["object"]["customer"] is None


def test_delayed_payment_completes_unpaid_then_settles(fake: FakeStripe, client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=PURCHASE)
    completed = fake.complete_checkout(session.id, paid=False)
    assert completed["data"]["object"]["payment_status"] == "unpaid"
    settled = fake.settle_payment(session.id)
    assert settled["type"] == "checkout.session.async_payment_succeeded"
    assert settled["data"]["object"]["payment_status"] == "paid"
    failing = client.v1.checkout.sessions.create(params=PURCHASE)
    fake.complete_checkout(failing.id, paid=False)
    assert fake.settle_payment(failing.id, succeeded=False)["type"] == "checkout.session.async_payment_failed"
    with pytest.raises(ValueError, match="payment mode"):
        fake.complete_checkout(client.v1.checkout.sessions.create(params=MEMBERSHIP).id, paid=False)


@pytest.mark.parametrize(("change", "param"), [
    ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100, "recurring": {"interval": "month"},
                                     "product_data": {"name": "x"}}, "quantity": 1}]}, "line_items[0][price_data]"),
    ({"subscription_data": {"metadata": {"a": "b"}}}, "subscription_data"),
])
def test_payment_mode_refuses_what_only_subscriptions_take(client: stripe.StripeClient, change: dict[str, object],
                                                           param: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params={**PURCHASE, **change})
    assert refused.value.param is not None and refused.value.param.startswith(param)


@pytest.mark.parametrize("name", ["payment_intent_data", "customer_creation"])
def test_subscription_mode_refuses_what_only_payments_take(client: stripe.StripeClient, name: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params={**MEMBERSHIP, name: PURCHASE[name]})
    assert refused.value.param == name
