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
from localrunner.template import api_routes, binary_media_types, functions, load_template

add_layers_to_path()

TEMPLATE = load_template()
ROUTES = api_routes(TEMPLATE)
BINARY_TYPES = binary_media_types(TEMPLATE)
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
             query: dict[str, Any] | None = None, raw_body: str | bytes | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        found = ROUTES.match(method, path)
        assert found is not None, f"no route in template.yaml for {method} {path}"
        route, params = found
        given = headers or {}
        # The JSON a client sends unless it says otherwise (an upload names its multipart type).
        content_type = [] if any(k.lower() == "content-type" for k in given) else [("Content-Type", "application/json")]
        sent_headers = [*content_type, *given.items()]
        if token:
            sent_headers.append(("Authorization", f"Bearer {token}"))
        payload = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        event = proxy_event(method=method, path=path, query=urlencode(query or {}), headers=sent_headers,
                            body=payload if isinstance(payload, bytes) else payload.encode("utf-8", "surrogatepass"),
                            source_ip=self.source_ip, resource=route.path,
                            path_parameters=params, request_id=str(uuid.uuid4()), binary_types=BINARY_TYPES)
        self.last_function = route.function
        result = HOSTS[route.function].invoke(event)
        text = result.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = text
        # API Gateway answers with both maps merged (Powertools puts a route's own headers in the multi-value one).
        multi = {k: v[-1] for k, v in (result.get("multiValueHeaders") or {}).items() if v}
        headers = {**multi, **(result.get("headers") or {})}
        return Reply(result["statusCode"], parsed, {k.lower(): v for k, v in headers.items()})


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


@contextmanager
def captured_params(service: str, operation: str) -> Iterator[list[dict[str, Any]]]:
    """The parameters of each `service.operation` call through storecrm's client, as sent (moto drops some,
    such as SES's ReplyToAddresses)."""
    from storecrm import aws

    seen: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        seen.append(dict(params))

    events = aws.client(service).meta.events
    name = f"provide-client-params.{service}.{operation}"
    events.register(name, keep)
    try:
        yield seen
    finally:
        events.unregister(name, keep)


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
            mails.append({"from": getattr(message, "source", ""), "to": recipients,
                          "subject": getattr(message, "subject", ""), "body": getattr(message, "body", "")})
    return mails


def latest_code(email: str) -> str:
    mails = sent_mail(email)
    assert mails, f"no mail sent to {email}"
    found = re.search(r"\b(\d{6})\b", mails[-1]["subject"] + " " + str(mails[-1]["body"]))
    assert found, "no six-digit code in the mail"
    return found.group(1)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers each event `failures` times with `status`, then 200."""

    def __init__(self, failures: int = 0, status: int = 500) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.failures = failures
        self.status = status
        self.received: list[Received] = []
        self.answered: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                event_id = self.headers.get("X-Storecrm-Event-Id")
                tries = sum(1 for r in receiver.received if r.headers.get("x-storecrm-event-id") == event_id)
                code = receiver.status if tries <= receiver.failures else 200
                receiver.answered.append(code)
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def delivered(self) -> list[Received]:
        """Requests answered with a 2xx."""
        return [r for r, code in zip(self.received, self.answered, strict=False) if 200 <= code < 300]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Pipeline:
    """The template's stream and queue consumers, run by hand: outbox -> events function -> queue -> dispatcher."""

    def __init__(self, provisioned: Any) -> None:
        import boto3
        from localrunner.consumers import StreamReader

        session = boto3.session.Session(region_name="us-east-1")
        stream_props = dict(FUNCTIONS["EventsFunction"].events_of("DynamoDB"))["Outbox"]
        self.reader = StreamReader(session.client("dynamodbstreams"), provisioned.resolve(stream_props))
        self.sqs: Any = session.client("sqs")
        self.queue_url = provisioned.refs["WebhookQueue"]
        self.queue_arn = provisioned.attrs[("WebhookQueue", "Arn")]
        self.dead_letter_url = provisioned.refs["WebhookDeadLetterQueue"]

    def fan_out(self) -> None:
        """One pass over the stream; a failed batch stays pending in the reader and is retried next pass."""
        def deliver(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            result = HOSTS["EventsFunction"].invoke({"Records": records})
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            for index, record in enumerate(records):
                if record["dynamodb"]["SequenceNumber"] in failed:
                    return records[index:]
            return []

        self.reader.step(deliver)

    def dispatch(self) -> int:
        """One receive-and-invoke round on the webhook queue; returns how many messages it handled."""
        from localrunner.events import sqs_record

        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                            MessageSystemAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        records = [sqs_record(m, self.queue_arn, "us-east-1") for m in messages]
        result = HOSTS["WebhookDispatcherFunction"].invoke({"Records": records})
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [r for r in records if r["messageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done)])
        return len(messages)

    def run(self, rounds: int = 40) -> None:
        """Fan out, then dispatch until the queue has nothing visible (retry delays are 0 in tests)."""
        self.fan_out()
        for _ in range(rounds):
            if not self.dispatch():
                return

    def send(self, body: dict[str, Any]) -> None:
        """Put a message on the webhook queue directly (a duplicate, as at-least-once delivery may make)."""
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body))

    def dead_letters(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.dead_letter_url, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=0).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


class MailPipeline:
    """The template's mail consumer run by hand: outbox mail items -> the stream -> the mail function -> moto's SES.

    Reads the stream from its start (TRIM_HORIZON, as the template says) and remembers where it is, so each `run`
    hands the mail function only the mail items written since the last one."""

    def __init__(self, provisioned: Any) -> None:
        import boto3
        from localrunner.consumers import StreamReader

        session = boto3.session.Session(region_name="us-east-1")
        props = provisioned.resolve(dict(FUNCTIONS["MailFunction"].events_of("DynamoDB"))["Mails"])
        # One read takes up to 1000 records of the whole table's stream: the filter picks the mail items.
        self.reader = StreamReader(session.client("dynamodbstreams"), {**props, "BatchSize": 1000})
        self.invocations: list[dict[str, Any]] = []
        self.answers: list[Any] = []

    def invoke(self, records: list[dict[str, Any]]) -> Any:
        event = {"Records": records}
        self.invocations.append(event)
        answer = HOSTS["MailFunction"].invoke(event)
        self.answers.append(answer)
        return answer

    def run(self, rounds: int = 50) -> int:
        """Delivers every mail item written so far; returns how many records reached the mail function."""
        delivered = 0

        def deliver(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            nonlocal delivered
            delivered += len(records)
            result = self.invoke(records)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            for index, record in enumerate(records):
                if record["dynamodb"]["SequenceNumber"] in failed:
                    return records[index:]
            return []

        for _ in range(rounds):
            before = (dict(self.reader.last_sequence), {k: len(v) for k, v in self.reader.pending.items()})
            self.reader.step(deliver)
            if (dict(self.reader.last_sequence), {k: len(v) for k, v in self.reader.pending.items()}) == before \
                    and not self.reader.pending:
                break
        return delivered


def sent_headers(sends: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The extra headers of each captured SES v2 SendEmail (`captured_params("sesv2", "SendEmail")`)."""
    return [{h["Name"]: h["Value"] for h in s["Content"]["Simple"].get("Headers", [])} for s in sends]


def seed_profiles(store_id: str, emails: list[str]) -> list[str]:
    """Profiles written straight to the table with BatchWriteItem, for tests about reading many.

    The items are the ones the repository's create transaction writes (record, email marker,
    search terms), minus the outbox event. Going through the API instead costs a moto
    TransactWriteItems each, which deep-copies the whole table.
    """
    import boto3

    from storecrm.clock import now
    from storecrm.config import settings
    from storecrm.profiles.models.profiles import Profile
    from storecrm.profiles.repositories.profiles import ProfileRepository

    table = boto3.resource("dynamodb", region_name="us-east-1").Table(settings().table_name)
    at = now()
    ids = []
    with table.batch_writer() as batch:
        for offset, email in enumerate(emails):
            profile = Profile(id=str(uuid.uuid4()), store_id=store_id, email=email,
                              created_at=at + offset, updated_at=at + offset)
            for write in ProfileRepository.create_writes(profile, []):
                if write.kind == "Update":
                    continue  # the store's profile count (an ADD); these tests do not read it
                assert write.kind == "Put" and write.item is not None
                batch.put_item(Item=write.item)
            ids.append(profile.id)
    return ids
