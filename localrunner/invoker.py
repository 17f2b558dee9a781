"""Load function handlers lazily and invoke them one at a time per function, like a warm container."""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from localrunner import iam_recording
from localrunner.events import LambdaContext
from localrunner.provisioning import NAME_PREFIX
from localrunner.template import REPO_ROOT, FunctionSpec

log = logging.getLogger("localrunner.invoke")

COMMON_LAYER = REPO_ROOT / "layers" / "common" / "python"

Handler = Callable[[dict[str, Any], Any], Any]

# sys.path is edited while a handler module imports; one import at a time keeps that sane.
_IMPORT_LOCK = threading.Lock()


def add_layers_to_path() -> None:
    """The common layer is importable exactly as on Lambda (/opt/python), ahead of site-packages."""
    layer = str(COMMON_LAYER)
    if layer in sys.path:
        sys.path.remove(layer)
    sys.path.insert(0, layer)


class FunctionHost:
    """One function's "container": imported on first use, invoked serially.

    Powertools resolvers keep per-request state on the module-level app object, so two
    concurrent invocations of the same function would trample each other; Lambda never does that.
    """

    def __init__(self, spec: FunctionSpec, region: str) -> None:
        self.spec = spec
        self.region = region
        self.function_name = NAME_PREFIX + spec.logical_id
        self._lock = threading.Lock()
        self._handler: Handler | None = None

    @property
    def module_name(self) -> str:
        # Every function file is app.py; a unique name keeps them apart in sys.modules.
        return "storecrm_local_fn_" + re.sub(r"\W", "_", self.spec.logical_id)

    def load(self) -> Handler:
        """Import the handler module once; a failed import is retried on the next call."""
        if self._handler is not None:
            return self._handler
        path = self.spec.module_file
        name = self.module_name
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
            raise ImportError(f"{path} has no callable {self.spec.handler_name}")
        self._handler = handler
        return handler

    def context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.function_name,
            memory_limit_in_mb=self.spec.memory_size,
            timeout_seconds=self.spec.timeout,
            region=self.region,
        )

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler; exceptions (including import errors) propagate to the caller."""
        with self._lock, iam_recording.invocation(self.spec.logical_id):
            handler = self.load()
            started = time.monotonic()
            try:
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


def hosts(specs: dict[str, FunctionSpec], region: str) -> dict[str, FunctionHost]:
    return {logical_id: FunctionHost(spec, region) for logical_id, spec in specs.items()}
