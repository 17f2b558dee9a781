"""The in-process moto server and the environment that points every boto3 client at it."""

from __future__ import annotations

import logging
import os

from localrunner.cfn import ACCOUNT_ID

log = logging.getLogger("localrunner.aws")

REGION = "us-east-1"
_UNWANTED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


class MotoServer:
    """moto's ThreadedMotoServer on a free loopback port."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        # Imported here: moto is heavy and only the runner (not template users) needs the server.
        from moto.server import ThreadedMotoServer

        # One log line per AWS call would drown the handlers' own logs.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
        self._started = False

    def start(self) -> str:
        self._server.start()
        self._started = True
        return self.url

    @property
    def url(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._server.stop()


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
