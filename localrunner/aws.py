"""The in-process moto server and the environment that points every boto3 client at it."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from localrunner.cfn import ACCOUNT_ID

log = logging.getLogger("localrunner.aws")

REGION = "us-east-1"
_UNWANTED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


# SES v2 SendEmail (REST-JSON): moto records the message but drops ReplyToAddresses and Simple content's Headers.
SESV2_SEND_EMAIL = ("POST", "/v2/email/outbound-emails")


class SentMailHeaders:
    """The Reply-To addresses and extra headers (List-Unsubscribe...) each SES v2 SendEmail asked for, by the
    message id moto answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reply_to: dict[str, list[str]] = {}
        self._headers: dict[str, dict[str, str]] = {}

    def record(self, message_id: str, reply_to: list[str], headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._reply_to[message_id] = reply_to
            self._headers[message_id] = dict(headers or {})

    def reply_to(self, message_id: str) -> list[str]:
        with self._lock:
            return list(self._reply_to.get(message_id, []))

    def headers(self, message_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._headers.get(message_id, {}))


class SesRequestRecorder:
    """WSGI middleware in front of moto: passes every request on, and notes the Reply-To and headers of SendEmail."""

    def __init__(self, app: Callable[..., Iterable[bytes]], sent: SentMailHeaders) -> None:
        self.app = app
        self.sent = sent

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")) != SESV2_SEND_EMAIL:
            return self.app(environ, start_response)
        request = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(request)  # moto reads the same bytes
        answer = self.app(environ, start_response)
        try:
            data = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        try:
            message_id = str(json.loads(data)["MessageId"])
            sent = json.loads(request)
            reply_to = [str(a) for a in sent.get("ReplyToAddresses") or []]
            simple = (sent.get("Content") or {}).get("Simple") or {}
            headers = {str(h["Name"]): str(h["Value"]) for h in simple.get("Headers") or []}
        except (ValueError, KeyError, TypeError, AttributeError):
            return [data]  # an error answer: nothing was sent
        self.sent.record(message_id, reply_to, headers)
        return [data]


class MotoServer:
    """moto's server app on a free loopback port, in a thread, with SES requests noted in `sent`."""

    def __init__(self, host: str = "127.0.0.1", sent: SentMailHeaders | None = None) -> None:
        # Imported here: moto is heavy and only the runner (not template users) needs the server.
        # The same pieces moto's ThreadedMotoServer assembles, with the recorder in front.
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from localrunner.moto_snapshots import snapshot_each_table_once

        snapshot_each_table_once()

        # One log line per AWS call would drown the handlers' own logs.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.sent = sent or SentMailHeaders()
        app = SesRequestRecorder(DomainDispatcherApplication(create_backend_app), self.sent)
        self._server = make_server(host, 0, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._thread = None


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
