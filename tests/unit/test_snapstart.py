"""SnapStart hooks: what a function prepares before its snapshot and refreshes in every restored copy.

Lambda's `snapshot_restore_py` exists only in its Python runtimes; a stand-in records what the
shared entry point registers, and runs it the way the runtime does.
"""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from storecrm import aws, snapstart
from storecrm.deferred import DeferredModule
from storecrm.http.app import lambda_entry
from storecrm.kernel.base_model import Model

Hook = tuple[Callable[..., None], tuple[Any, ...], dict[str, Any]]


# Built by nothing but the snapshot test.
class Parcel(Model):
    weight_grams: int


class Label(Model):
    carrier: str


class RuntimeHooks(types.ModuleType):
    """Stands in for `snapshot_restore_py`."""

    def __init__(self) -> None:
        super().__init__("snapshot_restore_py")
        self.before_snapshot: list[Hook] = []
        self.after_restore: list[Hook] = []

    def register_before_snapshot(self, func: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        self.before_snapshot.append((func, args, kwargs))

    def register_after_restore(self, func: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        self.after_restore.append((func, args, kwargs))

    def take_snapshot(self) -> None:
        for func, args, kwargs in reversed(self.before_snapshot):  # the runtime's order
            func(*args, **kwargs)

    def restore(self) -> None:
        for func, args, kwargs in self.after_restore:
            func(*args, **kwargs)


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> RuntimeHooks:
    hooks = RuntimeHooks()
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", hooks)
    return hooks


def test_the_entry_point_registers_one_hook_of_each_kind(runtime: RuntimeHooks) -> None:
    app = APIGatewayRestResolver(enable_validation=True)
    lambda_entry(app)
    assert runtime.before_snapshot == [(snapstart.prepare_snapshot, (app,), {})]
    assert runtime.after_restore == [(snapstart.refresh_after_restore, (), {})]


def test_the_snapshot_holds_built_models_and_the_first_requests_imports(
        runtime: RuntimeHooks, monkeypatch: pytest.MonkeyPatch) -> None:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.post("/parcels")
    def create(body: Parcel) -> dict[str, int]:
        return {"weight_grams": body.weight_grams}

    lambda_entry(app)
    for name in snapstart.FIRST_REQUEST_IMPORTS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    DeferredModule("colorsys")  # as a module names what only some of its routes use
    assert not Parcel.__pydantic_complete__ and not Label.__pydantic_complete__

    runtime.take_snapshot()

    assert Parcel.__pydantic_complete__  # a route's body
    assert Label.__pydantic_complete__  # loaded, used by no route: built all the same
    assert all(name in sys.modules for name in snapstart.FIRST_REQUEST_IMPORTS)
    assert "colorsys" in sys.modules


def test_a_restored_copy_draws_other_random_numbers_than_the_snapshot(runtime: RuntimeHooks) -> None:
    lambda_entry(APIGatewayRestResolver(enable_validation=True))
    random.seed(20261130)
    in_snapshot = random.getstate()
    drawn_by_every_copy = [random.random() for _ in range(3)]
    random.setstate(in_snapshot)

    runtime.restore()

    assert [random.random() for _ in range(3)] != drawn_by_every_copy


def test_a_restored_copy_makes_its_own_aws_clients(runtime: RuntimeHooks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    lambda_entry(APIGatewayRestResolver(enable_validation=True))
    from_snapshot = aws.client("sqs")
    assert aws.client("sqs") is from_snapshot  # cached while the instance lives

    runtime.restore()

    assert aws.client("sqs") is not from_snapshot
