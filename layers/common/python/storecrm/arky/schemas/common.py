"""What every arky-style answer builds on: the base, pages, deletions, logouts."""

from __future__ import annotations

from typing import Generic, TypeVar

from storecrm.kernel.base_model import Model

T = TypeVar("T")


class Out(Model):
    model_config = {"from_attributes": True}


class Page(Out, Generic[T]):
    items: list[T]
    cursor: str | None = None


class Deleted(Out):
    deleted: bool


class Removed(Out):
    removed: bool


class LoggedOut(Out):
    logged_out: bool
