"""Load function handlers lazily and invoke them like Lambda: a pool of warm "containers" per function, each
running one invocation at a time.

A container is its own instance of the function's handler module (imported under a name of its own), so
the module-level state Powertools keeps per request (the resolver's current event, the batch processor's
records) belongs to one invocation at a time, as on Lambda. A function runs at most `concurrency`
invocations at once; a container is made when all the function's containers are busy, and the most
recently used idle one is reused first. Each invocation runs in a fresh contextvars context, in which
`running_function` names the function (the one place that says which function a thread is running) and
localrunner.isolation keeps the per-invocation state that Lambda keeps per process.
"""

from __future__ import annotations

import contextvars
import importlib.util
import logging
import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from localrunner import iam_recording, isolation
from localrunner.events import LambdaContext
from localrunner.provisioning import NAME_PREFIX
from localrunner.template import REPO_ROOT, FunctionSpec

log = logging.getLogger("localrunner.invoke")

COMMON_LAYER = REPO_ROOT / "layers" / "common" / "python"

Handler = Callable[[dict[str, Any], Any], Any]

# Invocations of one function at once: two per core. Handlers mostly compute (moto answers in-process), so
# more would only queue on the interpreter; two per core lets one wait (a webhook POST, Stripe) while the
# other runs.
DEFAULT_CONCURRENCY = max(2, 2 * (os.cpu_count() or 1))

# The logical id of the function whose invocation the current thread (context) is running, or None.
running_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("localrunner_running_function",
                                                                              default=None)

# sys.path is edited while a handler module imports; one import at a time keeps that sane.
_IMPORT_LOCK = threading.Lock()


def add_layers_to_path() -> None:
    """The common layer is importable exactly as on Lambda (/opt/python), ahead of site-packages."""
    layer = str(COMMON_LAYER)
    if layer in sys.path:
        sys.path.remove(layer)
    sys.path.insert(0, layer)


class FunctionHost:
    """One function: its containers, made on demand up to `concurrency`, each invoked serially."""

    def __init__(self, spec: FunctionSpec, region: str, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        if concurrency < 1:
            raise ValueError("a function needs at least one container")
        self.spec = spec
        self.region = region
        self.function_name = NAME_PREFIX + spec.logical_id
        self.concurrency = concurrency
        self._available = threading.Lock()
        self._idle: list[Handler] = []  # the most recently used last
        self._containers = 0
        # Invocations waiting for a container, first come first served: a released container goes to the
        # longest waiting one (a newcomer cannot take it first).
        self._waiting: deque[_Waiter] = deque()

    @property
    def module_name(self) -> str:
        """The first container's module. Every function file is app.py; a unique name keeps them apart."""
        return self.module_name_of(0)

    def module_name_of(self, container: int) -> str:
        base = "storecrm_local_fn_" + re.sub(r"\W", "_", self.spec.logical_id)
        return base if container == 0 else f"{base}__{container + 1}"

    @property
    def containers(self) -> int:
        """How many containers the function has now (busy or idle)."""
        return self._containers

    def new_container(self, index: int) -> Handler:
        """Import the handler module afresh under its own name; a failed import is retried on the next call."""
        path = self.spec.module_file
        name = self.module_name_of(index)
        with _IMPORT_LOCK:
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module  # pydantic and dataclasses look the module up while it executes
            # Lambda puts the code directory on sys.path, so sibling modules import.
            code_dir = str(self.spec.code_uri)
            sys.path.insert(0, code_dir)
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)  # a fixed file is retried on the next request
                raise
            finally:
                sys.path.remove(code_dir)
        handler = getattr(module, self.spec.handler_name, None)
        if not callable(handler):
            sys.modules.pop(name, None)
            raise ImportError(f"{path} has no callable {self.spec.handler_name}")
        return handler

    def load(self) -> Handler:
        """Make sure the function has a container (importing its module if need be); returns its handler."""
        handler = self._acquire()
        self._release(handler)
        return handler

    def _acquire(self) -> Handler:
        with self._available:
            if self._idle and not self._waiting:
                return self._idle.pop()
            if self._containers >= self.concurrency or self._waiting:
                waiter = _Waiter()
                self._waiting.append(waiter)
            else:
                waiter = None
                index = self._containers
                self._containers += 1
        if waiter is not None:
            return waiter.wait()
        try:
            return self.new_container(index)
        except BaseException:
            with self._available:
                self._containers -= 1
            self._make_room()
            raise

    def _release(self, handler: Handler) -> None:
        with self._available:
            if self._waiting:
                self._waiting.popleft().hand(handler)
            else:
                self._idle.append(handler)

    def _make_room(self) -> None:
        """A container could not be made: the waiting invocations try to make one in turn (each gets the
        import error if it fails again, as each call on its own would)."""
        while True:
            with self._available:
                if not self._waiting or self._containers >= self.concurrency:
                    return
                index = self._containers
                self._containers += 1
                waiter = self._waiting.popleft()
            try:
                waiter.hand(self.new_container(index))
                return
            except BaseException as failure:
                with self._available:
                    self._containers -= 1
                waiter.fail(failure)

    def context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.function_name,
            memory_limit_in_mb=self.spec.memory_size,
            timeout_seconds=self.spec.timeout,
            region=self.region,
        )

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler in a free container; exceptions (including import errors) propagate to the caller."""
        handler = self._acquire()
        try:
            return contextvars.Context().run(self._run, handler, event)
        finally:
            self._release(handler)

    def _run(self, handler: Handler, event: dict[str, Any]) -> Any:
        running_function.set(self.spec.logical_id)
        isolation.install()
        isolation.begin_invocation()
        started = time.monotonic()
        try:
            with iam_recording.invocation(self.spec.logical_id):
                return handler(event, self.context())
        finally:
            elapsed = time.monotonic() - started
            if elapsed > self.spec.timeout:
                # Threads cannot be killed; say so instead of pretending Lambda's timeout applied.
                log.warning(
                    "%s ran %.1f s, longer than its %d s timeout (AWS would have stopped it)",
                    self.spec.logical_id,
                    elapsed,
                    self.spec.timeout,
                )


class _Waiter:
    """One invocation waiting for a container."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._handler: Handler | None = None
        self._failure: BaseException | None = None

    def hand(self, handler: Handler) -> None:
        self._handler = handler
        self._ready.set()

    def fail(self, failure: BaseException) -> None:
        self._failure = failure
        self._ready.set()

    def wait(self) -> Handler:
        self._ready.wait()
        if self._failure is not None:
            raise self._failure
        assert self._handler is not None
        return self._handler


def hosts(specs: dict[str, FunctionSpec], region: str,
          concurrency: int = DEFAULT_CONCURRENCY) -> dict[str, FunctionHost]:
    return {logical_id: FunctionHost(spec, region, concurrency) for logical_id, spec in specs.items()}
