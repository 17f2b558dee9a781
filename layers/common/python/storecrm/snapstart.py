"""Lambda SnapStart (template parameter EnableSnapStart): what a function does before its snapshot
and what every instance restored from it refreshes.

With SnapStart, Lambda runs a function's init once, when a version is published, and starts new
instances from copies of that memory. So init should do the work a first request would otherwise
pay for, and must not leave behind what is only good for one instance or for a while.

The hooks come from `snapshot_restore_py`, which Lambda's Python runtimes (3.12 and later) include.
Elsewhere (tests, the local runner) it is missing and nothing is registered; without SnapStart
the runtime never calls the hooks.

Left as they are on purpose: ids and secrets come from `os.urandom` (storecrm.clock) and `secrets`, which read
os.urandom at every call, so restored copies never repeat them; settings are read from the
environment, which a version keeps.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from storecrm import deferred

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from pydantic import BaseModel

# Libraries a function imports on the first request that needs them (storecrm.kernel.rules for
# emails, storecrm.identity.auth for tokens, storecrm.kernel.gateways.secrets for secrets) so
# that instances without SnapStart start sooner.
FIRST_REQUEST_IMPORTS = ("email_validator", "jwt", "aws_lambda_powertools.utilities.parameters")

_restore_steps: list[Callable[[], None]] = []


def on_restore(step: Callable[[], None]) -> None:
    """`step` forgets state that a restored instance must not share with the snapshot: the module
    keeping the state registers its reset here, next to the state."""
    _restore_steps.append(step)


def register(app: APIGatewayRestResolver) -> None:
    """Hands this function's hooks to the Lambda runtime, when there is one."""
    try:
        runtime_hooks = importlib.import_module("snapshot_restore_py")
    except ImportError:
        return
    runtime_hooks.register_before_snapshot(prepare_snapshot, app)
    runtime_hooks.register_after_restore(refresh_after_restore)


def prepare_snapshot(app: APIGatewayRestResolver) -> None:
    """What each instance's first requests would do, done once while the version is published."""
    # Builds every route's request and response validation (Powertools builds them per route on
    # its first call).
    app.get_openapi_schema()
    # The models this function's modules define only when a route first uses them (storecrm.deferred).
    for name in sorted(deferred.NAMED):
        importlib.import_module(name)
    # Models are built on first use (defer_build, storecrm.kernel.base_model); build those this
    # function loaded. One that cannot be built yet is left to its first use, as without SnapStart.
    for model in _loaded_models():
        model.model_rebuild(raise_errors=False)
    for name in FIRST_REQUEST_IMPORTS:
        importlib.import_module(name)


def refresh_after_restore() -> None:
    """Runs in every restored instance before its first request."""
    # The snapshot holds the `random` generator's state, so every copy would draw the same numbers
    # (botocore's retry jitter draws from it).
    random.seed()
    for step in _restore_steps:
        step()


def _loaded_models() -> Iterator[type[BaseModel]]:
    from storecrm.kernel.base_model import Model

    pending: list[type[BaseModel]] = [Model]
    while pending:
        model = pending.pop()
        yield model
        pending.extend(model.__subclasses__())
