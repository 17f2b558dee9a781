"""Business metrics: the EMF lines a handler prints, read back after each flow (issue 17, section 1).

Each flow is checked for the metric it should emit and, where it matters, for the ones it must not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from storecrm import metrics
from tests.integration.test_audiences import _shopper
from tests.integration.test_memberships import URLS, paid, send_event, subscribe  # noqa: F401 - fixtures
from tests.integration.test_operations_template import BUSINESS_METRICS
from tests.integration.test_webhook_delivery import add_member, hook  # noqa: F401 - a fixture
from tests.support import Api, Pipeline, Receiver, latest_code


@dataclass(frozen=True)
class Emitted:
    name: str
    value: float
    dimensions: dict[str, str]
    namespace: str


class Printed:
    """What the handlers printed to stdout since the last read, as metrics."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def read(self) -> list[Emitted]:
        found = []
        for line in self.capsys.readouterr().out.splitlines():
            try:
                document = json.loads(line)
            except ValueError:
                continue
            if not isinstance(document, dict) or "_aws" not in document:
                continue
            [directive] = document["_aws"]["CloudWatchMetrics"]
            [dimension_names] = directive["Dimensions"]
            dimensions = {name: document[name] for name in dimension_names}
            for metric in directive["Metrics"]:
                assert metric["Unit"] == "Count"
                value = document[metric["Name"]]
                found.append(Emitted(metric["Name"], sum(value) if isinstance(value, list) else value, dimensions,
                                     directive["Namespace"]))
        return found

    def totals(self) -> dict[tuple[str, str | None], float]:
        """(name, outcome) -> sum; every metric in the stack's namespace, with a service and no store id."""
        totals: dict[tuple[str, str | None], float] = {}
        for emitted in self.read():
            assert emitted.namespace == "storecrm-dev"
            assert emitted.dimensions["service"]
            assert set(emitted.dimensions) <= {"service", "outcome", "function_name"}, emitted
            key = (emitted.name, emitted.dimensions.get("outcome"))
            totals[key] = totals.get(key, 0) + emitted.value
        return totals


@pytest.fixture
def printed(provisioned: Any, capsys: pytest.CaptureFixture[str]) -> Iterator[Printed]:
    from aws_lambda_powertools.metrics.provider import cold_start

    metrics.discard_counts()  # counted by earlier tests that call domain code directly
    # The process's first handler call counts a cold start; only the test about it wants one.
    cold_start.is_cold_start = False
    found = Printed(capsys)
    found.read()
    yield found


def test_the_metric_names_are_the_dashboards() -> None:
    assert set(metrics.BUSINESS_METRICS) == set(BUSINESS_METRICS)


def test_a_cold_start_is_counted_once(api: Api, printed: Printed) -> None:
    from aws_lambda_powertools.metrics.provider import cold_start

    cold_start.reset_cold_start_flag()
    api.call("GET", "/v1/platform/events")
    [emitted] = [e for e in printed.read() if e.name == metrics.COLD_START]
    assert emitted.value == 1 and emitted.dimensions["function_name"] and emitted.dimensions["service"]
    api.call("GET", "/v1/platform/events")
    assert printed.totals() == {}  # a warm call that changed nothing prints nothing


def test_staff_login_codes_and_sessions(api: Api, printed: Printed) -> None:
    assert api.call("POST", "/v1/auth/code", {"email": "owner@example.com"}).status == 200
    assert printed.totals() == {("LoginCodesSent", None): 1}
    wrong = "000000" if latest_code("owner@example.com") != "000000" else "111111"
    assert api.call("POST", "/v1/auth/verify", {"email": "owner@example.com", "code": wrong}).status == 401
    assert printed.totals() == {("LoginCodesRejected", None): 1}
    verified = api.call("POST", "/v1/auth/verify", {"email": "owner@example.com",
                                                    "code": latest_code("owner@example.com")})
    assert verified.status == 200
    assert printed.totals() == {("SessionsCreated", None): 1}
    assert api.call("POST", "/v1/auth/logout", {"refresh_token": verified.body["refresh_token"]},
                    token=verified.body["access_token"]).status == 200
    assert printed.totals() == {("SessionsRevoked", None): 1}


def test_profiles_created_merged_deleted_and_their_sessions(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                            printed: Printed) -> None:
    token, base = owner["access_token"], f"/v1/stores/{store['id']}/profiles"
    printed.read()
    target = api.call("POST", base, {"email": "pat@example.com"}, token=token).body
    assert printed.totals() == {("ProfilesCreated", None): 1}
    api.call("POST", base, {"email": "PAT@example.com"}, token=token)  # the same profile
    assert printed.totals() == {}
    shopper = _shopper(api, store, "pat.other@example.com")  # a profile and its first session
    assert printed.totals() == {("ProfilesCreated", None): 1, ("SessionsCreated", None): 1}
    merged = api.call("POST", f"{base}/{target['id']}/merge", {"source_id": shopper["id"]}, token=token)
    assert merged.status == 200, merged.body
    assert printed.totals() == {("ProfilesMerged", None): 1, ("ProfilesDeleted", None): 1,
                                ("SessionsRevoked", None): 1}


def test_revoking_every_session_counts_each(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                            printed: Printed) -> None:
    shopper = _shopper(api, store, "sam@example.com")
    for _ in range(2):
        api.call("POST", f"/v1/stores/{store['id']}/profiles/connect", {"email": "sam@example.com"})
    printed.read()
    reply = api.call("DELETE", f"/v1/stores/{store['id']}/profiles/{shopper['id']}/sessions",
                     token=owner["access_token"])
    assert reply.status in (200, 204), reply.body
    assert printed.totals() == {("SessionsRevoked", None): 3}


def test_audience_subscriptions_by_outcome(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                           printed: Printed) -> None:
    base = f"/v1/stores/{store['id']}/audiences"
    audience = api.call("POST", base, {"key": "news"}, token=owner["access_token"]).body
    shopper = _shopper(api, store, "reader@example.com")
    printed.read()
    for _ in range(2):
        reply = api.call("POST", f"{base}/{audience['id']}/subscribe", {"profile_id": shopper["id"]},
                         token=shopper["access_token"])
        assert reply.status == 200, reply.body
    assert printed.totals() == {("AudienceSubscriptions", "subscribed"): 1,
                                ("AudienceSubscriptions", "already_subscribed"): 1}


def test_paid_subscription_checkout_and_stripe_events_by_outcome(
        api: Api, store: dict[str, Any], printed: Printed,
        paid: dict[str, Any], stripe_fake: Any) -> None:  # noqa: F811 - the imported fixtures
    shopper = _shopper(api, store, "member@example.com")
    printed.read()
    assert subscribe(api, store, paid, shopper, price_id="yearly", **URLS).status == 200
    assert printed.totals() == {("AudienceSubscriptions", "checkout_started"): 1}
    [session] = stripe_fake.sessions.values()
    completed = stripe_fake.complete_checkout(session["id"])
    assert send_event(api, store, completed).body["outcome"] == "applied"
    assert send_event(api, store, completed).body["outcome"] == "unchanged"
    assert send_event(api, store, {**completed, "type": "invoice.created"}).body["outcome"] == "ignored"
    assert send_event(api, store, completed, secret="whsec_someone_else").status == 400
    assert printed.totals() == {("StripeEvents", "applied"): 1, ("StripeEvents", "unchanged"): 1,
                                ("StripeEvents", "ignored"): 1, ("StripeEvents", "rejected"): 1}


@pytest.mark.usefixtures("hook")
def test_webhook_deliveries_delivered(api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver,
                                      pipeline: Pipeline, printed: Printed) -> None:
    receiver.failures = 1
    add_member(api, owner, store)
    printed.read()
    pipeline.run()
    totals = printed.totals()
    assert totals[("WebhookDeliveries", "retried")] == 1 and totals[("WebhookDeliveries", "delivered")] == 1
    assert ("WebhookDeliveries", "dead_lettered") not in totals


@pytest.mark.usefixtures("hook")
def test_webhook_deliveries_dead_lettered(api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver,
                                          pipeline: Pipeline, printed: Printed) -> None:
    receiver.failures = 1000
    add_member(api, owner, store)
    printed.read()
    pipeline.run()
    totals = printed.totals()
    assert totals[("WebhookDeliveries", "retried")] == 7  # WebhookMaxAttempts 8, the last one fails for good
    assert totals[("WebhookDeliveries", "dead_lettered")] == 1
    assert ("WebhookDeliveries", "delivered") not in totals


def test_login_with_a_store_code_counts_for_profiles_too(api: Api, store: dict[str, Any], printed: Printed) -> None:
    base = f"/v1/stores/{store['id']}/profiles/auth"
    assert api.call("POST", f"{base}/code", {"email": "buyer@example.com"}).status == 200
    reply = api.call("POST", f"{base}/verify", {"email": "buyer@example.com", "code": latest_code("buyer@example.com")})
    assert reply.status == 200, reply.body
    totals = printed.totals()
    assert totals[("LoginCodesSent", None)] == 1 and totals[("SessionsCreated", None)] == 1

