"""One lock around everything moto does, so concurrent AWS calls behave like AWS's.

moto's backends are plain Python objects with no locking of their own: a Query iterating a table while a
PutItem from another thread adds to it fails ("dictionary changed size during iteration"), and a
conditional write's check and write are two steps another thread can come between. Every request moto
answers in this process (the runner's in-process calls, its HTTP server, and moto's `mock_aws` in the
tests) runs under MOTO_LOCK, one at a time, which is what makes DynamoDB's conditions, transactions and
counters atomic here. moto's work is pure Python, so the GIL already ran it one request at a time: the
lock costs little.

The one call that waits inside moto, an SQS ReceiveMessage with WaitTimeSeconds, lets go of the lock
while it waits, so senders are not held up by a long poll.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

MOTO_LOCK = threading.RLock()

_installed = False


@contextmanager
def released(lock: Any) -> Iterator[None]:
    """Let go of an RLock this thread holds (however deeply), and take it back afterwards."""
    if not lock._is_owned():
        yield
        return
    state = lock._release_save()
    try:
        yield
    finally:
        lock._acquire_restore(state)


def locked(call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    def under_lock(*args: Any, **kwargs: Any) -> Any:
        with MOTO_LOCK:
            return call(*args, **kwargs)

    return under_lock


def install() -> None:
    """moto's in-process request path (mock_aws, and the runner's own calls) answers under MOTO_LOCK; an SQS
    long poll waits without it (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.sqs.models import Queue

    BotocoreStubber.process_request = locked(BotocoreStubber.process_request)  # type: ignore[method-assign]
    wait_for_messages = Queue.wait_for_messages

    def wait_without_the_lock(self: Queue, timeout: int) -> None:
        with released(MOTO_LOCK):
            wait_for_messages(self, timeout)

    Queue.wait_for_messages = wait_without_the_lock  # type: ignore[method-assign]
    _installed = True


class LockedWsgiApp:
    """moto's server app answering one request at a time (the response read whole, under the lock)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with MOTO_LOCK:
            answer = self.app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()
