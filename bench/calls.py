"""AWS API calls per request: the real handlers, in-process, against moto, resources from template.yaml.

Every function is warmed first (its first call in a container also fetches the JWT signing key
from Secrets Manager; that is reported on its own). Then each endpoint of a realistic flow, staff
then shoppers, is called `repeat` times, each time after its own unmeasured setup; only the
request itself is counted (botocore hooks via storecrm.aws.call_listeners) and timed.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench import table

if TYPE_CHECKING:
    from localrunner.template import Provisioned
    from tests.support import Api, Reply

FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


@dataclass(frozen=True)
class Budget:
    """A round-trip budget from DESIGN.md ("Round-trip budgets")."""

    kind: str
    low: int
    high: int

    def __str__(self) -> str:
        span = str(self.high) if self.low == self.high else f"{self.low}-{self.high}"
        return f"{span} ({self.kind})"


GET_BY_ID = Budget("get by id", 1, 1)
WRITE = Budget("create/update", 1, 2)
LIST = Budget("list", 1, 2)
CODE = Budget("request code", 2, 2)
CURRENT = Budget("current profile", 1, 1)
# Issue 12: a quote reads the cart, then its market and products; checkout adds the transaction.
QUOTE = Budget("cart quote", 1, 2)
CHECKOUT = Budget("checkout", 1, 3)
# A cancellation gives the stock back: the order, its products, then one transaction.
CANCEL = Budget("order cancel", 1, 3)
# Issue 13: the service (with the store), its terms (Query), their providers, then each provider's booked time.
AVAILABILITY = Budget("availability", 1, 4)
# Issue 28: rates read the order with the store, then (manual) its market; a shipment reads the order with its
# location, then its products, then one transaction (a Shippo rate adds the label: KMS and Shippo, not AWS-only).
RATES = Budget("shipping rates", 1, 2)
SHIP = Budget("ship", 1, 3)


@dataclass
class Call:
    """One prepared request: what to show for it, and how to send it (returns the status)."""

    method: str
    path: str  # the path template, as in template.yaml
    send: Callable[[], int]


@dataclass
class Result:
    name: str
    budget: Budget | None
    method: str = ""
    path: str = ""
    counts: list[int] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)  # of the first run
    millis: list[float] = field(default_factory=list)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def reset_caches() -> None:
    """Forget clients, services and the secrets cache (as tests/integration/conftest.py does)."""
    from storecrm import aws, services
    from storecrm.kernel.gateways import secrets

    aws.reset()
    services.reset()
    secrets.reset()


class Flow:
    """A staff member's session and the store they work on, plus helpers for unmeasured setup."""

    def __init__(self, prov: Provisioned) -> None:
        self.prov = prov
        self.serial = itertools.count(1)
        self.owner: dict[str, Any] = {}
        self.store_id = ""
        self.market_id = ""
        self.profile_id = ""
        self.shopper: dict[str, Any] = {}  # a verified profile session (/v1/stores/{storeId}/profiles/...)
        self.bearer = ""  # a verified storefront bearer (/v1/storefront/{storeId}/...)
        self.stripe_connected = False

    # --------------------------------------------------------------- plumbing
    def api(self) -> Api:
        """A client from its own address: code requests are rate limited per source IP."""
        from tests.support import Api

        n = next(self.serial)
        return Api(source_ip=f"198.18.{n // 250}.{n % 250 + 1}")

    def email(self) -> str:
        return f"bench-{next(self.serial)}@example.com"

    def slug(self, prefix: str) -> str:
        return f"{prefix}-{next(self.serial)}"

    @property
    def token(self) -> str:
        return str(self.owner["access_token"])

    def profiles(self, tail: str = "") -> str:
        return f"/v1/stores/{self.store_id}/profiles{tail}"

    def storefront(self, tail: str = "") -> str:
        return f"/v1/storefront/{self.store_id}{tail}"

    def http(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             query: dict[str, Any] | None = None, then: Callable[[Reply], None] | None = None) -> Call:
        from tests.support import ROUTES

        found = ROUTES.match(method, path)
        assert found is not None, f"no route in template.yaml for {method} {path}"
        api = self.api()

        def send() -> int:
            reply = api.call(method, path, body, token=token, query=query)
            if then is not None and reply.status == 200:
                then(reply)
            return reply.status

        return Call(method, found[0].path, send)

    def ok(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> Any:
        """An unmeasured setup request that must succeed; its body."""
        reply = self.api().call(method, path, body, token=token)
        if reply.status != 200:
            raise RuntimeError(f"setup {method} {path} answered {reply.status}: {reply.body}")
        return reply.body

    # --------------------------------------------------------------- setup helpers
    def send_code(self, email: str) -> str:
        from tests.support import latest_code

        self.ok("POST", "/v1/auth/code", {"email": email})
        return latest_code(email)

    def login(self, email: str) -> dict[str, Any]:
        return dict(self.ok("POST", "/v1/auth/verify", {"email": email, "code": self.send_code(email)}))

    def account_id(self, email: str) -> str:
        import jwt

        claims = jwt.decode(self.login(email)["access_token"], options={"verify_signature": False})
        return str(claims["sub"])

    def create_store(self) -> str:
        body = {"key": self.slug("bench-shop"), "timezone": "Europe/Berlin", "billing_email": "billing@example.com"}
        return str(self.ok("POST", "/v1/stores", body, token=self.token)["id"])

    def create_market(self) -> str:
        body = {"key": self.slug("mk"), "currency": "GBP"}
        return str(self.ok("POST", f"/v1/stores/{self.store_id}/markets", body, token=self.token)["id"])

    def create_product(self, status: str = "active") -> str:
        body = {**PRODUCT, "key": self.slug("product"), "status": status}
        return str(self.ok("POST", f"/v1/stores/{self.store_id}/products", body, token=self.token)["id"])

    def shopping_cart(self, quantity: int = 1) -> tuple[str, str]:
        """A guest's current cart in the `us` market holding an active product (the market takes cash)."""
        [us] = [m for m in self.ok("GET", f"/v1/stores/{self.store_id}/markets", token=self.token) if m["key"] == "us"]
        if not us["payment_methods"]:
            self.ok("PUT", f"/v1/stores/{self.store_id}/markets/{us['id']}", {"payment_methods": [{"id": "cash"}]},
                    token=self.token)
        product_id = self.create_product()
        product = self.ok("GET", f"/v1/stores/{self.store_id}/products/{product_id}", token=self.token)
        bearer = self.storefront_guest()
        cart_id = str(self.ok("POST", self.storefront("/carts/current"), {"market": "us"}, token=bearer)["id"])
        item = {"product_id": product_id, "variant_id": product["variants"][0]["id"], "quantity": quantity}
        self.ok("PUT", self.storefront(f"/carts/{cart_id}"), {"items": [item]}, token=bearer)
        return bearer, cart_id

    def buyer(self) -> str:
        """A guest who checked out a cart (so has a cart and an order): the profile id."""
        bearer, cart_id = self.shopping_cart()
        profile_id = str(self.ok("GET", self.storefront(f"/carts/{cart_id}"), token=bearer)["profile_id"])
        self.ok("POST", self.storefront(f"/carts/{cart_id}/checkout"), {}, token=bearer)
        return profile_id

    def placed_order(self) -> tuple[str, str]:
        """A guest's cash order (checked out): its bearer and the order id."""
        bearer, cart_id = self.shopping_cart()
        return bearer, str(self.ok("POST", self.storefront(f"/carts/{cart_id}/checkout"), {}, token=bearer)["order_id"])

    def api_client(self) -> dict[str, Any]:
        """A new API client of the store with every scope: its body, secret included."""
        body = {"name": self.slug("client"), "scopes": ["profiles:read", "profiles:write", "profiles:delete"]}
        return dict(self.ok("POST", f"/v1/stores/{self.store_id}/api-clients", body, token=self.token))

    def client_token(self) -> str:
        client = self.api_client()
        body = {"grant_type": "client_credentials", "client_id": client["client_id"],
                "client_secret": client["client_secret"]}
        return str(self.ok("POST", "/v0/token", body)["access_token"])

    def create_location(self) -> str:
        body = {"key": self.slug("shop"), "address": {"country": "US"}}
        return str(self.ok("POST", f"/v1/stores/{self.store_id}/locations", body, token=self.token)["id"])

    def add_member(self, email: str) -> None:
        self.ok("POST", f"/v1/stores/{self.store_id}/members", {"email": email}, token=self.token)

    def create_profile(self, email: str) -> str:
        return str(self.ok("POST", self.profiles(), {"email": email, "taxonomies": TAXONOMIES}, token=self.token)["id"])

    def profile_login(self, email: str) -> dict[str, Any]:
        """A shopper's code login: the ProfileSession body (id, session_id, access and refresh token)."""
        from tests.support import latest_code

        self.ok("POST", self.profiles("/auth/code"), {"email": email})
        return dict(self.ok("POST", self.profiles("/auth/verify"), {"email": email, "code": latest_code(email)}))

    def storefront_guest(self) -> str:
        return str(self.ok("POST", self.storefront("/profiles/identify"), {"market": "us"})["token"]["token"])

    def storefront_named(self, email: str) -> str:
        """A guest bearer that has named `email` and had a code mailed to it."""
        body = {"market": "us", "email": email, "verify": True}
        return str(self.ok("POST", self.storefront("/profiles/identify"), body, token=self.storefront_guest())[
            "token"]["token"])

    def storefront_login(self, email: str) -> str:
        from tests.support import latest_code

        bearer = self.storefront_named(email)
        return str(self.ok("POST", self.storefront("/profiles/verify"), {"code": latest_code(email)}, token=bearer)[
            "token"])

    def pelcro(self, tail: str) -> str:
        return f"/api/v1/sdk{tail}"

    def pelcro_register(self) -> str:
        """A new Pelcro-dialect customer with a password: its token."""
        body = {"site_id": self.store_id, "email": self.email(), "password": "bench-plum-tree-42"}
        return str(self.ok("POST", self.pelcro("/auth/register"), body)["data"]["token"])

    def scheduler(self) -> Call:
        from localrunner.consumers import run_schedule
        from tests.support import HOSTS

        host = HOSTS["SchedulerFunction"]
        name, props = host.spec.events_of("Schedule")[0]

        def send() -> int:
            result = run_schedule(host, self.prov, name)
            return 200 if isinstance(result, dict) else 500

        return Call("EVENT", f"schedule {props['Schedule']}", send)


# ------------------------------------------------------------------- the flow
# Each step: (label, prepare). prepare does unmeasured setup and returns the Call; budgets are in BUDGETS.
Step = tuple[str, Callable[[Flow], Call]]

TAXONOMIES = [{"taxonomy_id": "segments", "fields": [
    {"key": "tier", "type": "text", "value": "gold"}, {"key": "ltv", "type": "number", "value": 1250},
    {"key": "vip", "type": "boolean", "value": True}]}]
# For everyone: a customer just registered has no taxonomies for a segment to match.
OFFER = {"kind": "coupon", "name": "Bench", "code": "BENCH10", "percent_off": 10}
PRODUCT = {"variants": [{"sku": "BENCH-1", "prices": [{"currency": "USD", "market": "us", "amount": 2500}],
                         "inventory": [{"location_id": "main", "available": 10}]}]}
GOLD = json.dumps([{"taxonomy_id": "segments", "query": [{"key": "tier", "type": "text", "value": "gold"}]}])


def _verify(f: Flow) -> Call:
    email = f.email()
    return f.http("POST", "/v1/auth/verify", {"email": email, "code": f.send_code(email)})


def _refresh(f: Flow) -> Call:
    def keep(reply: Reply) -> None:  # rotated: the next run uses the new token, like a client would
        f.owner = dict(reply.body)

    return f.http("POST", "/v1/auth/refresh", {"refresh_token": f.owner["refresh_token"]}, then=keep)


def _update_store(f: Flow) -> Call:
    zone = "Asia/Tokyo" if next(f.serial) % 2 else "Europe/Berlin"
    return f.http("PUT", f"/v1/stores/{f.store_id}", {"timezone": zone}, token=f.token)


def _add_existing(f: Flow) -> Call:
    email = f.email()
    f.login(email)  # the account exists (it logged in once) but is not a member of this store
    return f.http("POST", f"/v1/stores/{f.store_id}/members", {"email": email}, token=f.token)


def _remove_member(f: Flow) -> Call:
    email = f.email()
    f.add_member(email)
    return f.http("DELETE", f"/v1/stores/{f.store_id}/members/{f.account_id(email)}", token=f.token)


def _with_api_token(f: Flow) -> Call:
    created = f.ok("PUT", "/v1/accounts", {"api_tokens": [{"id": None, "name": "bench"}]}, token=f.token)
    return f.http("GET", f"/v1/stores/{f.store_id}", token=created["newly_created_tokens"][0]["value"])


def _delete_account(f: Flow) -> Call:
    return f.http("DELETE", "/v1/accounts", token=f.login(f.email())["access_token"])


def _update_product(f: Flow) -> Call:
    status = "draft" if next(f.serial) % 2 else "active"
    return f.http("PUT", f"/v1/stores/{f.store_id}/products/{f.create_product()}", {"status": status}, token=f.token)


def _service(f: Flow) -> tuple[str, str]:
    """An active service with one active provider who works every day on a 5-minute grid."""
    base = f"/v1/stores/{f.store_id}"
    service = str(f.ok("POST", f"{base}/services", {"key": f.slug("service"), "status": "active"}, token=f.token)["id"])
    provider = str(f.ok("POST", f"{base}/providers", {"key": f.slug("provider"), "status": "active"},
                        token=f.token)["id"])
    f.ok("POST", f"{base}/service-providers", {**_terms(service, provider)}, token=f.token)
    return service, provider


def _terms(service_id: str, provider_id: str) -> dict[str, Any]:
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return {"service_id": service_id, "provider_id": provider_id, "slot_interval": 5,
            "working_days": [{"day": d, "working_hours": [{"from": 0, "to": 1440}]} for d in days],
            "specific_dates": [], "durations": [{"duration": 30}], "reminders": [600],
            "prices": [{"currency": "USD", "market": "us", "amount": 1000}]}


def _new_terms(f: Flow) -> Call:
    base = f"/v1/stores/{f.store_id}"
    service = str(f.ok("POST", f"{base}/services", {"key": f.slug("service")}, token=f.token)["id"])
    provider = str(f.ok("POST", f"{base}/providers", {"key": f.slug("provider")}, token=f.token)["id"])
    return f.http("POST", f"{base}/service-providers", _terms(service, provider), token=f.token)


def _availability(f: Flow) -> Call:
    import time

    service, _ = _service(f)
    start = int(time.time())
    return f.http("GET", f.storefront("/services/availability"),
                  query={"service_id": service, "from": start, "to": start + 7 * 86400})


def _on_cart(f: Flow, method: str, tail: str, body: Any = None) -> Call:
    bearer, cart_id = f.shopping_cart()
    return f.http(method, f.storefront(f"/carts/{cart_id}{tail}"), body, token=bearer)


def _on_staff_cart(f: Flow, method: str, tail: str, body: Any = None) -> Call:
    """Staff acting on a shopper's cart."""
    _, cart_id = f.shopping_cart()
    return f.http(method, f"/v1/stores/{f.store_id}/carts/{cart_id}{tail}", body, token=f.token)


def _staff_add_cart_item(f: Flow) -> Call:
    _, cart_id = f.shopping_cart()
    return f.http("POST", f"/v1/stores/{f.store_id}/carts/{cart_id}/items", {"item": _bench_line(f)}, token=f.token)


def _staff_remove_cart_item(f: Flow) -> Call:
    _, cart_id = f.shopping_cart()
    path = f"/v1/stores/{f.store_id}/carts/{cart_id}"
    [line] = f.ok("GET", path, token=f.token)["items"]
    return f.http("POST", f"{path}/items/remove", {"item_id": line["id"]}, token=f.token)


def _staff_order_quote(f: Flow) -> Call:
    return f.http("POST", f"/v1/stores/{f.store_id}/orders/quote", {"market": "us", "items": [_bench_line(f)]},
                  token=f.token)


def _promo_code(f: Flow) -> dict[str, Any]:
    """A new active code taking 10% off in the `us` market."""
    return dict(f.ok("POST", f"/v1/stores/{f.store_id}/promo-codes", {
        "code": f.slug("CODE"), "discounts": [{"type": "items_percentage", "market_id": "us", "bps": 1000}]},
        token=f.token))


def _on_promo_code(f: Flow, method: str, by: str = "id", body: Any = None) -> Call:
    made = _promo_code(f)
    return f.http(method, f"/v1/stores/{f.store_id}/promo-codes/{made[by]}", body, token=f.token)


def _on_cart_with_code(f: Flow, tail: str) -> Call:
    bearer, cart_id = f.shopping_cart()
    f.ok("PUT", f.storefront(f"/carts/{cart_id}"), {"promo_code": _promo_code(f)["code"]}, token=bearer)
    return f.http("POST", f.storefront(f"/carts/{cart_id}{tail}"), {}, token=bearer)


def _bench_line(f: Flow) -> dict[str, Any]:
    """One unit of a new active product."""
    product_id = f.create_product()
    variant_id = f.ok("GET", f"/v1/stores/{f.store_id}/products/{product_id}", token=f.token)["variants"][0]["id"]
    return {"product_id": product_id, "variant_id": variant_id, "quantity": 1}


def _add_cart_item(f: Flow) -> Call:
    bearer, cart_id = f.shopping_cart()
    product_id = f.create_product()
    variant_id = f.ok("GET", f"/v1/stores/{f.store_id}/products/{product_id}", token=f.token)["variants"][0]["id"]
    item = {"product_id": product_id, "variant_id": variant_id, "quantity": 1}
    return f.http("POST", f.storefront(f"/carts/{cart_id}/items"), {"item": item}, token=bearer)


def _on_order(f: Flow, method: str, tail: str = "", body: Any = None) -> Call:
    _, order_id = f.placed_order()
    return f.http(method, f"/v1/stores/{f.store_id}/orders/{order_id}{tail}", body, token=f.token)


def _cash_refund(f: Flow) -> Call:
    _, order_id = f.placed_order()
    path = f"/v1/stores/{f.store_id}/orders/{order_id}"
    f.ok("PUT", path, {"payment": {"paid": 100}}, token=f.token)  # the cash the store took
    return f.http("POST", f"{path}/refund", {"amount": 100}, token=f.token)


def _shippable_order(f: Flow) -> tuple[str, dict[str, Any], str]:
    """A guest's cash order of one unit held at a real location of the store: the order id, the order, the
    location id."""
    location_id = f.create_location()
    body = {"key": f.slug("product"), "status": "active", "variants": [
        {**PRODUCT["variants"][0], "inventory": [{"location_id": location_id, "available": 10}]}]}
    product = f.ok("POST", f"/v1/stores/{f.store_id}/products", body, token=f.token)
    bearer, cart_id = f.shopping_cart()
    item = {"product_id": product["id"], "variant_id": product["variants"][0]["id"], "quantity": 1}
    f.ok("PUT", f.storefront(f"/carts/{cart_id}"), {"items": [item], "shipping_address": {"country": "US"}},
         token=bearer)
    order_id = str(f.ok("POST", f.storefront(f"/carts/{cart_id}/checkout"), {}, token=bearer)["order_id"])
    order = f.ok("GET", f"/v1/stores/{f.store_id}/orders/{order_id}", token=f.token)
    return order_id, order, location_id


def _ship_body(order: dict[str, Any], location_id: str) -> dict[str, Any]:
    return {"rate_id": "manual:standard", "location_id": location_id,
            "lines": [{"order_item_id": order["items"][0]["id"], "quantity": 1}]}


def _shipping_rates(f: Flow) -> Call:
    order_id, _, _ = _shippable_order(f)
    [us] = [m for m in f.ok("GET", f"/v1/stores/{f.store_id}/markets", token=f.token) if m["key"] == "us"]
    if not us["zones"]:  # manual rates are the methods of the destination's zone
        method = {"id": "standard", "taxable": False, "eta_text": "3-5 days", "amount": 500}
        f.ok("PUT", f"/v1/stores/{f.store_id}/markets/{us['id']}",
             {"zones": [{"countries": ["US"], "shipping_methods": [method]}]}, token=f.token)
    address = {"street1": "1 Main St", "city": "Springfield", "country": "US"}
    return f.http("POST", f"/v1/stores/{f.store_id}/orders/{order_id}/shipping/rates", {
        "shipping_provider_id": "manual", "from_address": address, "to_address": address,
        "parcel": {"length": 10, "width": 8, "height": 4, "weight": 1, "distance_unit": "in", "mass_unit": "lb"}},
        token=f.token)


def _ship(f: Flow) -> Call:
    order_id, order, location_id = _shippable_order(f)
    return f.http("POST", f"/v1/stores/{f.store_id}/orders/{order_id}/ship", _ship_body(order, location_id),
                  token=f.token)


def _update_shipment(f: Flow) -> Call:
    order_id, order, location_id = _shippable_order(f)
    path = f"/v1/stores/{f.store_id}/orders/{order_id}"
    shipment_id = f.ok("POST", f"{path}/ship", _ship_body(order, location_id), token=f.token)["shipment_id"]
    return f.http("PUT", f"{path}/shipments/{shipment_id}", {"status": "delivered"}, token=f.token)


def _own_order(f: Flow) -> Call:
    bearer, order_id = f.placed_order()
    return f.http("GET", f.storefront(f"/orders/{order_id}"), token=bearer)


def _update_market(f: Flow) -> Call:
    mode = "inclusive" if next(f.serial) % 2 else "exclusive"
    return f.http("PUT", f"/v1/stores/{f.store_id}/markets/{f.market_id}", {"tax_mode": mode}, token=f.token)


def _delete_store(f: Flow) -> Call:
    store_id = f.create_store()  # comes with two default markets, a membership and outbox events
    f.ok("POST", f"/v1/stores/{store_id}/members", {"email": f.email()}, token=f.token)
    return f.http("DELETE", f"/v1/stores/{store_id}", token=f.token)


def _tracking_shopper(f: Flow) -> tuple[str, str]:
    """A storefront guest that tracked one page view (which also read the store's retention for this container)."""
    found = f.ok("POST", f.storefront("/profiles/identify"), {"market": "us"})
    bearer = str(found["token"]["token"])
    f.ok("POST", f.storefront("/activities/track"), {"type": "page_view"}, token=bearer)
    return bearer, str(found["profile"]["id"])


def _track_activity(f: Flow) -> Call:
    bearer, _ = _tracking_shopper(f)
    return f.http("POST", f.storefront("/activities/track"), {"type": "product_view", "payload": {"id": "p-1"}},
                  token=bearer)


def _activity_timeline(f: Flow) -> Call:
    _, profile_id = _tracking_shopper(f)
    return f.http("GET", f"/v1/stores/{f.store_id}/activities/timeline", token=f.token,
                  query={"profile_id": profile_id})


def _email_pixel(f: Flow) -> Call:
    from storecrm.clock import now
    from storecrm.identity.gateways.signing_keys import signing_keys
    from storecrm.messaging import email_tracking

    _, profile_id = _tracking_shopper(f)
    token = email_tracking.issue(f.store_id, profile_id, f"mail-{next(f.serial)}", now(), signing_keys())
    return f.http("GET", f"/v1/notifications/track/pixel/{token}")


def _create_existing_profile(f: Flow) -> Call:
    email = f.email()
    f.create_profile(email)
    return f.http("POST", f.profiles(), {"email": email.upper()}, token=f.token)


def _update_profile(f: Flow) -> Call:
    tier = "silver" if next(f.serial) % 2 else "gold"
    taxonomies = [{"taxonomy_id": "segments", "fields": [{"key": "tier", "type": "text", "value": tier},
                                                          {"key": "ltv", "type": "number", "value": 990}]}]
    return f.http("PUT", f.profiles(f"/{f.profile_id}"), {"taxonomies": taxonomies}, token=f.token)


def _merge(f: Flow) -> Call:
    target = f.create_profile(f.email())
    source = f.profile_login(f.email())["id"]  # a shopper's duplicate, with a session to erase
    return f.http("POST", f.profiles(f"/{target}/merge"), {"source_id": source}, token=f.token)


def _merge_buyer(f: Flow) -> Call:
    target = f.create_profile(f.email())
    return f.http("POST", f.profiles(f"/{target}/merge"), {"source_id": f.buyer()}, token=f.token)


def _revoke_one(f: Flow) -> Call:
    email = f.email()
    first = f.profile_login(email)
    f.profile_login(email)  # a second session, which stays
    return f.http("DELETE", f.profiles(f"/{first['id']}/sessions/{first['session_id']}"), token=f.token)


def _revoke_all(f: Flow) -> Call:
    email = f.email()
    first = f.profile_login(email)
    f.profile_login(email)  # logged in on two devices
    return f.http("DELETE", f.profiles(f"/{first['id']}/sessions"), token=f.token)


def _connect(f: Flow) -> Call:
    guest = f.ok("POST", f.profiles("/initialize"))
    return f.http("POST", f.profiles("/connect"), {"email": f.email()}, token=guest["access_token"])


def _pelcro_login(f: Flow) -> Call:
    email = f.email()
    f.ok("POST", f.pelcro("/auth/register"), {"site_id": f.store_id, "email": email, "password": "bench-plum-tree-42"})
    return f.http("POST", f.pelcro("/auth/login"), {"site_id": f.store_id, "email": email,
                                                    "password": "bench-plum-tree-42"})


def _pelcro_passwordless_login(f: Flow) -> Call:
    from tests.support import latest_code

    email = f.email()
    f.ok("POST", f.pelcro("/auth/passwordless/request"), {"site_id": f.store_id, "email": email})
    return f.http("POST", f.pelcro("/auth/passwordless/login"), {"site_id": f.store_id, "email": email,
                                                                 "token": latest_code(email)})


def _pelcro_eligible_coupons(f: Flow) -> Call:
    f.ok("POST", f"/v1/stores/{f.store_id}/offers", OFFER, token=f.token)
    return f.http("GET", f.pelcro("/customer/coupons"), query={"site_id": f.store_id}, token=f.pelcro_register())


def _get_offer(f: Flow) -> Call:
    offer_id = f.ok("POST", f"/v1/stores/{f.store_id}/offers", OFFER, token=f.token)["id"]
    return f.http("GET", f"/v1/stores/{f.store_id}/offers/{offer_id}", token=f.token)


def _pelcro_confirm_email(f: Flow) -> Call:
    import re

    from tests.support import sent_mail

    sent = f.api().call("GET", f.pelcro("/customer/email/verify"), query={"site_id": f.store_id},
                        token=f.pelcro_register())
    assert sent.status == 200, sent.body
    found = re.search(r"verification token is (\S+)", str(sent_mail()[-1]["body"]))
    assert found, "no verification token in the mail"
    return f.http("POST", f.pelcro("/customer/email/verify"), {"site_id": f.store_id,
                                                               "email_verify_token": found.group(1)})


def _profile_verify(f: Flow) -> Call:
    from tests.support import latest_code

    email = f.email()
    f.ok("POST", f.profiles("/auth/code"), {"email": email})
    return f.http("POST", f.profiles("/auth/verify"), {"email": email, "code": latest_code(email)})


def _profile_refresh(f: Flow) -> Call:
    def keep(reply: Reply) -> None:  # rotated, as for staff
        f.shopper = dict(reply.body)

    return f.http("POST", f.profiles("/auth/refresh"), {"refresh_token": f.shopper["refresh_token"]}, then=keep)


def _identify_email(f: Flow) -> Call:
    body = {"market": "us", "email": f.email(), "verify": True}
    return f.http("POST", f.storefront("/profiles/identify"), body, token=f.storefront_guest())


def _storefront_verify(f: Flow) -> Call:
    from tests.support import latest_code

    email = f.email()
    bearer = f.storefront_named(email)
    return f.http("POST", f.storefront("/profiles/verify"), {"code": latest_code(email)}, token=bearer)


STRIPE_WEBHOOK_SECRET = "whsec_bench"


def _stripe_event(f: Flow) -> Call:
    """A signed Stripe event of a type the store does not act on: the signature check is the cost every
    event pays (the store's integration read and its secrets opened)."""
    from localrunner.fake_stripe import sign_stripe_payload

    if not f.stripe_connected:
        f.ok("POST", f"/v1/stores/{f.store_id}/integrations", {"key": "stripe", "provider": {
            "type": "stripe", "secret_key": "sk_test_51Bench", "publishable_key": "pk_test_51Bench",
            "webhook_secret": STRIPE_WEBHOOK_SECRET, "currency": "USD"}}, token=f.token)
        f.stripe_connected = True
    payload = json.dumps({"id": f"evt_bench_{next(f.serial)}", "type": "customer.created", "created": 1700000000,
                          "data": {"object": {"id": "cus_bench", "object": "customer"}}})
    api = f.api()
    path = f"/v1/stores/{f.store_id}/stripe/webhook"

    def send() -> int:
        return api.call("POST", path, raw_body=payload,
                        headers={"Stripe-Signature": sign_stripe_payload(payload, STRIPE_WEBHOOK_SECRET)}).status

    return Call("POST", "/v1/stores/{storeId}/stripe/webhook", send)


# ------------------------------------------------------------------- the NewStore dialect's consumer profiles
CONSUMERS = "/v0/consumer_profiles"


def _consumer(f: Flow) -> str:
    body = {"email": f.email(), "first_name": "Bench", "last_name": "Consumer", "extended_attributes": []}
    return str(f.ok("POST", CONSUMERS, body, token=f.client_token())["id"])


def _consumer_call(f: Flow, method: str, tail: str, body: Any = None, query: dict[str, Any] | None = None) -> Call:
    return f.http(method, f"{CONSUMERS}{tail}", body, token=f.client_token(), query=query)


def _add_subscriber(f: Flow) -> Call:
    audience = f.ok("POST", f"/v1/stores/{f.store_id}/audiences", {"key": f.slug("aud")}, token=f.token)
    profile_id = f.create_profile(f.email())
    return f.http("POST", f"/v1/stores/{f.store_id}/audiences/{audience['id']}/subscribers",
                  {"profile_id": profile_id}, token=f.token)


def _media_png() -> bytes:
    """The smallest PNG header the library takes (its size in pixels is all it reads)."""
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00\x00\x00\x10" * 2 + b"\x08\x02\x00\x00\x00"


def _media_form(data: bytes) -> tuple[bytes, str]:
    boundary = "benchboundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="bench.png"\r\n'
            "Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _upload_media(f: Flow) -> Call:
    body, content_type = _media_form(_media_png())
    path = f"/v1/stores/{f.store_id}/media"
    api = f.api()

    def send() -> int:
        return api.call("POST", path, raw_body=body, token=f.token, headers={"Content-Type": content_type}).status

    return Call("POST", "/v1/stores/{storeId}/media", send)


def _media_id(f: Flow) -> str:
    body, content_type = _media_form(_media_png())
    reply = f.api().call("POST", f"/v1/stores/{f.store_id}/media", raw_body=body, token=f.token,
                         headers={"Content-Type": content_type})
    if reply.status != 200:
        raise RuntimeError(f"setup media upload answered {reply.status}: {reply.body}")
    return str(reply.body[0]["id"])


def _complete_media(f: Flow) -> Call:
    import requests

    data = _media_png()
    started = f.ok("POST", f"/v1/stores/{f.store_id}/media/uploads",
                   {"filename": "bench.png", "mime_type": "image/png", "size": len(data)}, token=f.token)
    # The browser's part: the form posted to S3 (moto answers it in-process).
    requests.post(started["url"], data=started["fields"], files={"file": ("bench.png", data, "image/png")},
                  timeout=10).raise_for_status()
    return f.http("POST", f"/v1/stores/{f.store_id}/media/{started['media_id']}/complete", token=f.token)


def _client_token(f: Flow) -> Call:
    client = f.api_client()
    return f.http("POST", "/v0/token", {"grant_type": "client_credentials", "client_id": client["client_id"],
                                       "client_secret": client["client_secret"]})


def _set_consent(f: Flow) -> Call:
    location_id, profile_id = f.create_location(), f.create_profile(f.email())
    return f.http("PUT", f"/v0/clienteling/stores/{location_id}/consumers/{profile_id}", {"state": "accepted"},
                  token=f.client_token())


def _consumers(f: Flow) -> Call:
    token, location_id = f.client_token(), f.create_location()
    for _ in range(3):
        f.ok("PUT", f"/v0/clienteling/stores/{location_id}/consumers/{f.create_profile(f.email())}",
             {"state": "accepted"}, token=token)
    return f.http("GET", f"/v0/clienteling/stores/{location_id}/consumers", token=token)


# The one table of budgets: every measured route's (DESIGN.md, "Round-trip budgets"). None is a route
# with no budget there (a login, a merge, a purge); WHY says why a route is above its budget or has none.
BUDGETS: dict[str, Budget | None] = {
    "request code": CODE,
    "verify": None,
    "refresh": WRITE,
    "logout": WRITE,
    "create store": WRITE,
    "get store": GET_BY_ID,
    "list stores": LIST,
    "update store": WRITE,
    "list plans": LIST,
    "add member (new account)": WRITE,
    "add member (existing account)": WRITE,
    "remove member": WRITE,
    "my account": CURRENT,
    "update my account": WRITE,
    "create API token": WRITE,
    "get store (API token)": GET_BY_ID,
    "team search": LIST,
    "delete my account": WRITE,
    "list markets": LIST,
    "create market": WRITE,
    "get market": GET_BY_ID,
    "update market": WRITE,
    "delete market": WRITE,
    "create profile (new email)": WRITE,
    "create profile (existing email)": WRITE,
    "get profile": GET_BY_ID,
    "update profile (taxonomies)": WRITE,
    "find profiles: list page": LIST,
    "find profiles: query": LIST,
    "find profiles: taxonomy_query": LIST,
    "merge profiles": None,
    "merge profiles (source with carts and orders)": None,
    "get profile (with carts and orders)": None,
    "profile carts page": LIST,
    "profile orders page": LIST,
    "find profiles: has_cart": LIST,
    "revoke one session": WRITE,
    "revoke all sessions": WRITE,
    "profile initialize (guest)": WRITE,
    "profile connect (guest bearer)": WRITE,
    "profile request code": CODE,
    "profile verify": None,
    "profile refresh": WRITE,
    "profile me": CURRENT,
    "storefront store": GET_BY_ID,
    "storefront markets": LIST,
    "storefront identify (guest)": WRITE,
    "storefront identify (email, verify)": None,
    "storefront verify": None,
    "storefront me": CURRENT,
    "storefront logout": WRITE,
    "storefront track activity": WRITE,
    "activity timeline": LIST,
    "find activities (one type)": LIST,
    "email open pixel": WRITE,
    "list webhooks": LIST,
    "create webhook": WRITE,
    "list integrations": LIST,
    "create integration": WRITE,
    "stripe event (ignored type)": None,
    "create email template": WRITE,
    "list email templates": LIST,
    "create taxonomy": WRITE,
    "list taxonomies": LIST,
    "create form": WRITE,
    "list forms": LIST,
    "list form submissions": LIST,
    "create audience": WRITE,
    "list audiences": LIST,
    "add audience subscriber": WRITE,
    "create product": WRITE,
    "get product": GET_BY_ID,
    "update product": WRITE,
    "find products": LIST,
    "delete product": WRITE,
    "storefront products": LIST,
    "storefront product": GET_BY_ID,
    "create service": WRITE,
    "get service": GET_BY_ID,
    "find services": LIST,
    "create service provider": WRITE,
    "storefront services": LIST,
    "service availability": AVAILABILITY,
    "cart current (new)": WRITE,
    "cart get": GET_BY_ID,
    "cart update": WRITE,
    "cart add item": WRITE,
    "cart quote": QUOTE,
    "cart checkout (cash)": CHECKOUT,
    "staff cart update": WRITE,
    "staff cart add item": WRITE,
    "staff cart remove item": WRITE,
    "staff cart clear": WRITE,
    "staff cart quote": QUOTE,
    "staff cart checkout (cash)": CHECKOUT,
    "staff quote without a cart": QUOTE,
    "cart quote (with a promo code)": QUOTE,
    "cart checkout (cash, with a promo code)": CHECKOUT,
    "create promo code": WRITE,
    "get promo code (by code)": GET_BY_ID,
    "get promo code (by id)": GET_BY_ID,
    "find promo codes": LIST,
    "update promo code": WRITE,
    "delete promo code": WRITE,
    "find orders": LIST,
    "get order": GET_BY_ID,
    "confirm order": WRITE,
    "cancel order (+ stock back)": CANCEL,
    "refund order (cash)": WRITE,
    "shipping rates (manual)": RATES,
    "ship order (cash, manual rate)": SHIP,
    "update shipment status": WRITE,
    "storefront orders": LIST,
    "storefront order": GET_BY_ID,
    "delete store (+ purge)": None,
    "scheduler run (nothing due)": None,
    "pelcro register": WRITE,
    "pelcro login": None,
    "pelcro logout": WRITE,
    "pelcro passwordless request": CODE,
    "pelcro passwordless login": None,
    "pelcro get customer": CURRENT,
    "pelcro update customer": WRITE,
    "pelcro refresh": WRITE,
    "pelcro eligible coupons": LIST,
    "pelcro request email verification": None,
    "pelcro confirm email": None,
    "create offer": WRITE,
    "get offer": GET_BY_ID,
    "list offers": LIST,
    "upload media (one file)": None,
    "start media upload": WRITE,
    "complete media upload": None,
    "list media": LIST,
    "get media": GET_BY_ID,
    "update media": WRITE,
    "delete media": None,
    "create API client": WRITE,
    "list API clients": LIST,
    "revoke API client": WRITE,
    "client token": None,
    "create location": WRITE,
    "list locations": LIST,
    "get location": GET_BY_ID,
    "clienteling set consent": WRITE,
    "clienteling consumers": LIST,
    "newstore create consumer": WRITE,
    "newstore get consumer": GET_BY_ID,
    "newstore update consumer": WRITE,
    "newstore list consumers": LIST,
    "newstore list consumers: q": None,
    "newstore add address": WRITE,
    "newstore consumer orders": None,
    "newstore request deletion": WRITE,
}
WHY: dict[str, str] = {
    "my account": "one over: the account's partition (it and its tokens), then its memberships (GSI1)",
    "get store (API token)": "one over: the token's check (the account, the token, the failure counters)",
    "delete my account": "the account's partition, its memberships, its sessions, then one transaction "
                         "(an owner also reads the stores it owns, for the last-owner check)",
    "upload media (one file)": "the store access with the media usage, one PutObject a file, then the transaction",
    "complete media upload": "the store access with the upload, the object's size (HeadObject) and first bytes "
                             "(GetObject), its move to the media key (CopyObject), the transaction, then the "
                             "pending object's DeleteObject",
    "delete media": "the store access with the item, the transaction, then the object (DeleteObject)",
    "client token": "a login: the attempt counted before the secret is checked, the client, then the count given "
                    "back in a transaction that checks its store",
    "clienteling consumers": "one over: the store, the location and its count, the page's entries (Query), "
                             "then their profiles",
    "verify": "a login: the check counted before the code is compared, the code, the account, then the session's "
              "transaction",
    "merge profiles": "reads both profiles, their sessions and subscriptions, one transaction, then the source's "
                      "events handed to the target (Query, an UpdateItem each); the source's activities looked for "
                      "before and after it (a Query each, a transaction per 49 found)",
    "merge profiles (source with carts and orders)": "as a merge, plus the source's carts (Query, consistent read, "
                                                     "transaction) and orders (Query, transaction) moved before "
                                                     "the erase, looked for again after it, and its facts deleted",
    "get profile (with carts and orders)": "the one read of a get by id, then one Query each for the newest carts "
                                           "and orders (skipped when the profile has none)",
    "profile verify": "a login: the check counted, the code, the email's owner, its profile (and its sessions on the "
                      "first proof of the email), then the session's transaction",
    "storefront identify (email, verify)": "the owner's read, the session, then the code's write and the mail",
    "storefront verify": "the bearer's profile, the check counted, the code, the email's owner, its profile (and its "
                         "sessions on the first proof), then the session's transaction",
    "delete store (+ purge)": "the purge deletes every partition of the store",
    "scheduler run (nothing due)": "not a request",
    "create webhook": "one over: the secret is sealed with KMS before it is stored (kms.Encrypt)",
    "create integration": "one over: the secret fields are sealed with KMS before they are stored (kms.Encrypt)",
    "stripe event (ignored type)": "Stripe's request, not a client's: the store's integration and its sealed secret",
    "pelcro login": "a login: the name's marker, the attempt counted on both limits before the password is checked, "
                    "the profile with its subscriptions, then the session's transaction",
    "pelcro passwordless login": "a login: the check counted, the code, the email's owner (with its subscriptions), "
                                 "a customer number for a new profile (its sessions on the first proof of an "
                                 "existing one's email), then the session's transaction",
    "pelcro request email verification": "mails a token: the customer with the request counter, the token "
                                         "stored and counted, the mail",
    "pelcro confirm email": "the first proof of the address: the profile with its token, its sessions (Query), then "
                            "one transaction that confirms it, drops the password and ends the sessions",
    "newstore list consumers: q": "the store and its count, the term's index entries, then the page's profiles",
    "newstore consumer orders": "the profile, the profile's orders counted on their index (Select=COUNT), the page",
    "get promo code (by id)": "one over: the code's item is keyed by the code (so carts read it with their items), "
                              "so an id is looked up on the store's codes index (Query) after the access check",
    "update promo code": "the access check, the code by its id (Query of the codes index), then the transaction",
    "delete promo code": "the access check, the code by its id (Query of the codes index), then the transaction",
}

STEPS: list[Step] = [
    ("request code", lambda f: f.http("POST", "/v1/auth/code", {"email": f.email()})),
    ("verify", _verify),
    ("refresh", _refresh),
    ("logout", lambda f: f.http("POST", "/v1/auth/logout", token=f.login(f.email())["access_token"])),
    ("create store", lambda f: f.http("POST", "/v1/stores", {
        "key": f.slug("bench-new"), "timezone": "America/New_York", "billing_email": "b@example.com"}, token=f.token)),
    ("get store", lambda f: f.http("GET", f"/v1/stores/{f.store_id}", token=f.token)),
    ("list stores", lambda f: f.http("GET", "/v1/stores", token=f.token)),
    ("update store", _update_store),
    ("list plans", lambda f: f.http("GET", "/v1/stores/plans")),
    ("add member (new account)", lambda f: f.http(
        "POST", f"/v1/stores/{f.store_id}/members", {"email": f.email()}, token=f.token)),
    ("add member (existing account)", _add_existing),
    ("remove member", _remove_member),
    ("my account", lambda f: f.http("GET", "/v1/accounts/me", token=f.token)),
    ("update my account", lambda f: f.http("PUT", "/v1/accounts", {"phone_numbers": [f.slug("+1")]}, token=f.token)),
    # Each run's list holds only a new token: the previous one is revoked, so the account keeps one.
    ("create API token", lambda f: f.http("PUT", "/v1/accounts", {"api_tokens": [{"id": None}]}, token=f.token)),
    ("get store (API token)", _with_api_token),
    ("team search", lambda f: f.http("GET", "/v1/accounts/search", token=f.token,
                                     query={"store_id": f.store_id, "query": "bench"})),
    ("delete my account", _delete_account),
    ("list markets", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/markets", token=f.token)),
    ("create market", lambda f: f.http(
        "POST", f"/v1/stores/{f.store_id}/markets", {"key": f.slug("mk"), "currency": "EUR"}, token=f.token)),
    ("get market", lambda f: f.http(
        "GET", f"/v1/stores/{f.store_id}/markets/{f.market_id}", token=f.token)),
    ("update market", _update_market),
    ("delete market", lambda f: f.http(
        "DELETE", f"/v1/stores/{f.store_id}/markets/{f.create_market()}", token=f.token)),
    # CRM profiles, as store staff
    ("create profile (new email)", lambda f: f.http(
        "POST", f.profiles(), {"email": f.email(), "taxonomies": TAXONOMIES}, token=f.token)),
    ("create profile (existing email)", _create_existing_profile),
    ("get profile", lambda f: f.http("GET", f.profiles(f"/{f.profile_id}"), token=f.token)),
    ("update profile (taxonomies)", _update_profile),
    ("find profiles: list page", lambda f: f.http("GET", f.profiles(), token=f.token)),
    ("find profiles: query", lambda f: f.http("GET", f.profiles(), token=f.token, query={"query": "bench"})),
    ("find profiles: taxonomy_query", lambda f: f.http(
        "GET", f.profiles(), token=f.token, query={"taxonomy_query": GOLD})),
    ("merge profiles", _merge),
    ("merge profiles (source with carts and orders)", _merge_buyer),
    ("get profile (with carts and orders)", lambda f: f.http("GET", f.profiles(f"/{f.buyer()}"), token=f.token)),
    ("profile carts page", lambda f: f.http("GET", f.profiles(f"/{f.buyer()}/carts"), token=f.token)),
    ("profile orders page", lambda f: f.http("GET", f.profiles(f"/{f.buyer()}/orders"), token=f.token)),
    ("find profiles: has_cart", lambda f: f.http("GET", f.profiles(), token=f.token, query={"has_cart": "true"})),
    ("revoke one session", _revoke_one),
    ("revoke all sessions", _revoke_all),
    # public profile sessions, as shoppers
    ("profile initialize (guest)", lambda f: f.http("POST", f.profiles("/initialize"))),
    ("profile connect (guest bearer)", _connect),
    ("profile request code", lambda f: f.http("POST", f.profiles("/auth/code"), {"email": f.email()})),
    ("profile verify", _profile_verify),
    ("profile refresh", _profile_refresh),
    ("profile me", lambda f: f.http("GET", f.profiles("/me"), token=f.shopper["access_token"])),
    # the arky-sdk storefront aliases
    ("storefront store", lambda f: f.http("GET", f.storefront())),
    ("storefront markets", lambda f: f.http("GET", f.storefront("/markets"))),
    ("storefront identify (guest)", lambda f: f.http(
        "POST", f.storefront("/profiles/identify"), {"market": "us"})),
    ("storefront identify (email, verify)", _identify_email),
    ("storefront verify", _storefront_verify),
    ("storefront me", lambda f: f.http("GET", f.storefront("/profiles/me"), token=f.bearer)),
    ("storefront logout", lambda f: f.http(
        "POST", f.storefront("/profiles/logout"), token=f.storefront_login(f.email()))),
    # issue 29: the activity timeline
    ("storefront track activity", _track_activity),
    ("activity timeline", _activity_timeline),
    ("find activities (one type)", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/activities", token=f.token,
                                                    query={"types": '["page_view"]', "limit": 20})),
    ("email open pixel", _email_pixel),
    # added since the first version: webhooks, integrations, email templates, audiences
    ("list webhooks", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/webhooks", token=f.token)),
    ("create webhook", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/webhooks", {
        "key": f.slug("hook"), "url": "https://93.184.216.34/storecrm", "events": [{"event": "order.created"}],
        "secret": "bench-webhook-secret"}, token=f.token)),
    ("list integrations", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/integrations", token=f.token)),
    ("create integration", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/integrations", {
        "key": f.slug("ga"),
        "provider": {"type": "google_analytics", "measurement_id": "G-BENCH1", "api_secret": "bench"}}, token=f.token)),
    ("stripe event (ignored type)", _stripe_event),
    ("create email template", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/email-templates", {
        "key": f.slug("tpl"), "subject": {"en": "Hello"}, "body": "<p>Hi {{email}}</p>", "from_name": "Shop",
        "from_email": "shop@example.com"}, token=f.token)),
    ("list email templates", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/email-templates", token=f.token)),
    ("create taxonomy", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/taxonomies", {
        "key": f.slug("tax"), "schema": [{"key": "size", "type": "text", "value": ["S", "M"]}]}, token=f.token)),
    ("list taxonomies", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/taxonomies", token=f.token)),
    ("create form", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/forms", {
        "key": f.slug("form"), "schema": [{"key": "name", "type": "text", "required": True}]}, token=f.token)),
    ("list forms", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/forms", token=f.token)),
    ("list form submissions", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/forms/submissions",
                                               token=f.token)),
    ("create audience", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/audiences", {"key": f.slug("aud")},
                                         token=f.token)),
    ("list audiences", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/audiences", token=f.token)),
    ("add audience subscriber", _add_subscriber),
    # the catalog
    ("create product", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/products",
                                        {**PRODUCT, "key": f.slug("product")}, token=f.token)),
    ("get product", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/products/{f.create_product()}",
                                     token=f.token)),
    ("update product", _update_product),
    ("find products", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/products", token=f.token,
                                       query={"status": "active"})),
    ("delete product", lambda f: f.http("DELETE", f"/v1/stores/{f.store_id}/products/{f.create_product()}",
                                        token=f.token)),
    ("storefront products", lambda f: f.http("GET", f.storefront("/products"))),
    ("storefront product", lambda f: f.http("GET", f.storefront(f"/products/{f.create_product()}"))),
    # bookable services
    ("create service", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/services", {"key": f.slug("service")},
                                        token=f.token)),
    ("get service", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/services/{_service(f)[0]}", token=f.token)),
    ("find services", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/services", token=f.token)),
    ("create service provider", _new_terms),
    ("storefront services", lambda f: f.http("GET", f.storefront("/services"))),
    ("service availability", _availability),
    # carts (a guest's bearer)
    ("cart current (new)", lambda f: f.http("POST", f.storefront("/carts/current"), {"market": "us"},
                                            token=f.storefront_guest())),
    ("cart get", lambda f: _on_cart(f, "GET", "")),
    ("cart update", lambda f: _on_cart(f, "PUT", "", {"shipping_address": {"country": "US"}})),
    ("cart add item", _add_cart_item),
    ("cart quote", lambda f: _on_cart(f, "POST", "/quote", {})),
    ("cart checkout (cash)", lambda f: _on_cart(f, "POST", "/checkout", {})),
    # carts (staff, on a shopper's cart)
    ("staff cart update", lambda f: _on_staff_cart(f, "PUT", "", {"shipping_address": {"country": "US"}})),
    ("staff cart add item", _staff_add_cart_item),
    ("staff cart remove item", _staff_remove_cart_item),
    ("staff cart clear", lambda f: _on_staff_cart(f, "POST", "/clear", {})),
    ("staff cart quote", lambda f: _on_staff_cart(f, "POST", "/quote", {})),
    ("staff cart checkout (cash)", lambda f: _on_staff_cart(f, "POST", "/checkout", {})),
    ("staff quote without a cart", _staff_order_quote),
    # promo codes (staff), and a cart applying one
    ("create promo code", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/promo-codes", {
        "code": f.slug("NEW"), "discounts": [{"type": "items_fixed", "market_id": "us", "amount": 100}]},
        token=f.token)),
    ("get promo code (by code)", lambda f: _on_promo_code(f, "GET", "code")),
    ("get promo code (by id)", lambda f: _on_promo_code(f, "GET")),
    ("find promo codes", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/promo-codes", token=f.token)),
    ("update promo code", lambda f: _on_promo_code(f, "PUT", body={"status": "archived"})),
    ("delete promo code", lambda f: _on_promo_code(f, "DELETE")),
    ("cart quote (with a promo code)", lambda f: _on_cart_with_code(f, "/quote")),
    ("cart checkout (cash, with a promo code)", lambda f: _on_cart_with_code(f, "/checkout")),
    # orders (staff, then the shopper who placed one)
    ("find orders", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/orders", token=f.token,
                                     query={"statuses": json.dumps(["pending"])})),
    ("get order", lambda f: _on_order(f, "GET")),
    ("confirm order", lambda f: _on_order(f, "PUT", "", {"confirm": True})),
    ("cancel order (+ stock back)", lambda f: _on_order(f, "PUT", "", {"cancel": True})),
    ("refund order (cash)", _cash_refund),
    ("shipping rates (manual)", _shipping_rates),
    ("ship order (cash, manual rate)", _ship),
    ("update shipment status", _update_shipment),
    ("storefront orders", lambda f: f.http("GET", f.storefront("/orders"), token=f.placed_order()[0])),
    ("storefront order", _own_order),
    ("delete store (+ purge)", _delete_store),
    ("scheduler run (nothing due)", lambda f: f.scheduler()),
    # the Pelcro-style customer API
    ("pelcro register", lambda f: f.http("POST", f.pelcro("/auth/register"), {
        "site_id": f.store_id, "email": f.email(), "password": "bench-plum-tree-42"})),
    ("pelcro login", _pelcro_login),
    ("pelcro logout", lambda f: f.http("POST", f.pelcro("/auth/logout"), {"site_id": f.store_id},
                                       token=f.pelcro_register())),
    ("pelcro passwordless request", lambda f: f.http("POST", f.pelcro("/auth/passwordless/request"), {
        "site_id": f.store_id, "email": f.email()})),
    ("pelcro passwordless login", _pelcro_passwordless_login),
    ("pelcro get customer", lambda f: f.http("POST", f.pelcro("/customer"), {"site_id": f.store_id},
                                             token=f.pelcro_register())),
    ("pelcro update customer", lambda f: f.http("PUT", f.pelcro("/customer"), {
        "site_id": f.store_id, "first_name": "Ada"}, token=f.pelcro_register())),
    ("pelcro refresh", lambda f: f.http("POST", f.pelcro("/customer/refresh"), {"site_id": f.store_id},
                                        token=f.pelcro_register())),
    ("pelcro eligible coupons", _pelcro_eligible_coupons),
    ("pelcro request email verification", lambda f: f.http("GET", f.pelcro("/customer/email/verify"),
                                                           query={"site_id": f.store_id}, token=f.pelcro_register())),
    ("pelcro confirm email", _pelcro_confirm_email),
    # offers (staff)
    ("create offer", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/offers", OFFER, token=f.token)),
    ("get offer", _get_offer),
    ("list offers", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/offers", token=f.token)),
    # media (staff)
    ("upload media (one file)", _upload_media),
    ("start media upload", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/media/uploads", {
        "filename": "bench.png", "mime_type": "image/png", "size": 1000}, token=f.token)),
    ("complete media upload", _complete_media),
    ("list media", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/media", query={"limit": 20}, token=f.token)),
    ("get media", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/media/{_media_id(f)}", token=f.token)),
    ("update media", lambda f: f.http("PUT", f"/v1/stores/{f.store_id}/media/{_media_id(f)}", {"alt": "Bench"},
                                      token=f.token)),
    ("delete media", lambda f: f.http("DELETE", f"/v1/stores/{f.store_id}/media/{_media_id(f)}", token=f.token)),
    # API clients, locations and the NewStore dialect's clienteling
    ("create API client", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/api-clients", {
        "name": f.slug("client"), "scopes": ["profiles:read"]}, token=f.token)),
    ("list API clients", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/api-clients", token=f.token)),
    ("revoke API client", lambda f: f.http(
        "DELETE", f"/v1/stores/{f.store_id}/api-clients/{f.api_client()['id']}", token=f.token)),
    ("client token", _client_token),
    ("create location", lambda f: f.http("POST", f"/v1/stores/{f.store_id}/locations", {
        "key": f.slug("shop"), "address": {"country": "US"}}, token=f.token)),
    ("list locations", lambda f: f.http("GET", f"/v1/stores/{f.store_id}/locations", token=f.token)),
    ("get location", lambda f: f.http(
        "GET", f"/v1/stores/{f.store_id}/locations/{f.create_location()}", token=f.token)),
    ("clienteling set consent", _set_consent),
    ("clienteling consumers", _consumers),
    # the NewStore-style consumer profiles (an API client's token)
    ("newstore create consumer", lambda f: _consumer_call(f, "POST", "", {"email": f.email(), "first_name": "B"})),
    ("newstore get consumer", lambda f: _consumer_call(f, "GET", f"/{_consumer(f)}")),
    ("newstore update consumer", lambda f: _consumer_call(f, "PUT", f"/{_consumer(f)}", {
        "first_name": "Ada", "last_name": "Bench", "extended_attributes": [], "revision": 1})),
    ("newstore list consumers", lambda f: _consumer_call(f, "GET", "", query={"count": 50})),
    ("newstore list consumers: q", lambda f: _consumer_call(f, "GET", "", query={"q": "bench"})),
    ("newstore add address", lambda f: _consumer_call(f, "POST", f"/{_consumer(f)}/addresses", {
        "type": "shipping", "city": "NYC", "profile_revision": 1})),
    ("newstore consumer orders", lambda f: _consumer_call(f, "GET", f"/{f.buyer()}/orders")),
    ("newstore request deletion", lambda f: _consumer_call(f, "DELETE", f"/{_consumer(f)}")),
]


# ------------------------------------------------------------------- measuring
def measure(flow: Flow, name: str, budget: Budget | None, prepare: Callable[[Flow], Call],
            repeat: int) -> Result:
    from tests.support import counting_calls

    result = Result(name, budget)
    for _ in range(repeat):
        call = prepare(flow)
        with counting_calls() as log:
            started = time.perf_counter()
            status = call.send()
            elapsed = time.perf_counter() - started
        if not 200 <= status < 300:  # a deletion request answers 202
            raise RuntimeError(f"{name}: {call.method} {call.path} answered {status}")
        result.method, result.path = call.method, call.path
        result.counts.append(len(log))
        result.millis.append(elapsed * 1000)
        if not result.operations:
            result.operations = list(log.calls)
    return result


def operations(calls: list[str]) -> str:
    """["dynamodb.Query", "dynamodb.Query", "sesv2.SendEmail"] -> "Query x2, sesv2.SendEmail"."""
    parts = []
    for op, group in itertools.groupby(c.removeprefix("dynamodb.") for c in calls):
        n = len(list(group))
        parts.append(op if n == 1 else f"{op} x{n}")
    return ", ".join(parts) or "-"


def warm_up(flow: Flow) -> list[list[str]]:
    """Each function's first request, with the signing-key cache empty as in a fresh container.

    Also logs the owner in and creates the store (and a market), a profile, a shopper's profile
    session and a storefront bearer that the measured flow works on.
    """
    from tests.support import counting_calls, latest_code

    from storecrm.identity.gateways import signing_keys
    from storecrm.kernel.gateways import secrets

    rows = [["function", "first request", "status", "AWS calls", "operations"]]

    def first(function: str, call: Call) -> None:
        secrets.reset()  # every function is its own container with its own cache
        with counting_calls() as log:
            status = call.send()
        rows.append([function, f"{call.method} {call.path}", str(status), str(len(log)), operations(log.calls)])

    owner = "owner@bench.example.com"
    first("AccountsFunction", flow.http("POST", "/v1/auth/code", {"email": owner}))
    flow.owner = dict(flow.ok("POST", "/v1/auth/verify", {"email": owner, "code": latest_code(owner)}))
    first("StoresFunction", flow.http("GET", "/v1/stores", token=flow.token))
    flow.store_id = flow.create_store()
    first("TeamFunction", flow.http("POST", f"/v1/stores/{flow.store_id}/members", {"email": flow.email()},
                                    token=flow.token))
    first("MarketsFunction", flow.http("GET", f"/v1/stores/{flow.store_id}/markets", token=flow.token))
    flow.market_id = flow.create_market()
    first("ProfilesFunction", flow.http("GET", flow.profiles(), token=flow.token))
    flow.profile_id = flow.create_profile(flow.email())
    first("ProfileSessionsFunction", flow.http("POST", flow.profiles("/initialize")))
    flow.shopper = flow.profile_login(flow.email())
    first("StorefrontFunction", flow.http("GET", flow.storefront()))
    flow.bearer = flow.storefront_login(flow.email())
    first("ProductsFunction", flow.http("GET", f"/v1/stores/{flow.store_id}/products", token=flow.token))
    first("OrdersFunction", flow.http("GET", f"/v1/stores/{flow.store_id}/orders", token=flow.token))
    first("NewStoreFunction", _client_token(flow))
    first("PelcroFunction", flow.http("POST", flow.pelcro("/customer"), {"site_id": flow.store_id},
                                      token=flow.pelcro_register()))
    first("SchedulerFunction", flow.scheduler())
    first("DocsFunction", flow.http("GET", "/openapi.json"))
    # In-process every function shares one cache: leave it warm for the flow.
    signing_keys.token_signing_keys()
    signing_keys.token_verify_keys()
    return rows


def stop_stream_records(prov: Provisioned) -> None:
    """No function reads the table's stream, so moto stops recording it.

    moto keeps every stream record, and its TransactWriteItems deep-copies the whole table, records
    included, once per write in the transaction: every request got slower as the run went on (the
    calls part took ~3 minutes instead of ~45 s)."""
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends[prov.account_id][prov.region].get_table(prov.refs["Table"]).stream_shard = None


@contextmanager
def provisioned() -> Iterator[Provisioned]:
    """moto with the resources of template.yaml and every function's environment, as the tests have it."""
    import boto3
    from localrunner.template import function_environment, provision
    from moto import mock_aws
    from tests.support import FUNCTIONS, TEMPLATE

    with environment(FAKE_AWS), mock_aws():
        prov = provision(boto3.session.Session(region_name="us-east-1"), {"Stage": "dev"})
        for logical_id in FUNCTIONS:
            os.environ.update(function_environment(TEMPLATE, prov, logical_id))
        stop_stream_records(prov)
        reset_caches()
        try:
            yield prov
        finally:
            reset_caches()


def run(repeat: int) -> None:
    with provisioned() as prov:
        flow = Flow(prov)
        cold = warm_up(flow)
        results = [measure(flow, name, BUDGETS[name], prepare, repeat) for name, prepare in STEPS]

    print("Cold container: each function's first request, signing-key cache empty (not in the table below)")
    print(table(cold, right=frozenset({2, 3})))
    print()
    rows = [["endpoint", "method", "path", "calls", "budget", "", "median ms", "operations (first run)", "why"]]
    for r in results:
        low, high = min(r.counts), max(r.counts)
        counted = str(low) if low == high else f"{low}-{high}"
        if r.budget is None:
            budget, mark = "-", "-"
        else:
            budget, mark = str(r.budget), "ok" if high <= r.budget.high else "OVER"
        rows.append([r.name, r.method, r.path, counted, budget, mark, f"{statistics.median(r.millis):.1f}",
                     operations(r.operations), WHY.get(r.name, "")])
    print(f"AWS API calls per warm request (moto, in-process), {repeat} runs each; operations are DynamoDB "
          "unless prefixed; ms is wall time including moto (informational)")
    print(table(rows, right=frozenset({3, 6})))
