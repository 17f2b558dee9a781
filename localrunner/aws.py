"""moto as the runner's AWS: its server on loopback for clients outside this process, and the same backends
answering this process's own clients (the handlers', the consumers') in-process, without the HTTP round trip.

Every boto3 client here points at the server (AWS_ENDPOINT_URL); a botocore `before-send` hook
(InProcessAws) answers the requests of the services below straight from moto's backends in the calling
thread: about a quarter of the CPU of the same call through the server. Anything else goes to the server.
Both paths answer under moto's one lock (localrunner.moto_lock) and report each change to the journal that
makes the data survive a restart (localrunner.persistence).
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from localrunner.cfn import ACCOUNT_ID
from localrunner.moto_bounds import SENT_MAIL_KEPT
from localrunner.moto_lock import MOTO_LOCK

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse

    from localrunner.persistence import Journal

log = logging.getLogger("localrunner.aws")

REGION = "us-east-1"
_UNWANTED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")

# The address moto matches each service's requests on (botocore's service id -> AWS's endpoint for it).
AWS_ENDPOINTS = {
    "dynamodb": "https://dynamodb.{region}.amazonaws.com",
    "dynamodb-streams": "https://streams.dynamodb.{region}.amazonaws.com",
    "sqs": "https://sqs.{region}.amazonaws.com",
    "s3": "https://s3.amazonaws.com",
    "sesv2": "https://email.{region}.amazonaws.com",
    "ses": "https://email.{region}.amazonaws.com",
    "kms": "https://kms.{region}.amazonaws.com",
    "secrets-manager": "https://secretsmanager.{region}.amazonaws.com",
    "eventbridge": "https://events.{region}.amazonaws.com",
    "sns": "https://sns.{region}.amazonaws.com",
    "sts": "https://sts.amazonaws.com",
}

# SES v2 SendEmail (REST-JSON): moto records the message but drops ReplyToAddresses and Simple content's Headers.
SESV2_SEND_EMAIL = ("POST", "/v2/email/outbound-emails")


class SentMailHeaders:
    """The Reply-To addresses and extra headers (List-Unsubscribe...) each SES v2 SendEmail asked for, by the
    message id moto answered (the newest SENT_MAIL_KEPT, as many as the mailbox keeps)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: OrderedDict[str, tuple[list[str], dict[str, str]]] = OrderedDict()

    def record(self, message_id: str, reply_to: list[str], headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._sent[message_id] = (reply_to, dict(headers or {}))
            while len(self._sent) > SENT_MAIL_KEPT:
                self._sent.popitem(last=False)

    def note(self, request: bytes, answer: bytes) -> None:
        """From a SendEmail request and moto's answer to it."""
        try:
            message_id = str(json.loads(answer)["MessageId"])
            sent = json.loads(request)
            reply_to = [str(a) for a in sent.get("ReplyToAddresses") or []]
            simple = (sent.get("Content") or {}).get("Simple") or {}
            headers = {str(h["Name"]): str(h["Value"]) for h in simple.get("Headers") or []}
        except (ValueError, KeyError, TypeError, AttributeError):
            return  # an error answer: nothing was sent
        self.record(message_id, reply_to, headers)

    def reply_to(self, message_id: str) -> list[str]:
        with self._lock:
            return list(self._sent.get(message_id, ([], {}))[0])

    def headers(self, message_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._sent.get(message_id, ([], {}))[1])

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {message_id: {"reply_to": reply_to, "headers": headers}
                    for message_id, (reply_to, headers) in self._sent.items()}

    def restore(self, state: dict[str, Any]) -> None:
        for message_id, sent in state.items():
            self.record(message_id, list(sent["reply_to"]), dict(sent["headers"]))


def wsgi_operation(environ: dict[str, Any], body: bytes) -> str:
    """The API action a request to moto's server names: its X-Amz-Target or Action, else its HTTP method
    (REST APIs: S3, SES v2)."""
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    if target:
        return target.rsplit(".", 1)[-1]
    action = parse_qs(str(environ.get("QUERY_STRING") or "")).get("Action")
    if not action and str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return action[0] if action else str(environ.get("REQUEST_METHOD", "GET"))


class MotoApp:
    """WSGI middleware in front of moto's server: one request at a time under moto's lock, the Reply-To of
    each SES v2 SendEmail noted, and every change journaled."""

    def __init__(self, app: Callable[..., Iterable[bytes]], sent: SentMailHeaders) -> None:
        self.app = app
        self.sent = sent
        self.journal: Journal | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.answer(environ, start_response, self.journal)

    def answer(self, environ: dict[str, Any], start_response: Callable[..., Any],
               journal: Journal | None) -> Iterable[bytes]:
        request = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(request)  # moto reads the same bytes
        status: list[str] = []

        def noting_start_response(code: str, headers: Any, *args: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *args)

        with MOTO_LOCK:
            answer = self.app(environ, noting_start_response)
            try:
                data = b"".join(answer)
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()
            if not status or not status[0].startswith("2"):
                return [data]
            if (environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")) == SESV2_SEND_EMAIL:
                self.sent.note(request, data)
            if journal is not None:
                journal.served(environ, request, wsgi_operation(environ, request))
        return [data]

    def replay(self, entry: tuple[Any, ...]) -> None:
        """A journaled request to the server, answered again (and not journaled again)."""
        from werkzeug.test import EnvironBuilder

        _, method, path, query, headers, body = entry
        environ = EnvironBuilder(method=method, path=path, query_string=query, headers=headers, data=body,
                                 base_url=f"http://{headers.get('Host') or '127.0.0.1'}").get_environ()
        self.answer(environ, lambda *_: None, None)


class InProcessAws:
    """botocore `before-send` handler: a request for the moto server's address, to a service in
    AWS_ENDPOINTS, is answered by moto's backends in this thread (moto's own in-process path, the one
    `mock_aws` uses), under moto's lock; its change, if any, goes to the journal."""

    def __init__(self, endpoint_url: str, sent: SentMailHeaders, region: str = REGION) -> None:
        from moto.core.botocore_stubber import BotocoreStubber

        self.endpoint_url = endpoint_url.rstrip("/")
        self.sent = sent
        self.region = region
        self.journal: Journal | None = None
        self._moto = BotocoreStubber()

    def __call__(self, event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse

        url = str(request.url)
        if not url.startswith(self.endpoint_url + "/"):
            return None
        _, service, operation = event_name.split(".", 2)
        endpoint = AWS_ENDPOINTS.get(service)
        if endpoint is None:
            return None  # the server answers
        body: Any = request.body
        if hasattr(body, "read"):
            body = body.read()
        aws_url = endpoint.format(region=self.region) + url[len(self.endpoint_url):]
        headers = {str(k): v.decode("utf-8") if isinstance(v, bytes) else str(v) for k, v in request.headers.items()}
        answer = self.answer(service, operation, str(request.method), aws_url, headers, _bytes(body), self.journal)
        if answer is None:
            return None
        status, answer_headers, content = answer
        return AWSResponse(url, status, answer_headers, MockRawResponse(content))  # type: ignore[arg-type]

    def answer(self, service: str, operation: str, method: str, aws_url: str, headers: dict[str, str], body: bytes,
               journal: Journal | None) -> tuple[int, dict[str, str], Any] | None:
        from botocore.awsrequest import AWSPreparedRequest
        from botocore.compat import HTTPHeaders

        request = AWSPreparedRequest(method, aws_url, HTTPHeaders.from_dict(headers), body, False)
        MOTO_LOCK.acquire()
        try:
            answer = self._moto.process_request(request)
            if answer is None:
                return None
            status, _, content = answer
            if 200 <= status < 300:
                if (service, operation) == ("sesv2", "SendEmail"):
                    self.sent.note(body, _bytes(content))
                if journal is not None:
                    journal.answered(service, operation, method, aws_url, headers, body)
        finally:
            MOTO_LOCK.release()
        return answer

    def replay(self, entry: tuple[Any, ...]) -> None:
        """A journaled request of this process, answered again (and not journaled again)."""
        _, service, operation, method, aws_url, headers, body = entry
        self.answer(service, operation, method, aws_url, headers, body, None)


def unsigned_requests(signature_version: Any, **_: Any) -> Any:
    """botocore `choose-signer` handler: requests go unsigned (moto checks no signature, and signing is a good
    part of a call's CPU); presigned URLs and forms, which browsers and scripts send to the server, are still
    signed. Every client of this process talks to moto (configure_environment)."""
    import botocore

    if isinstance(signature_version, str) and not signature_version.endswith(("-query", "-presign-post")):
        return botocore.UNSIGNED
    return None


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class MotoServer:
    """moto's server app on a free loopback port, in a thread, and the in-process path to the same backends."""

    def __init__(self, host: str = "127.0.0.1", sent: SentMailHeaders | None = None) -> None:
        # Imported here: moto is heavy and only the runner (not template users) needs the server.
        # The same pieces moto's ThreadedMotoServer assembles, with the middleware in front.
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from localrunner import moto_bounds, moto_speed
        from localrunner.moto_snapshots import snapshot_touched_items

        snapshot_touched_items()
        moto_bounds.install()
        moto_speed.install()

        # One log line per AWS call would drown the handlers' own logs.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.sent = sent or SentMailHeaders()
        self.app = MotoApp(DomainDispatcherApplication(create_backend_app), self.sent)
        self._server = make_server(host, 0, self.app, threaded=True, request_handler=MotoRequestHandler)
        self._thread: threading.Thread | None = None
        self.in_process = InProcessAws(self.url, self.sent)
        self._hooks: list[tuple[str, Any]] = [("before-send", self.in_process), ("choose-signer", unsigned_requests)]

    def start(self) -> str:
        import botocore.handlers

        # Every botocore session made from now on (the runner's, the handlers') gets the hooks.
        botocore.handlers.BUILTIN_HANDLERS.extend(self._hooks)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        return self.url

    def set_journal(self, journal: Journal | None) -> None:
        self.app.journal = journal
        self.in_process.journal = journal

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        import botocore.handlers

        if self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._thread = None
        handlers = botocore.handlers.BUILTIN_HANDLERS
        for hook in self._hooks:
            if hook in handlers:
                handlers.remove(hook)


def configure_environment(endpoint_url: str) -> None:
    """Make every boto3 client in this process (runner and handlers) talk to moto, and only moto."""
    for name in list(os.environ):
        # A developer's per-service endpoints or profile would bypass or break the global endpoint.
        if name.startswith("AWS_ENDPOINT_URL_") or name in _UNWANTED:
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "MOTO_ACCOUNT_ID": ACCOUNT_ID,
            # Keep ~/.aws out of it: its settings could point clients at real AWS.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            # No X-Ray daemon locally; Powertools' Tracer becomes a no-op.
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_XRAY_SDK_ENABLED": "false",
        }
    )
