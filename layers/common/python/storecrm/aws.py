"""One boto3 session per container, shared by every repository and gateway.

Clients are created on first use so a function only pays for the services it calls, and so
tests and the benchmark can count calls with botocore event hooks on this one session.
boto3 honours AWS_ENDPOINT_URL, which is how the local runner points everything at moto.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

import boto3
from botocore.config import Config

from storecrm import snapstart

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


# Called with each new session before any client is made from it; clients copy the session's botocore event
# hooks when created, presigning clients included (the IAM conformance test records every action with them).
SessionHook = Callable[[boto3.session.Session], None]
session_hooks: list[SessionHook] = []


@lru_cache(maxsize=1)
def session() -> boto3.session.Session:
    created = boto3.session.Session()
    for hook in session_hooks:
        hook(created)
    return created


# Called as listener(service, operation) before every AWS API call (tests and the benchmark count
# round trips with it). Clients copy the session's hooks when created, so each client gets one.
CallListener = Callable[[str, str], None]
call_listeners: list[CallListener] = []


def _notify(event_name: str, **kwargs: Any) -> None:
    _, service, operation = event_name.split(".", 2)
    for listener in call_listeners:
        listener(service, operation)


# A boto3 session must not make two clients at once (it is not thread-safe): the webhook dispatcher's
# deliveries, and the local runner's concurrent invocations, may ask for their first client together.
_making_clients = threading.Lock()


@cache
def client(service: str) -> Any:
    with _making_clients:
        created = session().client(service, config=_CONFIG)  # type: ignore[call-overload]
    created.meta.events.register("before-call", _notify)
    return created


def reset() -> None:
    """Forget cached clients (tests switch between moto backends)."""
    client.cache_clear()
    session.cache_clear()


# Clients hold pooled connections and the credentials they resolved: a SnapStart snapshot's would
# be as old as the version and shared by every instance restored from it.
snapstart.on_restore(reset)
