"""AWS API calls per request: the real handlers, in-process, against moto, resources from template.yaml.

Every function is warmed first (its first call in a container also fetches the JWT signing key
from Secrets Manager; that is reported on its own). Then each endpoint of a realistic staff flow
is called `repeat` times, each time after its own unmeasured setup; only the request itself is
counted (botocore hooks via storecrm.aws.call_listeners) and timed.
"""

from __future__ import annotations

import itertools
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
    """Forget clients, services and the signing-key cache (as tests/integration/conftest.py does)."""
    from storecrm import aws, services
    from storecrm.gateways import signing_keys

    aws.reset()
    services.reset()
    signing_keys.reset()


class Flow:
    """A staff member's session and the store they work on, plus helpers for unmeasured setup."""

    def __init__(self, prov: Provisioned) -> None:
        self.prov = prov
        self.serial = itertools.count(1)
        self.owner: dict[str, Any] = {}
        self.store_id = ""
        self.market_id = ""

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

    def http(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             then: Callable[[Reply], None] | None = None) -> Call:
        from tests.support import ROUTES

        found = ROUTES.match(method, path)
        assert found is not None, f"no route in template.yaml for {method} {path}"
        api = self.api()

        def send() -> int:
            reply = api.call(method, path, body, token=token)
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

    def add_member(self, email: str) -> None:
        self.ok("POST", f"/v1/stores/{self.store_id}/members", {"email": email}, token=self.token)

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
# Each step: (label, budget or None, prepare). prepare does unmeasured setup and returns the Call.
Step = tuple[str, Budget | None, Callable[[Flow], Call]]


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


def _update_market(f: Flow) -> Call:
    mode = "inclusive" if next(f.serial) % 2 else "exclusive"
    return f.http("PUT", f"/v1/stores/{f.store_id}/markets/{f.market_id}", {"tax_mode": mode}, token=f.token)


def _delete_store(f: Flow) -> Call:
    store_id = f.create_store()  # comes with two default markets, a membership and outbox events
    f.ok("POST", f"/v1/stores/{store_id}/members", {"email": f.email()}, token=f.token)
    return f.http("DELETE", f"/v1/stores/{store_id}", token=f.token)


STEPS: list[Step] = [
    ("request code", CODE, lambda f: f.http("POST", "/v1/auth/code", {"email": f.email()})),
    ("verify", None, _verify),
    ("refresh", WRITE, _refresh),
    ("logout", WRITE, lambda f: f.http("POST", "/v1/auth/logout", token=f.login(f.email())["access_token"])),
    ("create store", WRITE, lambda f: f.http("POST", "/v1/stores", {
        "key": f.slug("bench-new"), "timezone": "America/New_York", "billing_email": "b@example.com"}, token=f.token)),
    ("get store", GET_BY_ID, lambda f: f.http("GET", f"/v1/stores/{f.store_id}", token=f.token)),
    ("list stores", LIST, lambda f: f.http("GET", "/v1/stores", token=f.token)),
    ("update store", WRITE, _update_store),
    ("list plans", LIST, lambda f: f.http("GET", "/v1/stores/plans")),
    ("add member (new account)", WRITE, lambda f: f.http(
        "POST", f"/v1/stores/{f.store_id}/members", {"email": f.email()}, token=f.token)),
    ("add member (existing account)", WRITE, _add_existing),
    ("remove member", WRITE, _remove_member),
    ("list markets", LIST, lambda f: f.http("GET", f"/v1/stores/{f.store_id}/markets", token=f.token)),
    ("create market", WRITE, lambda f: f.http(
        "POST", f"/v1/stores/{f.store_id}/markets", {"key": f.slug("mk"), "currency": "EUR"}, token=f.token)),
    ("get market", GET_BY_ID, lambda f: f.http(
        "GET", f"/v1/stores/{f.store_id}/markets/{f.market_id}", token=f.token)),
    ("update market", WRITE, _update_market),
    ("delete market", WRITE, lambda f: f.http(
        "DELETE", f"/v1/stores/{f.store_id}/markets/{f.create_market()}", token=f.token)),
    ("delete store (+ purge)", None, _delete_store),
    ("scheduler run (nothing due)", None, lambda f: f.scheduler()),
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
        if status != 200:
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

    Also logs the owner in and creates the store (and a market) the measured flow works on.
    """
    from tests.support import counting_calls, latest_code

    from storecrm.gateways import signing_keys

    rows = [["function", "first request", "status", "AWS calls", "operations"]]

    def first(function: str, call: Call) -> None:
        signing_keys.reset()  # every function is its own container with its own cache
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
    first("SchedulerFunction", flow.scheduler())
    first("DocsFunction", flow.http("GET", "/openapi.json"))
    signing_keys.signing_keys()  # in-process every function shares one cache: leave it warm for the flow
    return rows


def run(repeat: int) -> None:
    import boto3
    from localrunner.template import function_environment, provision
    from moto import mock_aws
    from tests.support import FUNCTIONS, TEMPLATE

    with environment(FAKE_AWS), mock_aws():
        prov = provision(boto3.session.Session(region_name="us-east-1"), {"Stage": "dev"})
        for logical_id in FUNCTIONS:
            os.environ.update(function_environment(TEMPLATE, prov, logical_id))
        reset_caches()
        flow = Flow(prov)
        cold = warm_up(flow)
        results = [measure(flow, name, budget, prepare, repeat) for name, budget, prepare in STEPS]
        reset_caches()

    print("Cold container: each function's first request, signing-key cache empty (not in the table below)")
    print(table(cold, right=frozenset({2, 3})))
    print()
    rows = [["endpoint", "method", "path", "calls", "budget", "", "median ms", "operations (first run)"]]
    for r in results:
        low, high = min(r.counts), max(r.counts)
        counted = str(low) if low == high else f"{low}-{high}"
        if r.budget is None:
            budget, mark = "-", "-"
        else:
            budget, mark = str(r.budget), "ok" if high <= r.budget.high else "over"
        rows.append([r.name, r.method, r.path, counted, budget, mark, f"{statistics.median(r.millis):.1f}",
                     operations(r.operations)])
    print(f"AWS API calls per warm request (moto, in-process), {repeat} runs each; operations are DynamoDB "
          "unless prefixed; ms is wall time including moto (informational)")
    print(table(rows, right=frozenset({3, 6})))
