"""The local runner itself: dev routes, gateway errors, CORS preflight, proxy events and responses.

Nothing here depends on what the functions do; their own behaviour is tested in the other e2e suites.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from localrunner.cfn import Provisioned
from localrunner.consumers import Consumers
from localrunner.events import InvalidResponse, http_response, proxy_event
from localrunner.invoker import FunctionHost
from localrunner.mailbox import Mailbox
from localrunner.routes import Route, Routes
from localrunner.server import App
from localrunner.template import FunctionSpec
from moto import mock_aws

ERROR_KEYS = {"message", "error", "statusCode", "validationErrors"}


def _json(reply: requests.Response) -> Any:
    assert reply.headers["Content-Type"].startswith("application/json"), reply.headers
    return reply.json()


# ---------------------------------------------------------------------------- against the runner


@pytest.mark.e2e
def test_health_answers(runner_url: str) -> None:
    reply = requests.get(f"{runner_url}/_dev/health", timeout=5)
    assert reply.status_code == 200
    assert _json(reply) == {"ok": True}


@pytest.mark.e2e
def test_unknown_route_is_a_404_in_the_arky_shape(runner_url: str) -> None:
    reply = requests.get(f"{runner_url}/no/such/route", timeout=5)
    assert reply.status_code == 404
    body = _json(reply)
    assert body == {
        "message": "No route for GET /no/such/route",
        "error": "GENERAL.NOT_FOUND",
        "statusCode": 404,
        "validationErrors": [],
    }
    assert reply.headers["x-request-id"]
    # The template's GatewayResponses add CORS to API Gateway's own errors; so does the runner.
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.e2e
def test_a_method_missing_on_the_most_specific_resource_has_no_route(runner_url: str) -> None:
    # /v1/stores/plans only has GET; API Gateway does not fall back to /v1/stores/{storeId}.
    reply = requests.delete(f"{runner_url}/v1/stores/plans", timeout=5)
    assert reply.status_code == 404
    assert _json(reply)["error"] == "GENERAL.NOT_FOUND"


@pytest.mark.e2e
@pytest.mark.parametrize("path", ["/v1/stores", "/v1/stores/s_123/markets/m_1"])
def test_options_preflight_answers_from_the_api_cors_settings(runner_url: str, path: str) -> None:
    reply = requests.options(
        f"{runner_url}{path}",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=5,
    )
    assert reply.status_code == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert set(reply.headers["Access-Control-Allow-Methods"].split(",")) >= {"GET", "POST", "PUT", "DELETE"}
    assert "Authorization" in reply.headers["Access-Control-Allow-Headers"].split(",")
    assert reply.headers["Access-Control-Max-Age"] == "600"
    assert reply.content == b""


@pytest.mark.e2e
def test_options_on_an_unknown_path_is_a_404(runner_url: str) -> None:
    reply = requests.options(f"{runner_url}/nowhere", timeout=5)
    assert reply.status_code == 404
    assert set(_json(reply)) == ERROR_KEYS


@pytest.mark.e2e
def test_mailbox_lists_items(runner_url: str) -> None:
    reply = requests.get(f"{runner_url}/_dev/mailbox", timeout=5)
    assert reply.status_code == 200
    body = _json(reply)
    assert set(body) == {"items"}
    assert isinstance(body["items"], list)


@pytest.mark.e2e
def test_resources_name_what_was_provisioned_from_the_template(runner_url: str) -> None:
    body = _json(requests.get(f"{runner_url}/_dev/resources", timeout=5))
    assert body["aws_endpoint_url"].startswith("http://127.0.0.1:")
    assert body["refs"]["Table"] == "storecrm-local-Table"
    assert body["parameters"]["Stage"] == "dev"
    assert body["parameters"]["AllowLoopbackWebhooks"] == "true"


@pytest.mark.e2e
def test_mail_sent_through_ses_reaches_the_mailbox(runner_url: str, mailbox: Any) -> None:
    resources = _json(requests.get(f"{runner_url}/_dev/resources", timeout=5))
    ses = boto3.client(
        "sesv2",
        endpoint_url=resources["aws_endpoint_url"],
        region_name=resources["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    recipient = f"E2E.{uuid.uuid4().hex[:8]}@Example.com"
    before = mailbox.count(recipient)
    ses.send_email(
        FromEmailAddress=resources["parameters"]["SenderEmail"],  # the template's verified identity
        Destination={"ToAddresses": [recipient]},
        Content={
            "Simple": {
                "Subject": {"Data": "Your login code"},
                "Body": {"Text": {"Data": "Use 482913 within 10 minutes."}},
            }
        },
    )
    assert mailbox(recipient.lower(), since=before) == "482913"  # the filter ignores case

    items = mailbox.items(recipient)
    newest = items[-1]
    assert set(newest) >= {"id", "from", "to", "subject", "body", "sent_at"}
    assert newest["to"] == [recipient]
    assert newest["from"] == resources["parameters"]["SenderEmail"]
    assert newest["subject"] == "Your login code"
    assert all(recipient in item["to"] for item in items)
    others = requests.get(f"{runner_url}/_dev/mailbox", params={"to": "nobody@example.com"}, timeout=5)
    assert all(recipient not in item["to"] for item in _json(others)["items"])


@pytest.mark.e2e
def test_triggering_an_unknown_schedule_is_a_404(runner_url: str) -> None:
    reply = requests.post(f"{runner_url}/_dev/schedule/NoSuchFunction", timeout=5)
    assert reply.status_code == 404
    assert set(_json(reply)) == ERROR_KEYS


# ---------------------------------------------------------------------------- the pieces, in process


class _FakeHost:
    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.result, self.error = result, error
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if self.error:
            raise self.error
        return self.result


def _app(host: _FakeHost) -> App:
    routes = Routes([Route("GET", "/v1/things/{thingId}", "ThingsFunction", "GetThing")])
    return App(
        routes=routes,
        hosts={"ThingsFunction": host},  # type: ignore[dict-item]
        provisioned=Provisioned(template={}, parameters={}),
        mailbox=Mailbox("123456789012", "us-east-1"),
    )


@pytest.mark.parametrize("host", [_FakeHost(result=None), _FakeHost(error=RuntimeError("boom"))])
def test_a_handler_returning_nothing_or_raising_is_a_500_in_the_arky_shape(host: _FakeHost) -> None:
    (status, headers, body), note = _app(host).handle("GET", "/v1/things/t1", [], b"", "127.0.0.1")
    assert status == 500
    assert json.loads(body) == {
        "message": "Internal server error",
        "error": "GENERAL.INTERNAL_ERROR",
        "statusCode": 500,
        "validationErrors": [],
    }
    assert dict(headers)["x-request-id"]
    assert note == "ThingsFunction"


def test_the_handler_gets_a_rest_proxy_event_and_its_response_is_passed_through() -> None:
    host = _FakeHost(
        result={
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "Set-Cookie": "ignored"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": '{"ok": true}',
            "isBase64Encoded": False,
        }
    )
    headers = [("Host", "127.0.0.1:3000"), ("User-Agent", "pytest"), ("X-Tag", "a"), ("X-Tag", "b")]
    (status, out_headers, body), _ = _app(host).handle(
        "GET", "/v1/things/a%40b?x=1&x=2&y=caf%C3%A9", headers, b"", "10.0.0.9"
    )
    assert (status, body) == (201, b'{"ok": true}')
    assert [value for name, value in out_headers if name == "Set-Cookie"] == ["a=1", "b=2"]
    event = host.events[0]
    assert event["resource"] == "/v1/things/{thingId}"
    assert event["path"] == "/v1/things/a@b"
    assert event["pathParameters"] == {"thingId": "a@b"}
    assert event["queryStringParameters"] == {"x": "2", "y": "café"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["café"]}
    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["path"] == "/dev/v1/things/a@b"
    assert context["stage"] == "dev"
    assert context["resourcePath"] == "/v1/things/{thingId}"
    assert context["identity"]["sourceIp"] == "10.0.0.9"
    assert context["identity"]["userAgent"] == "pytest"
    assert isinstance(context["requestTimeEpoch"], int)


def test_proxy_event_without_query_or_params_uses_none_and_base64_for_binary_bodies() -> None:
    event = proxy_event(
        method="POST",
        path="/upload",
        query="",
        headers=[],
        body=b"\xff\x00\xfe",
        source_ip="127.0.0.1",
        resource="/upload",
        path_parameters={},
        request_id="r1",
    )
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00\xfe"


def test_http_response_decodes_base64_bodies_and_rejects_non_responses() -> None:
    status, _, body = http_response({"statusCode": 200, "body": "aGk=", "isBase64Encoded": True})
    assert (status, body) == (200, b"hi")
    for bad in (None, "text", {"body": "x"}, {"statusCode": 200, "body": {"not": "a string"}}):
        with pytest.raises(InvalidResponse):
            http_response(bad)


def test_a_function_that_fails_to_import_is_a_500_and_is_retried_once_fixed(tmp_path: Path) -> None:
    source = tmp_path / "app.py"
    source.write_text("raise RuntimeError('half-written handler')\n")
    spec = FunctionSpec(logical_id="ThingsFunction", code_uri=tmp_path, handler="app.lambda_handler")
    host = FunctionHost(spec, "us-east-1")
    app = _app(host)  # type: ignore[arg-type]
    (status, _, _), _ = app.handle("GET", "/v1/things/t1", [], b"", "127.0.0.1")
    assert status == 500
    source.write_text(
        "import sibling\n"
        "def lambda_handler(event, context):\n"
        "    return {'statusCode': 200, 'body': sibling.VALUE + context.function_name}\n"
    )
    (tmp_path / "sibling.py").write_text("VALUE = 'imported beside app.py by '\n")
    (status, _, body), _ = app.handle("GET", "/v1/things/t1", [], b"", "127.0.0.1")
    assert (status, body) == (200, b"imported beside app.py by storecrm-local-ThingsFunction")
    assert host.module_name in sys.modules and "app" not in sys.modules


# ---------------------------------------------------------------------------- background consumers


class _RecordingHost(FunctionHost):
    """A function host whose handler is a Python callable instead of a file."""

    def __init__(self, events: list[tuple[str, dict[str, Any]]], handler: Any) -> None:
        spec = FunctionSpec(
            logical_id="ConsumerFunction",
            code_uri=Path("/nonexistent"),
            handler="app.lambda_handler",
            events=events,
            event_names=[f"Event{i}" for i in range(len(events))],
        )
        super().__init__(spec, "us-east-1")
        self.calls: list[dict[str, Any]] = []
        self.handler = handler

    def new_container(self, index: int) -> Any:
        return self.handler  # no file to import

    def invoke(self, event: dict[str, Any]) -> Any:
        self.calls.append(event)
        return super().invoke(event)


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def moto_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name="us-east-1")


def _consumers(host: FunctionHost, session: boto3.session.Session, prov: Provisioned) -> Consumers:
    return Consumers({"ConsumerFunction": host}, prov, session, schedule_seconds=0.1)


def test_schedule_events_fire_with_the_eventbridge_shape(moto_session: boto3.session.Session) -> None:
    host = _RecordingHost([("Schedule", {"Schedule": "rate(5 minutes)"})], lambda event, context: None)
    consumers = _consumers(host, moto_session, Provisioned(template={}, parameters={}))
    consumers.start()
    try:
        _wait_for(lambda: len(host.calls) >= 2)
    finally:
        consumers.shutdown()
    event = host.calls[0]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")


def test_stream_records_reach_the_function(moto_session: boto3.session.Session) -> None:
    dynamodb = moto_session.client("dynamodb")
    table = dynamodb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    prov = Provisioned(template={}, parameters={}, refs={"T": "t"})
    prov.attrs[("T", "StreamArn")] = table["LatestStreamArn"]
    event = {
        "Stream": {"Fn::GetAtt": ["T", "StreamArn"]},
        "StartingPosition": "TRIM_HORIZON",
        "FilterCriteria": {"Filters": [{"Pattern": '{"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "KEEP#"}]}}}}'}]},
    }
    host = _RecordingHost([("DynamoDB", event)], lambda event, context: None)
    dynamodb.put_item(TableName="t", Item={"PK": {"S": "SKIP#1"}})
    dynamodb.put_item(TableName="t", Item={"PK": {"S": "KEEP#1"}, "blob": {"B": b"\x00\x01"}})
    consumers = _consumers(host, moto_session, prov)
    consumers.start()
    try:
        _wait_for(lambda: len(host.calls) >= 1)
    finally:
        consumers.shutdown()
    records = [record for call in host.calls for record in call["Records"]]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in records] == ["KEEP#1"]
    assert records[0]["eventName"] == "INSERT"
    assert records[0]["eventSourceARN"] == table["LatestStreamArn"]
    assert records[0]["dynamodb"]["NewImage"]["blob"]["B"] == "AAE="  # base64, as Lambda delivers it


def test_sqs_batches_delete_successes_and_redrive_reported_failures(moto_session: boto3.session.Session) -> None:
    sqs = moto_session.client("sqs")
    dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "1", "RedrivePolicy": redrive})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for body in ("ok-1", "fail", "ok-2"):
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}}
        )

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "fail"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    event = {"Queue": arn, "BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    host = _RecordingHost([("SQS", event)], handler)
    consumers = _consumers(host, moto_session, Provisioned(template={}, parameters={}))
    consumers.start()
    try:
        _wait_for(lambda: "Messages" in sqs.receive_message(QueueUrl=dlq_url, VisibilityTimeout=0), timeout=15)
    finally:
        consumers.shutdown()
    bodies = [record["body"] for call in host.calls for record in call["Records"]]
    assert sorted(bodies) == ["fail", "fail", "ok-1", "ok-2"]  # the failure came back once, then went to the DLQ
    record = host.calls[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["k"]["stringValue"] == "v"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
