"""The HTTP front door: API Gateway's routing, proxy events, CORS preflight and gateway errors."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from localrunner import consumers
from localrunner.cfn import Provisioned
from localrunner.events import InvalidResponse, error_body, http_response, proxy_event
from localrunner.invoker import FunctionHost
from localrunner.mailbox import Mailbox
from localrunner.template import Routes, binary_media_types

log = logging.getLogger("localrunner.http")

# Hop-by-hop and framing headers are the server's business, not the handler's.
_FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}

Response = tuple[int, list[tuple[str, str]], bytes]


def _unquote_cfn(value: Any) -> str:
    """API Gateway header values in the template are quoted literals: "'*'" -> "*"."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


@dataclass
class App:
    """Everything a request needs; shared by all request threads (read-only after start-up)."""

    routes: Routes
    hosts: dict[str, FunctionHost]
    provisioned: Provisioned
    mailbox: Mailbox
    aws_endpoint_url: str = ""
    cors: dict[str, str] = field(default_factory=dict)
    gateway_responses: dict[str, Any] = field(default_factory=dict)
    binary_types: list[str] = field(default_factory=list)

    @classmethod
    def from_template(
        cls,
        routes: Routes,
        hosts: dict[str, FunctionHost],
        provisioned: Provisioned,
        mailbox: Mailbox,
        aws_endpoint_url: str,
    ) -> App:
        apis = [
            resource.get("Properties") or {}
            for resource in (provisioned.template.get("Resources") or {}).values()
            if resource.get("Type") == "AWS::Serverless::Api"
        ]
        api = provisioned.resolve(apis[0]) if apis else {}
        cors = api.get("Cors") or {}
        if isinstance(cors, str):  # SAM shorthand: Cors is just the allowed origin
            cors = {"AllowOrigin": cors}
        return cls(
            routes=routes,
            hosts=hosts,
            provisioned=provisioned,
            mailbox=mailbox,
            aws_endpoint_url=aws_endpoint_url,
            cors={key: _unquote_cfn(value) for key, value in cors.items()},
            gateway_responses=api.get("GatewayResponses") or {},
            binary_types=binary_media_types(provisioned.template),
        )

    # ------------------------------------------------------------------------ request handling
    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> tuple[Response, str]:
        """(response, a short note for the access log)."""
        request_id = str(uuid.uuid4())
        url = urlsplit(target)
        raw_path = url.path or "/"
        if raw_path.startswith("/_dev/"):
            return self._dev(method, raw_path, url.query, request_id), "dev"
        matched = self.routes.match(method, raw_path)
        if matched is None:
            resource = self.routes.resource_for(raw_path)
            if method == "OPTIONS" and resource is not None:
                return self._preflight(resource[0]), "cors"
            message = f"No route for {method} {unquote(raw_path)}"
            return self._gateway_error(404, "GENERAL.NOT_FOUND", message, request_id, "4XX"), "no route"
        route, raw_params = matched
        event = proxy_event(
            method=method,
            path=unquote(raw_path),
            query=url.query,
            headers=headers,
            body=body,
            source_ip=source_ip,
            resource=route.path,
            path_parameters={name: unquote(value) for name, value in raw_params.items()},
            request_id=request_id,
            binary_types=self.binary_types,
        )
        try:
            status, out_headers, payload = http_response(self.hosts[route.function].invoke(event))
        except InvalidResponse as exc:
            log.error("%s: invalid response: %s", route.function, exc)
            return self.internal_error(request_id), route.function
        except Exception:
            log.exception("%s failed on %s %s", route.function, method, raw_path)
            return self.internal_error(request_id), route.function
        out_headers.append(("x-amzn-RequestId", request_id))
        return (status, out_headers, payload), route.function

    def _preflight(self, resource: str) -> Response:
        methods = self.cors.get("AllowMethods") or ",".join([*self.routes.methods_for(resource), "OPTIONS"])
        headers = [("Access-Control-Allow-Methods", methods)]
        for key, header in (
            ("AllowOrigin", "Access-Control-Allow-Origin"),
            ("AllowHeaders", "Access-Control-Allow-Headers"),
            ("MaxAge", "Access-Control-Max-Age"),
        ):
            if self.cors.get(key):
                headers.append((header, self.cors[key]))
        if str(self.cors.get("AllowCredentials", "")).lower() == "true":
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return 204, headers, b""

    def _gateway_headers(self, kind: str, request_id: str) -> list[tuple[str, str]]:
        """Headers the template's GatewayResponses add to API Gateway's own errors."""
        specific = {"4XX": "MISSING_AUTHENTICATION_TOKEN", "5XX": "INTEGRATION_FAILURE"}[kind]
        config = self.gateway_responses.get(specific) or self.gateway_responses.get(f"DEFAULT_{kind}") or {}
        configured = ((config.get("ResponseParameters") or {}).get("Headers")) or {}
        headers = [("Content-Type", "application/json")]
        for name, value in configured.items():
            if value == "context.requestId":
                headers.append((name, request_id))
            elif str(value).startswith("'"):
                headers.append((name, _unquote_cfn(value)))
        if not any(name.lower() == "x-request-id" for name, _ in headers):
            headers.append(("x-request-id", request_id))
        return headers

    def _gateway_error(self, status: int, error: str, message: str, request_id: str, kind: str) -> Response:
        return status, self._gateway_headers(kind, request_id), error_body(status, error, message)

    def internal_error(self, request_id: str) -> Response:
        return self._gateway_error(500, "GENERAL.INTERNAL_ERROR", "Internal server error", request_id, "5XX")

    # ------------------------------------------------------------------------ /_dev (local only)
    def _dev(self, method: str, path: str, query: str, request_id: str) -> Response:
        params = {name: values[-1] for name, values in parse_qs(query).items()}
        if method == "GET" and path == "/_dev/health":
            return _json(200, {"ok": True})
        if method == "GET" and path == "/_dev/mailbox":
            return _json(200, {"items": self.mailbox.items(to=params.get("to"))})
        if method == "GET" and path == "/_dev/resources":
            return _json(
                200,
                {
                    "aws_endpoint_url": self.aws_endpoint_url,
                    "region": self.provisioned.region,
                    "account_id": self.provisioned.account_id,
                    "parameters": self.provisioned.parameters,
                    "refs": self.provisioned.refs,
                },
            )
        if method == "POST" and path.startswith("/_dev/schedule/"):
            return self._run_schedule(path.removeprefix("/_dev/schedule/"), request_id)
        return self._gateway_error(404, "GENERAL.NOT_FOUND", f"No route for {method} {path}", request_id, "4XX")

    def _run_schedule(self, logical_id: str, request_id: str) -> Response:
        """Run a function's Schedule event now, so scripts and tests need not wait for the timer."""
        host = self.hosts.get(logical_id)
        if host is None or not host.spec.events_of("Schedule"):
            message = f"{logical_id} is not a function with a Schedule event"
            return self._gateway_error(404, "GENERAL.NOT_FOUND", message, request_id, "4XX")
        try:
            result = consumers.run_schedule(host, self.provisioned)
        except Exception:
            log.exception("%s failed on a triggered schedule", logical_id)
            return self.internal_error(request_id)
        return _json(200, {"ok": True, "result": result})


def _json(status: int, document: Any) -> Response:
    body = json.dumps(document, default=str).encode("utf-8")
    return status, [("Content-Type", "application/json")], body


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    server: RunnerServer

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers, then the blank line
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        started = time.monotonic()
        body = self._read_body()
        headers = [(name, value) for name, value in self.headers.items()]
        try:
            (status, out_headers, payload), note = self.server.app.handle(
                self.command, self.path, headers, body, self.client_address[0]
            )
        except Exception:
            # A runner bug still answers in the API's error shape instead of dropping the connection.
            log.exception("runner failed on %s %s", self.command, self.path.partition("?")[0])
            status, out_headers, payload = self.server.app.internal_error(str(uuid.uuid4()))
            note = "runner error"
        self.send_response(status)
        for name, value in out_headers:
            if name.lower() not in _FRAMING_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)
        elapsed = (time.monotonic() - started) * 1000
        # The path only, as the API's access log has it: query strings carry emails and link tokens.
        log.info("%s %s -> %d (%s, %.0f ms)", self.command, self.path.partition("?")[0], status, note, elapsed)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve  # noqa: N815

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY, PROPFIND...) is routed too, so it gets the API's JSON
        # "no route" error as from API Gateway, not http.server's HTML 501 page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)


class RunnerServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck handler must not block shutdown
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of parallel clients (a storefront's page
    # load, a load script) overflows it while moto holds the GIL, and connections get reset.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-response are normal (curl ^C, test timeouts); not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s went away", client_address)
        else:
            super().handle_error(request, client_address)
