"""A local stand-in for the Stripe API, so tests and the local runner never call api.stripe.com.

It speaks Stripe's wire format (form-encoded requests, JSON objects, Stripe's error shape) well enough for the real
`stripe` client: Checkout sessions (subscription mode, and payment mode for one-time purchases, paid at once or
settled later), billing portal sessions, customers, refunds and the subscriptions and payment intents that completed
checkouts create. It does not import `stripe`, so it also loads where only the runtime dependencies are installed.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger("localrunner.stripe")

# The API version stripe 16.1.0 pins; events carry it as Stripe's do.
API_VERSION = "2026-10-28.endive"
_MODES = ("payment", "subscription", "setup")
_SUBSCRIPTION_EVENTS = ("customer.subscription.updated", "customer.subscription.deleted")
# Session parameters Stripe accepts in one mode only.
_ONLY_IN_MODE = {"subscription_data": "subscription", "payment_intent_data": "payment", "customer_creation": "payment"}
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_ID_CHARS = string.ascii_letters + string.digits
_DAY = 86_400

Json = dict[str, Any]


class StripeError(Exception):
    """An API error as Stripe reports it; the client maps the status (and type) to its exception class."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.param, self.code, self.kind = status, param, code, kind

    def body(self) -> Json:
        error: Json = {"type": self.kind, "message": str(self)}
        error.update({key: value for key, value in (("param", self.param), ("code", self.code)) if value})
        return {"error": error}


@dataclass
class StripeRequest:
    """One call as the fake saw it, for test assertions."""

    method: str
    path: str
    params: Json
    api_key: str | None
    idempotency_key: str | None = None


def sign_stripe_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send with this webhook body (scheme v1: HMAC-SHA256 of "t.body")."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{signed_at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={signed_at},v1={digest}"


def parse_form(form: str) -> Json:
    """Stripe's nested form encoding (`line_items[0][price]=p`, `metadata[k]=v`) back into dicts and lists."""
    root: Json = {}
    for key, value in parse_qsl(form, keep_blank_values=True):
        name, _, rest = key.partition("[")
        parts = [name, *_BRACKETS.findall("[" + rest)] if rest else [name]
        node: Any = root
        for part in parts[:-1]:
            node = node.setdefault(part or str(len(node)), {}) if isinstance(node, dict) else None
        if not isinstance(node, dict) or isinstance(node.get(parts[-1]), dict):
            raise StripeError(400, f"Invalid object: {key} mixes a value and nested keys", param=name)
        node[parts[-1] or str(len(node))] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    """Dicts keyed 0, 1, ... were arrays on the client side."""
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def _new_id(prefix: str) -> str:
    return f"{prefix}_{''.join(secrets.choice(_ID_CHARS) for _ in range(24))}"


def _required(params: Json, name: str, where: str = "") -> Any:
    if params.get(name) in (None, ""):
        param = f"{where}[{name}]" if where else name
        raise StripeError(400, f"Missing required param: {param}.", param=param, code="parameter_missing")
    return params[name]


def _integer(value: Any, param: str, minimum: int = 0) -> int:
    if not str(value).lstrip("-").isdigit() or int(value) < minimum:
        raise StripeError(400, f"Invalid integer: {value}", param=param, code="parameter_invalid_integer")
    return int(value)


def _mapping(params: Json, name: str) -> Json:
    value = params.get(name) or {}
    if not isinstance(value, dict):
        raise StripeError(400, f"Invalid object: {name} must be a hash", param=name)
    return value


class FakeStripe:
    """Stripe's API on a free loopback port; all state in memory, one instance per test or runner.

    `state()` and `restore()` carry its objects across a restart of the local runner, which calls
    `on_change` after every call that may have changed them. The calls and events recorded for tests are
    the newest KEPT.
    """

    KEPT = 1000

    _ROUTES = (
        ("POST", re.compile(r"/v1/checkout/sessions"), "_create_checkout_session"),
        ("GET", re.compile(r"/v1/checkout/sessions/([^/]+)"), "_retrieve_checkout_session"),
        ("POST", re.compile(r"/v1/billing_portal/sessions"), "_create_portal_session"),
        ("POST", re.compile(r"/v1/customers"), "_create_customer"),
        ("POST", re.compile(r"/v1/refunds"), "_create_refund"),
        ("GET", re.compile(r"/v1/refunds"), "_list_refunds"),
        ("POST", re.compile(r"/v1/payment_intents"), "_create_payment_intent"),
        ("POST", re.compile(r"/v1/payment_intents/([^/]+)/confirm"), "_confirm_payment_intent"),
        ("POST", re.compile(r"/v1/payment_intents/([^/]+)/cancel"), "_cancel_payment_intent"),
        ("GET", re.compile(r"/v1/payment_intents/([^/]+)"), "_retrieve_payment_intent"),
        ("GET", re.compile(r"/v1/subscriptions/([^/]+)"), "_retrieve_subscription"),
        ("DELETE", re.compile(r"/v1/subscriptions/([^/]+)"), "_cancel_subscription"),
    )

    def __init__(self, host: str = "127.0.0.1", checkout_base: str | None = None) -> None:
        self._host, self._server = host, _Server((host, 0), self)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.checkout_base = checkout_base or f"{self.url}/checkout"
        self.requests: list[StripeRequest] = []
        self.events: list[Json] = []
        self.sessions: dict[str, Json] = {}  # by id, as the API returns them; likewise below
        self.portal_sessions: dict[str, Json] = {}
        self.customers: dict[str, Json] = {}
        self.refunds: dict[str, Json] = {}
        self.subscriptions: dict[str, Json] = {}
        self.payment_intents: dict[str, Json] = {}
        self._session_params: dict[str, Json] = {}
        self._payments: dict[str, tuple[int | None, str | None]] = {}  # payment intent -> (amount, currency)
        # (api key, idempotency key) -> the request it was first sent with (method, path, params), and the reply
        self._replies: dict[tuple[str, str], tuple[tuple[str, str, Json], tuple[int, Json]]] = {}
        self.on_change: Callable[[], None] | None = None

    _STATE = ("sessions", "portal_sessions", "customers", "refunds", "subscriptions", "payment_intents",
              "_session_params", "_payments", "_replies")

    def state(self) -> Json:
        """The objects it keeps (copies), for restore()."""
        with self._lock:
            return copy.deepcopy({name: getattr(self, name) for name in self._STATE})

    def restore(self, state: Json) -> None:
        with self._lock:
            for name in self._STATE:
                setattr(self, name, copy.deepcopy(state.get(name, {})))

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @staticmethod
    def _keep_newest(records: list[Any]) -> None:
        if len(records) > 2 * FakeStripe.KEPT:
            del records[: -FakeStripe.KEPT]

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> str:
        # A short poll keeps stop() quick; tests start and stop one fake each.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="stripe", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------------ API
    def handle(
        self, method: str, path: str, form: str, authorization: str | None, idempotency_key: str | None = None
    ) -> tuple[int, Json]:
        """One API call -> (status, JSON body). Recorded before any check, so rejected calls show in tests too."""
        auth = authorization or ""
        api_key = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        idempotency_key = idempotency_key if method == "POST" else None
        reply = self._handle(method, path, form, api_key, idempotency_key)
        if method == "POST" and reply[0] == 200:
            self._changed()
        return reply

    def _handle(self, method: str, path: str, form: str, api_key: str | None,
                idempotency_key: str | None) -> tuple[int, Json]:
        with self._lock:
            request = StripeRequest(method, path, {}, api_key, idempotency_key)
            self.requests.append(request)
            self._keep_newest(self.requests)
            try:
                request.params = parse_form(form)
                if not api_key:
                    raise StripeError(401, "You did not provide an API key; use Authorization: Bearer sk_test_...")
                if not api_key.startswith("sk_test_"):
                    raise StripeError(401, f"Invalid API Key provided: {api_key[:8]}****{api_key[-4:]}")
                # Stripe replays the first reply to a repeated idempotency key (client retries rely on it), and
                # refuses the key with another request.
                if idempotency_key and (api_key, idempotency_key) in self._replies:
                    first, replied = self._replies[(api_key, idempotency_key)]
                    if first != (method, path, request.params):
                        raise StripeError(400, "Keys for idempotent requests can only be used with the same "
                                          f"parameters they were first used with. Try using a key other than "
                                          f"'{idempotency_key}' if you meant to execute a different request.",
                                          kind="idempotency_error")
                    return replied
                reply = 200, self._dispatch(method, path, request.params)
            except StripeError as error:
                log.debug("%s %s -> %s %s", method, path, error.status, error)
                if error.kind == "idempotency_error":
                    return error.status, error.body()
                reply = error.status, error.body()
            if api_key and idempotency_key and reply[0] != 401:
                self._replies[(api_key, idempotency_key)] = (method, path, request.params), reply
            return reply

    def _dispatch(self, method: str, path: str, params: Json) -> Json:
        for verb, pattern, name in self._ROUTES:
            if verb == method and (match := pattern.fullmatch(path)):
                result: Json = getattr(self, name)(params, *match.groups())
                return copy.deepcopy(result)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _create_checkout_session(self, params: Json) -> Json:
        mode = _required(params, "mode")
        if mode not in _MODES:
            raise StripeError(400, "Invalid mode: must be one of payment, setup, or subscription", param="mode")
        success_url = _required(params, "success_url")
        if params.get("customer") and params.get("customer_email"):
            raise StripeError(400, "You may only specify one of these parameters: customer, customer_email.",
                              param="customer_email")
        for name, only_in in _ONLY_IN_MODE.items():
            if name in params and mode != only_in:
                raise StripeError(400, f"You can only pass `{name}` in `{only_in}` mode.", param=name)
        if params.get("customer_creation") not in (None, "always", "if_required"):
            raise StripeError(400, "Invalid customer_creation: must be one of always or if_required",
                              param="customer_creation")
        items = _required(params, "line_items") if mode != "setup" else params.get("line_items") or []
        if not isinstance(items, list):
            raise StripeError(400, "Invalid array", param="line_items")
        line_items = [self._line_item(item, mode, f"line_items[{index}]") for index, item in enumerate(items)]
        totals = [item["amount_total"] for item in line_items]
        created, session_id = int(time.time()), _new_id("cs_test")
        self._session_params[session_id] = params
        url = f"/v1/checkout/sessions/{session_id}/line_items"
        lines = {"object": "list", "data": line_items, "has_more": False, "url": url}
        self.sessions[session_id] = session = {
            "id": session_id, "object": "checkout.session", "mode": mode, "status": "open", "payment_status": "unpaid",
            "url": f"{self.checkout_base}/{session_id}", "success_url": success_url,
            "cancel_url": params.get("cancel_url"), "client_reference_id": params.get("client_reference_id"),
            "customer": params.get("customer"), "customer_email": params.get("customer_email"),
            "customer_details": None, "metadata": _mapping(params, "metadata"), "line_items": lines,
            "amount_total": sum(totals) if None not in totals else None,
            "currency": next((item["price"]["currency"] for item in line_items if item["price"]["currency"]), None),
            "payment_intent": None, "subscription": None, "created": created, "expires_at": created + _DAY,
            "livemode": False,
        }
        return session

    @staticmethod
    def _line_item(item: Any, mode: str, where: str) -> Json:
        if not isinstance(item, dict) or not (item.get("price") or item.get("price_data")):
            raise StripeError(400, f"You must specify either `price` or `price_data` in {where}.", param=where)
        quantity = _integer(item.get("quantity", 1), f"{where}[quantity]", minimum=1)
        data = _mapping(item, "price_data")
        unit_amount = None
        if data:
            _required(data, "currency", f"{where}[price_data]")
            unit_amount = _integer(_required(data, "unit_amount", f"{where}[price_data]"),
                                   f"{where}[price_data][unit_amount]")
            if mode == "subscription" and not data.get("recurring"):
                raise StripeError(400, f"Missing required param: {where}[price_data][recurring].",
                                  param=f"{where}[price_data][recurring]", code="parameter_missing")
            if mode == "payment" and data.get("recurring"):
                raise StripeError(400, "You specified `payment` mode but passed a recurring price. Either switch to "
                                  "`subscription` mode or use only one-time prices.",
                                  param=f"{where}[price_data][recurring]")
        price = {"id": item.get("price") or _new_id("price"), "object": "price", "currency": data.get("currency"),
                 "unit_amount": unit_amount, "recurring": data.get("recurring"), "product": data.get("product")}
        amount = unit_amount * quantity if unit_amount is not None else None
        return {"id": _new_id("li"), "object": "item", "amount_total": amount, "price": price, "quantity": quantity}

    def _retrieve_checkout_session(self, params: Json, session_id: str) -> Json:
        return self._find(self.sessions, session_id, "checkout.session", "session")

    def _create_portal_session(self, params: Json) -> Json:
        customer, return_url = _required(params, "customer"), _required(params, "return_url")
        portal_id = _new_id("bps")
        self.portal_sessions[portal_id] = portal = {
            "id": portal_id, "object": "billing_portal.session", "customer": customer, "return_url": return_url,
            "url": f"{self.url}/billing/{portal_id}", "configuration": "bpc_fake", "flow": None,
            "locale": params.get("locale"), "created": int(time.time()), "livemode": False,
        }
        return portal

    def _create_customer(self, params: Json) -> Json:
        customer_id = _new_id("cus")
        self.customers[customer_id] = customer = {
            "id": customer_id, "object": "customer", "email": params.get("email"), "name": params.get("name"),
            "metadata": dict(_mapping(params, "metadata")), "created": int(time.time()), "livemode": False,
        }
        return customer

    def _create_refund(self, params: Json) -> Json:
        payment_intent, charge = params.get("payment_intent"), params.get("charge")
        if not (payment_intent or charge):
            raise StripeError(400, "One of the following params should be provided for this request: "
                              "payment_intent or charge.", param="payment_intent", code="parameter_missing")
        for name, value, prefix in (("payment_intent", payment_intent, "pi_"), ("charge", charge, "ch_")):
            if value and not str(value).startswith(prefix):
                raise StripeError(404, f"No such {name}: '{value}'", param=name, code="resource_missing")
        paid, currency = self._payments.get(payment_intent or "", (None, "usd"))
        intent = self.payment_intents.get(payment_intent or "")
        if intent is not None and intent.get("object") == "payment_intent" and intent["status"] != "succeeded":
            raise StripeError(400, f"PaymentIntent {payment_intent} does not have a successful charge to refund.",
                              param="payment_intent", code="charge_not_refundable")
        refunded = sum(r["amount"] or 0 for r in self.refunds.values()
                       if payment_intent and r["payment_intent"] == payment_intent)
        left = None if paid is None else paid - refunded
        amount = _integer(params["amount"], "amount", minimum=1) if "amount" in params else left
        if left is not None and amount is not None and amount > left:
            raise StripeError(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                              param="amount", code="amount_too_large")
        refund_id = _new_id("re")
        self.refunds[refund_id] = refund = {
            "id": refund_id, "object": "refund", "status": "succeeded", "amount": amount, "currency": currency,
            "payment_intent": payment_intent, "charge": charge, "reason": params.get("reason"),
            "metadata": _mapping(params, "metadata"), "created": int(time.time()),
        }
        return refund

    def _list_refunds(self, params: Json) -> Json:
        payment_intent = params.get("payment_intent")
        data = [r for r in self.refunds.values() if not payment_intent or r["payment_intent"] == payment_intent]
        return {"object": "list", "url": "/v1/refunds", "has_more": False, "data": data}

    def _create_payment_intent(self, params: Json) -> Json:
        amount = _integer(_required(params, "amount"), "amount", minimum=1)
        currency = str(_required(params, "currency"))
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeError(400, f"Invalid currency: {currency}.", param="currency")
        intent_id = _new_id("pi")
        self._payments[intent_id] = (amount, currency)
        self.payment_intents[intent_id] = intent = {
            "id": intent_id, "object": "payment_intent", "amount": amount, "currency": currency,
            "customer": params.get("customer"), "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "automatic_payment_methods": _mapping(params, "automatic_payment_methods") or None,
            "metadata": dict(_mapping(params, "metadata")), "created": int(time.time()), "livemode": False,
        }
        return intent

    def _confirm_payment_intent(self, params: Json, intent_id: str) -> Json:
        """What Stripe.js does with the client secret: Stripe's test card `pm_card_chargeDeclined` is declined,
        any other payment method pays. Returns the intent (the test sends the event itself: the fake knows no
        webhook endpoint)."""
        intent = self._find(self.payment_intents, intent_id, "payment_intent", "intent")
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeError(400, f"This PaymentIntent's status is {intent['status']}, so it cannot be confirmed.",
                              code="payment_intent_unexpected_state")
        self._settle_intent(intent, params.get("payment_method") != "pm_card_chargeDeclined", "Your card was declined.")
        return intent

    def _cancel_payment_intent(self, params: Json, intent_id: str) -> Json:
        """Stripe cancels an intent that has not succeeded (nor started processing) and refuses any other."""
        intent = self._find(self.payment_intents, intent_id, "payment_intent", "intent")
        if not str(intent["status"]).startswith("requires_"):
            raise StripeError(400, f"You cannot cancel this PaymentIntent because it has a status of "
                              f"{intent['status']}. Only a PaymentIntent with one of the following statuses may be "
                              "canceled: requires_payment_method, requires_capture, requires_confirmation, "
                              "requires_action, processing.", code="payment_intent_unexpected_state")
        intent.update(status="canceled", canceled_at=int(time.time()),
                      cancellation_reason=params.get("cancellation_reason"))
        return intent

    def _retrieve_payment_intent(self, params: Json, intent_id: str) -> Json:
        return self._find(self.payment_intents, intent_id, "payment_intent", "intent")

    def _settle_intent(self, intent: Json, succeeded: bool, message: str) -> None:
        if succeeded:
            intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=_new_id("ch"),
                          last_payment_error=None)
        else:
            intent.update(status="requires_payment_method",
                          last_payment_error={"type": "card_error", "code": "card_declined", "message": message})

    def _retrieve_subscription(self, params: Json, subscription_id: str) -> Json:
        return self._find(self.subscriptions, subscription_id, "subscription", "id")

    def _cancel_subscription(self, params: Json, subscription_id: str) -> Json:
        """Cancels at once (Stripe's DELETE); the test sends `customer.subscription.deleted` itself if it wants it."""
        subscription = self._find(self.subscriptions, subscription_id, "subscription", "id")
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise StripeError(400, "A canceled subscription can only update its cancellation_details and metadata.",
                              param="subscription")
        now = int(time.time())
        subscription.update(status="canceled", canceled_at=subscription["canceled_at"] or now, ended_at=now)
        return subscription

    @staticmethod
    def _find(store: dict[str, Json], object_id: str, kind: str, param: str) -> Json:
        if object_id not in store:
            raise StripeError(404, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")
        return store[object_id]

    # ------------------------------------------------------------------------ test helpers
    def complete_checkout(
        self, session_id: str, *, customer: str | None = None, email: str | None = None, period_days: int = 30,
        paid: bool = True,
    ) -> Json:
        """Pay an open session as the customer would; returns the `checkout.session.completed` event.

        Like Stripe, the subscription gets `subscription_data[metadata]`, not the session's metadata, and
        a payment-mode session names a customer only when one was given or `customer_creation=always`
        (otherwise Stripe keeps a guest). `paid=False` (payment mode) is a delayed payment method: the
        session completes unpaid and `settle_payment` later says how it went.
        """
        with self._lock:
            session = self._find(self.sessions, session_id, "checkout.session", "session")
            if session["status"] != "open":
                raise ValueError(f"checkout session {session_id} is {session['status']}, not open")
            mode, params = session["mode"], self._session_params[session_id]
            if not paid and mode != "payment":
                raise ValueError("only payment mode sessions complete unpaid")
            named = customer or session["customer"]
            if mode == "payment" and not named and params.get("customer_creation") != "always":
                customer = None
            else:
                customer = named or _new_id("cus")
            now = int(time.time())
            email = session["customer_email"] or email or f"{customer or 'guest'}@example.com"
            session.update(status="complete", customer=customer, customer_details={"email": email},
                           payment_status="no_payment_required" if mode == "setup" else "paid" if paid else "unpaid")
            if mode == "payment":
                session["payment_intent"] = payment_intent = _new_id("pi")
                self._payments[payment_intent] = (session["amount_total"], session["currency"])
                self.payment_intents[payment_intent] = {
                    "id": payment_intent, "object": "payment_intent", "amount": session["amount_total"],
                    "currency": session["currency"], "customer": customer,
                    "status": "succeeded" if paid else "processing",
                    "metadata": dict(_mapping(_mapping(params, "payment_intent_data"), "metadata")),
                    "created": now, "livemode": False,
                }
            elif mode == "subscription":
                session["subscription"] = self._subscribe(session, customer or _new_id("cus"), now,
                                                          now + period_days * _DAY)
            return self._event("checkout.session.completed", session)

    def settle_payment(self, session_id: str, *, succeeded: bool = True) -> Json:
        """A delayed payment of a completed, unpaid session clears or fails; returns
        `checkout.session.async_payment_succeeded` or `..._failed`, as Stripe sends them."""
        with self._lock:
            session = self._find(self.sessions, session_id, "checkout.session", "session")
            if session["status"] != "complete" or session["payment_status"] != "unpaid":
                raise ValueError(f"checkout session {session_id} has no payment waiting to settle")
            self.payment_intents[session["payment_intent"]]["status"] = (
                "succeeded" if succeeded else "requires_payment_method")
            if succeeded:
                session["payment_status"] = "paid"
            kind = "succeeded" if succeeded else "failed"
            return self._event(f"checkout.session.async_payment_{kind}", session)

    def pay_intent(self, intent_id: str, *, succeeded: bool = True, message: str = "Your card was declined.") -> Json:
        """The shopper confirms a PaymentIntent; returns `payment_intent.succeeded` (with its charge) or
        `payment_intent.payment_failed`, as Stripe sends them."""
        with self._lock:
            intent = self._find(self.payment_intents, intent_id, "payment_intent", "intent")
            if intent["status"] in ("succeeded", "canceled"):
                raise ValueError(f"payment intent {intent_id} is {intent['status']} already")
            self._settle_intent(intent, succeeded, message)
            return self._event("payment_intent.succeeded" if succeeded else "payment_intent.payment_failed", intent)

    def charge_refunded(self, intent_id: str) -> Json:
        """`charge.refunded` for the PaymentIntent's charge after refunds (made here or "in the dashboard"):
        like Stripe's current API versions, the charge carries `amount_refunded` but no refund list."""
        with self._lock:
            intent = self._find(self.payment_intents, intent_id, "payment_intent", "intent")
            refunded = sum(r["amount"] or 0 for r in self.refunds.values() if r["payment_intent"] == intent_id)
            charge = {"id": intent.get("latest_charge") or _new_id("ch"), "object": "charge",
                      "amount": intent["amount"], "amount_captured": intent["amount"], "amount_refunded": refunded,
                      "refunded": refunded >= intent["amount"], "currency": intent["currency"],
                      "payment_intent": intent_id, "metadata": dict(intent["metadata"]), "status": "succeeded"}
            return self._event("charge.refunded", charge)

    def dashboard_refund(self, intent_id: str, amount: int) -> Json:
        """A refund the store makes in Stripe's dashboard (not through this API); returns it."""
        with self._lock:
            refund_id = _new_id("re")
            self.refunds[refund_id] = refund = {
                "id": refund_id, "object": "refund", "status": "succeeded", "amount": amount,
                "currency": self.payment_intents[intent_id]["currency"], "payment_intent": intent_id, "charge": None,
                "reason": None, "metadata": {}, "created": int(time.time()),
            }
            return copy.deepcopy(refund)

    def _subscribe(self, session: Json, customer: str, start: int, end: int) -> str:
        subscription_data = _mapping(self._session_params[session["id"]], "subscription_data")
        items = [
            {"id": _new_id("si"), "object": "subscription_item", "price": item["price"],
             "quantity": item["quantity"], "current_period_start": start, "current_period_end": end}
            for item in session["line_items"]["data"]
        ]
        subscription_id = _new_id("sub")
        self.subscriptions[subscription_id] = {
            "id": subscription_id, "object": "subscription", "status": "active", "customer": customer,
            "metadata": dict(_mapping(subscription_data, "metadata")),
            "items": {"object": "list", "data": items, "has_more": False},
            # API 2025-03-31 and later keep the period on the items only; here too for code written against older ones.
            "current_period_start": start, "current_period_end": end, "cancel_at_period_end": False,
            "cancel_at": None, "canceled_at": None, "ended_at": None, "created": start, "start_date": start,
            "livemode": False,
        }
        return subscription_id

    def subscription_event(self, subscription_id: str, event_type: str = "customer.subscription.updated", *,
                           status: str | None = None, cancel_at_period_end: bool | None = None,
                           current_period_end: int | None = None) -> Json:
        """Change a subscription as the portal or a renewal would; returns the event (with previous_attributes)."""
        if event_type not in _SUBSCRIPTION_EVENTS:
            raise ValueError(f"event_type must be one of {_SUBSCRIPTION_EVENTS}")
        with self._lock:
            subscription = self._find(self.subscriptions, subscription_id, "subscription", "id")
            now = int(time.time())
            changes: Json = {"status": status, "cancel_at_period_end": cancel_at_period_end,
                             "current_period_end": current_period_end}
            changes = {key: value for key, value in changes.items() if value is not None}
            if cancel_at_period_end is not None:
                period_end = current_period_end or subscription["current_period_end"]
                changes.update(cancel_at=period_end if cancel_at_period_end else None,
                               canceled_at=now if cancel_at_period_end else None)
            if event_type == "customer.subscription.deleted":
                changes.setdefault("status", "canceled")
                changes.update(ended_at=now, canceled_at=subscription["canceled_at"] or now)
            previous = {key: subscription[key] for key, value in changes.items() if subscription[key] != value}
            subscription.update(changes)
            for item in subscription["items"]["data"]:
                item["current_period_end"] = subscription["current_period_end"]
            updated = event_type == "customer.subscription.updated"
            return self._event(event_type, subscription, previous if updated else None)

    def _event(self, event_type: str, obj: Json, previous: Json | None = None) -> Json:
        data: Json = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": _new_id("evt"), "object": "event", "type": event_type, "api_version": API_VERSION, "data": data,
            "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }
        self.events.append(event)
        self._keep_newest(self.events)
        return copy.deepcopy(event)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        form = "&".join(part for part in (url.query, body) if part)
        status, payload = self.server.fake.handle(
            self.command, url.path, form, self.headers.get("Authorization"), self.headers.get("Idempotency-Key")
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", _new_id("req"))
        self.send_header("Stripe-Version", self.headers.get("Stripe-Version") or API_VERSION)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a client holding a connection open must not block stop()

    def __init__(self, address: tuple[str, int], fake: FakeStripe) -> None:
        self.fake = fake
        super().__init__(address, _Handler)
