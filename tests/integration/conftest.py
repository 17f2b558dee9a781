"""Integration tests: real handlers, API Gateway events, moto, and resources made from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from localrunner import moto_speed
from localrunner.fake_shippo import FakeShippo
from localrunner.fake_stripe import FakeStripe
from localrunner.moto_snapshots import snapshot_touched_items
from localrunner.template import function_environment, provision
from moto import mock_aws

from tests.support import FUNCTIONS, TEMPLATE, Api, MailPipeline, Pipeline, Receiver, latest_code

# Safe, copy-on-write transactions and queries that read their partition only: as the local runner runs moto.
snapshot_touched_items()
moto_speed.install()


def _reset_caches() -> None:
    from storecrm import aws, services
    from storecrm.integrations.gateways import secret_box
    from storecrm.kernel.gateways import secrets

    aws.reset()
    services.reset()
    secrets.reset()
    secret_box.reset()


@pytest.fixture
def provisioned(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        # No X-Ray daemon in tests (test_tracing.py runs its own): POWERTOOLS_TRACE_DISABLED=true.
        prov = provision(boto3.session.Session(region_name="us-east-1"), {"Stage": "dev", "EnableTracing": "false"})
        for logical_id in FUNCTIONS:
            for name, value in function_environment(TEMPLATE, prov, logical_id).items():
                monkeypatch.setenv(name, value)
        _reset_caches()
        yield prov
    _reset_caches()


@pytest.fixture
def api(provisioned: Any) -> Api:
    return Api()


def login(api: Api, email: str) -> dict[str, Any]:
    """Request a code, read it from the mail, verify: the AuthToken body."""
    assert api.call("POST", "/v1/auth/code", {"email": email}).status == 200
    reply = api.call("POST", "/v1/auth/verify", {"email": email, "code": latest_code(email)})
    assert reply.status == 200, reply.body
    return reply.body


@pytest.fixture
def owner(api: Api) -> dict[str, Any]:
    return login(api, "owner@example.com")


@pytest.fixture
def store(api: Api, owner: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("POST", "/v1/stores", {"key": "acme-shop", "timezone": "America/New_York",
                                            "billing_email": "billing@acme.example.com"}, token=owner["access_token"])
    assert reply.status == 200, reply.body
    return reply.body


# Names tests may use as webhook hosts, and what they resolve to (no test uses real DNS).
FAKE_DNS = {
    "hooks.example.com": ["93.184.216.34"],
    "internal.example.com": ["10.0.0.5"],
    "metadata.example.com": ["169.254.169.254"],
    "mixed.example.com": ["93.184.216.34", "192.168.1.10"],
    "localhost": ["127.0.0.1"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    import ipaddress

    from storecrm.kernel.gateways import outbound

    def resolve(host: str, port: int) -> list[Any]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            return [ipaddress.ip_address(a) for a in FAKE_DNS.get(host, [])]

    monkeypatch.setattr(outbound, "resolve", resolve)


@pytest.fixture
def local_webhooks(provisioned: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the local runner sets it up: loopback receivers allowed; retries without waiting (tests only)."""
    monkeypatch.setenv("ALLOW_LOOPBACK_WEBHOOKS", "true")
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "0")
    _reset_caches()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def pipeline(provisioned: Any, store: dict[str, Any]) -> Pipeline:
    """Consumers started after the store exists: its creation events are already behind them."""
    found = Pipeline(provisioned)
    found.run()
    return found


@pytest.fixture
def mails(provisioned: Any) -> MailPipeline:
    """The mail function on the table's stream, run with `mails.run()`: store mails reach moto's SES then."""
    return MailPipeline(provisioned)


@pytest.fixture
def stripe_fake(provisioned: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """The fake Stripe on loopback, with every Stripe client pointed at it."""
    from storecrm import services

    with FakeStripe() as fake:
        monkeypatch.setenv("STRIPE_API_BASE", fake.url)
        services.reset()
        yield fake


@pytest.fixture
def shippo_fake(provisioned: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeShippo]:
    """The fake Shippo on loopback, with the shippo gateway pointed at it."""
    from storecrm import services

    with FakeShippo() as fake:
        monkeypatch.setenv("SHIPPO_API_BASE", fake.url)
        services.reset()
        yield fake
