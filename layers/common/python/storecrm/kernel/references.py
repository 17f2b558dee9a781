"""Records a request body names by id (a template, an integration, a profile): they must be the store's.

A record that does not exist and another store's get the same 400 naming the field, so ids cannot be
probed and nothing is written. The resource a path names is different: a missing one is a 404.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from storecrm.kernel.errors import ValidationFailed


class StoreRecord(Protocol):
    @property
    def store_id(self) -> str: ...


R = TypeVar("R", bound=StoreRecord)


def referenced(record: R | None, store_id: str, field: str, what: str) -> R:
    """`record` as read for the id in `field`, if it is one of this store's."""
    if record is None or record.store_id != store_id:
        raise ValidationFailed.on(field, f"no {what} with this id in this store")
    return record
