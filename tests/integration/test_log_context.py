"""Every log line of a request names its store and the kind of caller (issue 17, section 5)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from localrunner.events import LambdaContext, proxy_event

from storecrm.http.app import lambda_entry, logger, use_arky_errors
from storecrm.http.auth import optional_principal


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def _probe_entry() -> Any:
    """A function like the others (the shared entry, the shared auth) whose route logs twice."""
    app = APIGatewayRestResolver(enable_validation=True)
    use_arky_errors(app)

    @app.get("/v1/stores/<storeId>/probe")
    def probe(storeId: str) -> dict[str, str]:
        logger.info("Before auth")
        optional_principal(app)
        logger.info("After auth")
        return {}

    return lambda_entry(app)


def _call(handler: Any, store_id: str, token: str | None) -> None:
    headers = [("Authorization", f"Bearer {token}")] if token else []
    event = proxy_event(method="GET", path=f"/v1/stores/{store_id}/probe", query="", headers=headers, body=b"",
                        source_ip="203.0.113.7", resource="/v1/stores/{storeId}/probe",
                        path_parameters={"storeId": store_id}, request_id=str(uuid.uuid4()))
    reply = handler(event, LambdaContext(function_name="probe", memory_limit_in_mb=512, timeout_seconds=15))
    assert reply["statusCode"] == 200, reply


def test_lines_name_the_store_and_the_caller_kind(provisioned: Any, owner: dict[str, Any], store: dict[str, Any],
                                                 log_lines: io.StringIO) -> None:
    handler = _probe_entry()
    _call(handler, store["id"], owner["access_token"])
    _call(handler, "another-store", None)  # the previous request's caller does not linger
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert [(line["message"], line["store_id"], line["caller"]) for line in lines] == [
        ("Before auth", store["id"], "public"), ("After auth", store["id"], "staff"),
        ("Before auth", "another-store", "public"), ("After auth", "another-store", "public")]
    assert "owner@example.com" not in log_lines.getvalue()
