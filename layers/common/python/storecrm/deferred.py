"""A module imported by the first read of one of its names: for models only some routes of a function use.

A function imports its handler's modules at every cold start. Models that only some of its routes need are
named through a `DeferredModule`, so the first request that reads one defines them. Powertools reads a
route's annotations when it first validates that route or renders the OpenAPI document. With SnapStart the
snapshot imports every module named so far (storecrm.snapstart), so a restored instance has them all.

The import goes through importlib and its per-module locks, so threads meeting it together import it once.
"""

from __future__ import annotations

import importlib
from typing import Any

# Every module a DeferredModule names, in this interpreter.
NAMED: set[str] = set()


class DeferredModule:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name
        NAMED.add(name)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"DeferredModule({self._name!r})"
