"""Test helpers shared by the integration suites: an in-process API client and AWS call counting."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from localrunner.events import proxy_event
from localrunner.invoker import FunctionHost, add_layers_to_path, hosts
from localrunner.template import api_routes, functions, load_template

add_layers_to_path()

TEMPLATE = load_template()
ROUTES = api_routes(TEMPLATE)
FUNCTIONS = functions(TEMPLATE)
# Imported once per test session, like warm containers; state lives in moto, reset per test.
HOSTS: dict[str, FunctionHost] = hosts(FUNCTIONS, "us-east-1")


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


@dataclass
class Api:
    """Calls the real handlers with API Gateway REST proxy events, routed by template.yaml."""

    source_ip: str = "203.0.113.7"
    last_function: str | None = None

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             query: dict[str, Any] | None = None, raw_body: str | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        found = ROUTES.match(method, path)
        assert found is not None, f"no route in template.yaml for {method} {path}"
        route, params = found
        sent_headers = [("Content-Type", "application/json"), *(headers or {}).items()]
        if token:
            sent_headers.append(("Authorization", f"Bearer {token}"))
        payload = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        event = proxy_event(method=method, path=path, query=urlencode(query or {}), headers=sent_headers,
                            body=payload.encode(), source_ip=self.source_ip, resource=route.path,
                            path_parameters=params, request_id=str(uuid.uuid4()))
        self.last_function = route.function
        result = HOSTS[route.function].invoke(event)
        text = result.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = text
        return Reply(result["statusCode"], parsed, {k.lower(): v for k, v in (result.get("headers") or {}).items()})


@dataclass
class CallLog:
    """AWS API calls made through storecrm's boto3 session, counted with botocore event hooks."""

    calls: list[str] = field(default_factory=list)

    def __call__(self, service: str, operation: str) -> None:
        self.calls.append(f"{service}.{operation}")

    def clear(self) -> None:
        self.calls.clear()

    def __len__(self) -> int:
        return len(self.calls)


@contextmanager
def counting_calls() -> Iterator[CallLog]:
    from storecrm import aws

    log = CallLog()
    aws.call_listeners.append(log)
    try:
        yield log
    finally:
        aws.call_listeners.remove(log)


def sent_mail(to: str | None = None) -> list[dict[str, Any]]:
    """Mail sent through moto's SES, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    mails = []
    for message in backend.sent_messages:
        destinations = getattr(message, "destinations", {}) or {}
        recipients = [a.lower() for a in destinations.get("ToAddresses", [])]
        if to is None or to.lower() in recipients:
            mails.append({"to": recipients, "subject": getattr(message, "subject", ""),
                          "body": getattr(message, "body", "")})
    return mails


def latest_code(email: str) -> str:
    mails = sent_mail(email)
    assert mails, f"no mail sent to {email}"
    found = re.search(r"\b(\d{6})\b", mails[-1]["subject"] + " " + str(mails[-1]["body"]))
    assert found, "no six-digit code in the mail"
    return found.group(1)
