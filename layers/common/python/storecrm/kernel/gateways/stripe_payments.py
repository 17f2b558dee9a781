"""Stripe through the official library, with the store's own keys. The only module that imports stripe,
and only when a call needs it, so functions that never pay do not load it."""

from __future__ import annotations

from typing import Any

from storecrm.config import settings
from storecrm.kernel.errors import Conflict, DomainError, Unavailable, ValidationFailed

SIGNATURE_TOLERANCE_SECONDS = 300


def _client(secret_key: str) -> Any:
    import stripe

    stripe.enable_telemetry = False  # no request metrics sent along to Stripe
    return stripe.StripeClient(secret_key, base_addresses={"api": settings().stripe_api_base},
                               max_network_retries=2)


def _translated(error: Any) -> DomainError:
    """A Stripe library error as the answer it becomes."""
    import stripe

    if isinstance(error, stripe.AuthenticationError):
        return Conflict("Stripe refused the store's secret key; check the payment integration", "PAYMENT.KEY_REFUSED")
    if isinstance(error, stripe.InvalidRequestError):
        return ValidationFailed.on(str(error.param or "body"), f"Stripe refused the request: {error.user_message}")
    return Unavailable("Stripe could not be reached; try again shortly")


def _call(action: Any) -> Any:
    import stripe

    try:
        return action()
    except stripe.StripeError as exc:
        raise _translated(exc) from None


class StripePayments:
    def checkout(self, secret_key: str, params: dict[str, Any], idempotency_key: str) -> str:
        """A Checkout Session (its mode is in `params`); returns the URL to send the shopper to."""
        session = _call(lambda: _client(secret_key).v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return str(session.url)

    def payment_intent(self, secret_key: str, params: dict[str, Any], idempotency_key: str) -> tuple[str, str]:
        """A PaymentIntent; returns its id and the client secret the storefront confirms it with."""
        intent = _call(lambda: _client(secret_key).v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return str(intent.id), str(intent.client_secret)

    def cancel_payment_intent(self, secret_key: str, intent_id: str) -> dict[str, Any]:
        """Cancels the PaymentIntent if it can still be cancelled; returns it as Stripe has it then (`status`
        `canceled`, or `succeeded`/`processing` when it was paid, or is being paid, first)."""
        import stripe

        client = _client(secret_key)
        try:
            found = client.v1.payment_intents.cancel(intent_id, params={"cancellation_reason": "abandoned"})
        except stripe.StripeError as exc:
            if getattr(exc, "code", None) != "payment_intent_unexpected_state":
                raise _translated(exc) from None
            found = _call(lambda: client.v1.payment_intents.retrieve(intent_id))  # cancelled already, or paid
        return dict(found.to_dict())

    def refund(self, secret_key: str, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A Refund of (part of) a PaymentIntent; returns it (id, status, amount)."""
        made = _call(lambda: _client(secret_key).v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return dict(made.to_dict())

    def refunds(self, secret_key: str, payment_intent_id: str) -> list[dict[str, Any]]:
        """The PaymentIntent's refunds (the first 100, more than any order here makes)."""
        found = _call(lambda: _client(secret_key).v1.refunds.list(
            params={"payment_intent": payment_intent_id, "limit": 100}))
        return [dict(r.to_dict()) for r in found.data]
    def customer(self, secret_key: str, params: dict[str, Any], idempotency_key: str) -> str:
        """A Customer; returns its id."""
        created = _call(lambda: _client(secret_key).v1.customers.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return str(created.id)

    def portal(self, secret_key: str, params: dict[str, Any]) -> str:
        """A Billing Portal session; returns the URL to send the customer to."""
        session = _call(lambda: _client(secret_key).v1.billing_portal.sessions.create(params=params))
        return str(session.url)

    def subscription(self, secret_key: str, subscription_id: str) -> dict[str, Any]:
        found = _call(lambda: _client(secret_key).v1.subscriptions.retrieve(subscription_id))
        return dict(found.to_dict())

    def cancel_subscription(self, secret_key: str, subscription_id: str) -> None:
        """Cancels the subscription now (no proration, no final invoice); one Stripe ended already, or does not
        know, needs nothing more."""
        import stripe

        client = _client(secret_key)
        try:
            client.v1.subscriptions.cancel(subscription_id)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return
            found = _call(lambda: client.v1.subscriptions.retrieve(subscription_id))
            if found.status not in ("canceled", "incomplete_expired"):
                raise _translated(exc) from None
        except stripe.StripeError as exc:
            raise _translated(exc) from None

    def verified_event(self, payload: str, signature: str | None, webhook_secret: str) -> dict[str, Any]:
        """The event if Stripe signed it recently with this secret; otherwise a 400."""
        import stripe

        try:
            event = stripe.Webhook.construct_event(payload, signature, webhook_secret,
                                                   tolerance=SIGNATURE_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError:
            raise ValidationFailed.on("Stripe-Signature", "does not match the payload, or is too old") from None
        except ValueError:
            raise ValidationFailed.on("body", "is not a Stripe event") from None
        return dict(event.to_dict())
