"""Both dialects meet every error through one installer: a command a handler builds from raw values is a
400 in the dialect's shape, a stored record that no longer fits its model a 500, an unknown route a 404."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from localrunner.events import LambdaContext, proxy_event
from pydantic import Field

from storecrm.http.app import lambda_entry, use_arky_errors
from storecrm.http.errors import from_domain
from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Command
from storecrm.newstore import errors as newstore
from storecrm.pelcro.errors import response_of, use_pelcro_errors


class ProbeFind(Command):
    profile_id: str = Field(min_length=1)


class ProbeRecord(Model):
    count: int


def _entry(dialect: str) -> Any:
    app = APIGatewayRestResolver(enable_validation=True)
    {"arky": use_arky_errors, "pelcro": use_pelcro_errors, "newstore": newstore.use_newstore_errors}[dialect](app)

    @app.get("/probe/find")
    def find() -> dict[str, str]:
        # Past the route's own validation, as a handler that reads a raw query value does.
        raw = app.current_event.get_query_string_value("profile_id", "")
        return {"profile_id": ProbeFind(profile_id=raw).profile_id}

    @app.get("/probe/record")
    def record() -> dict[str, int]:
        return {"count": ProbeRecord.model_validate({"count": "corrupted"}).count}

    return lambda_entry(app, {"arky": from_domain, "pelcro": response_of, "newstore": newstore.response_of}[dialect])


def _get(handler: Any, path: str, query: str = "", request_id: str | None = None) -> tuple[int, dict[str, Any]]:
    event = proxy_event(method="GET", path=path, query=query, headers=[], body=b"", source_ip="203.0.113.7",
                        resource=path, path_parameters={}, request_id=request_id or str(uuid.uuid4()))
    reply = handler(event, LambdaContext(function_name="probe", memory_limit_in_mb=512, timeout_seconds=15))
    return reply["statusCode"], json.loads(reply["body"])


def test_arky_dialect(provisioned: Any) -> None:
    handler = _entry("arky")
    assert _get(handler, "/probe/find", "profile_id=p1") == (200, {"profile_id": "p1"})
    status, body = _get(handler, "/probe/find", "profile_id=")
    assert (status, body["error"], body["validationErrors"]) == (
        400, "GENERAL.VALIDATION_ERROR", [{"field": "profile_id", "error": "String should have at least 1 character"}])
    status, body = _get(handler, "/probe/record")
    assert (status, body["error"]) == (500, "GENERAL.INTERNAL_ERROR")
    status, body = _get(handler, "/probe/nowhere")
    assert (status, body["error"]) == (404, "GENERAL.NOT_FOUND")


@pytest.mark.parametrize(("path", "query", "expected"), [
    ("/probe/find", "profile_id=", (400, {"errors": {"profile_id": ["String should have at least 1 character"]}})),
    ("/probe/record", "", (500, {"error": {"status": 500, "message": "Something went wrong on our side; try again"}})),
    ("/probe/nowhere", "", (404, {"error": {"status": 404, "message": "No route for GET /probe/nowhere"}})),
])
def test_pelcro_dialect(provisioned: Any, path: str, query: str, expected: tuple[int, dict[str, Any]]) -> None:
    assert _get(_entry("pelcro"), path, query) == expected


@pytest.mark.parametrize(("path", "query", "expected"), [
    ("/probe/find", "profile_id=", (400, "GENERAL.VALIDATION_ERROR",
                                    "Validation failed: profile_id: String should have at least 1 character")),
    ("/probe/record", "", (500, "GENERAL.INTERNAL_ERROR", "Something went wrong on our side; try again")),
    ("/probe/nowhere", "", (404, "GENERAL.NOT_FOUND", "No route for GET /probe/nowhere")),
])
def test_newstore_dialect(provisioned: Any, path: str, query: str, expected: tuple[int, str, str]) -> None:
    status, body = _get(_entry("newstore"), path, query, request_id="req-7")
    assert (status, body) == (expected[0], {"error_code": expected[1], "message": expected[2], "request_id": "req-7"})
