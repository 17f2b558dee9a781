"""Lambda event payloads and context objects, shaped like the ones AWS delivers."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from localrunner.cfn import ACCOUNT_ID

STAGE = "dev"


# ---------------------------------------------------------------------------- API Gateway (REST, v1)


def proxy_event(
    *,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    resource: str,
    path_parameters: dict[str, str],
    request_id: str,
    stage: str = STAGE,
    binary_types: list[str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy-integration event; path and parameters arrive URL-decoded. A body whose
    Content-Type is one of the API's `binary_types` arrives base64-encoded, whatever its bytes."""
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        single_headers[name] = value  # API Gateway keeps the last value in "headers"
        multi_headers.setdefault(name, []).append(value)
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        single_query[name] = value
        multi_query.setdefault(name, []).append(value)
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    text, is_base64 = _body_text(body, is_binary(content_type, binary_types or []))
    now = datetime.now(UTC)
    user_agent = next((value for name, value in headers if name.lower() == "user-agent"), None)
    host = next((value for name, value in headers if name.lower() == "host"), "127.0.0.1")
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{stage}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "local",
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": host,
            "apiId": "local",
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def is_binary(content_type: str, binary_types: list[str]) -> bool:
    """API Gateway's test: the media type (parameters aside) is listed, or a listed `type/*` covers it."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return any(media_type == t.lower() or (t.endswith("/*") and media_type.startswith(t[:-1].lower()))
               for t in binary_types)


def _body_text(body: bytes, binary: bool = False) -> tuple[str | None, bool]:
    if not body:
        return None, False
    if binary:
        return base64.b64encode(body).decode("ascii"), True
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


class InvalidResponse(Exception):
    """The handler returned something API Gateway could not turn into an HTTP response."""


def http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) from a proxy-integration result, merged the way API Gateway does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        raise InvalidResponse(f"handler returned {type(result).__name__}, expected a dict with statusCode")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise InvalidResponse(f"statusCode {result['statusCode']!r} is not an integer") from None
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise InvalidResponse("headers and multiValueHeaders must be objects")
    # Where a name appears in both, only the multiValueHeaders values are sent.
    multi_names = {name.lower() for name in multi}
    headers = [(str(name), str(value)) for name, values in multi.items() for value in (values or [])]
    headers += [(str(name), str(value)) for name, value in single.items() if name.lower() not in multi_names]
    body = result.get("body")
    if body is None:
        payload = b""
    elif not isinstance(body, str):
        raise InvalidResponse(f"body must be a string, not {type(body).__name__}")
    elif result.get("isBase64Encoded"):
        payload = base64.b64decode(body)
    else:
        payload = body.encode("utf-8")
    return status, headers, payload


def error_body(status: int, error: str, message: str) -> bytes:
    """The arky error shape every client of this API understands."""
    document = {"message": message, "error": error, "statusCode": status, "validationErrors": []}
    return json.dumps(document).encode("utf-8")


# ---------------------------------------------------------------------------- context


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    region: str = "us-east-1"
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# ---------------------------------------------------------------------------- event sources


def scheduled_event(rule_arn: str, region: str, detail: Any = None) -> dict[str, Any]:
    """What an EventBridge schedule rule delivers (detail is {} unless the event sets Input)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {} if detail is None else detail,
    }


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """Turn one ReceiveMessage entry (AttributeNames/MessageAttributeNames=All) into a record."""
    attributes = {name: str(value) for name, value in (message.get("Attributes") or {}).items()}
    message_attributes: dict[str, Any] = {}
    for name, attribute in (message.get("MessageAttributes") or {}).items():
        converted: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": attribute.get("DataType", "String"),
        }
        if "StringValue" in attribute:
            converted["stringValue"] = attribute["StringValue"]
        if "BinaryValue" in attribute:
            converted["binaryValue"] = base64.b64encode(attribute["BinaryValue"]).decode("ascii")
        message_attributes[name] = converted
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords entry as Lambda delivers it: binary values base64, times as epoch seconds."""
    converted = _lambda_json(record)
    converted["eventSourceARN"] = stream_arn
    return converted


def _lambda_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _lambda_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lambda_json(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, set):
        return [_lambda_json(item) for item in sorted(value)]
    return value
