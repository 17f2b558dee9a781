"""Stripe's events for one store: POST /v1/stores/{storeId}/stripe/webhook (signature-checked).

Point the store's Stripe webhook endpoint here with the checkout.session.completed and
customer.subscription.* events (paid audiences) and payment_intent.succeeded, payment_intent.payment_failed and
charge.refunded (orders); the signing secret goes into the store's stripe integration. Each event is checked with
the secret of the integration its object's metadata names (the one that opened the checkout or PaymentIntent),
else with the active one's, so a store that switches Stripe accounts keeps the old account's endpoint working.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.openapi import errors
from storecrm.kernel.base_model import Model
from storecrm.services import stripe_events

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


class Received(Model):
    received: bool
    outcome: str


@app.post("/v1/stores/<storeId>/stripe/webhook", tags=["Audiences"], responses=errors(409),
          summary="Stripe events for paid audience memberships and order payments")
def stripe_webhook(storeId: str) -> Received:  # noqa: N803 - path parameter name from the template
    event = app.current_event
    # The signature covers the raw body, so it is read as sent rather than parsed into a model.
    outcome = stripe_events().receive(storeId, event.decoded_body or "",
                                      event.headers.get("Stripe-Signature"))  # case-insensitive in Powertools v3
    return Received(received=True, outcome=outcome)


lambda_handler = lambda_entry(app)
