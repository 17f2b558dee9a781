"""The outbox: changes other systems may care about."""

from __future__ import annotations

from typing import Any

from storecrm.clock import new_id, now
from storecrm.domain.models.base import Entity


class OutboxEvent(Entity):
    """A change other systems may care about, written in the same transaction as the change."""

    id: str
    type: str
    store_id: str
    created_at: int
    data: dict[str, Any]

    @classmethod
    def new(cls, type_: str, store_id: str, data: dict[str, Any]) -> OutboxEvent:
        return cls(id=new_id(), type=type_, store_id=store_id, created_at=now(), data=data)
