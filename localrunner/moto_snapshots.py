"""moto's DynamoDB TransactWriteItems deep-copies the whole table once per item of the transaction (to restore
it if a condition fails), before it writes anything. The copies are identical, so one per table is enough: with
a few hundred items in the table, a checkout's transaction spent most of its time copying. Used by the local
runner and the tests; moto's behaviour is otherwise unchanged."""

from __future__ import annotations

import copy
import functools
import threading
from types import ModuleType
from typing import Any

_installed = False


class _OneSnapshotPerTable(ModuleType):
    """Stands in for the `copy` module inside moto's DynamoDB models: while a transaction of this thread runs,
    deep copies of the same table are the first one."""

    def __init__(self, table_type: type) -> None:
        super().__init__("copy")
        self._table_type = table_type
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, obj: Any, memo: dict[int, Any] | None = None) -> Any:
        snapshots: dict[int, Any] | None = getattr(self._local, "snapshots", None)
        if snapshots is None or not isinstance(obj, self._table_type):
            return copy.deepcopy(obj, memo)
        if id(obj) not in snapshots:
            snapshots[id(obj)] = copy.deepcopy(obj, memo)
        return snapshots[id(obj)]

    def during(self, call: Any) -> Any:
        @functools.wraps(call)
        def transaction(*args: Any, **kwargs: Any) -> Any:
            self._local.snapshots = {}
            try:
                return call(*args, **kwargs)
            finally:
                self._local.snapshots = None

        return transaction


def snapshot_each_table_once() -> None:
    """Installs the one-copy-per-table transaction backups (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    shim = _OneSnapshotPerTable(Table)
    models.copy = shim
    backend = models.DynamoDBBackend
    backend.transact_write_items = shim.during(backend.transact_write_items)  # type: ignore[method-assign]
    _installed = True
