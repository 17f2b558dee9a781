"""Shared wiring for repositories: the table, entity <-> item mapping, the outbox write."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from storecrm.config import settings
from storecrm.kernel.cursors import BAD_CURSOR
from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.keys import Key
from storecrm.kernel.repositories.table import Item, Table, Write, put

M = TypeVar("M", bound=BaseModel)


def check_cursor(after: dict[str, Any] | None, partition: str, index: str | None = None) -> None:
    """A cursor must be the last key of a page of this partition (on this index); else it is a 400."""
    pk_name, sk_name = keys.INDEX_KEYS[index]
    if after is not None and (set(after) != {"PK", "SK", pk_name, sk_name} or after[pk_name] != partition):
        raise ValidationFailed.on("cursor", BAD_CURSOR)


def default_table() -> Table:
    return Table(settings().table_name)


def to_item(entity: BaseModel, key: Key, type_: str, **extra: Any) -> Item:
    """The entity's fields plus its keys; `entity` names the item type (entities may have a `type`)."""
    item: Item = entity.model_dump(mode="json")
    item.update(PK=key[0], SK=key[1], entity=type_, **extra)
    return item


def from_item(model: type[M], item: Item | None) -> M | None:
    if item is None:
        return None
    # Key attributes are ignored: entities do not declare them.
    return model.model_validate(item)


def outbox_write(event: OutboxEvent) -> Write:
    """The outbox item for an event; it joins the transaction of the change it describes. An event carrying a
    profile's data is indexed under that profile (GSI2), for its erasure."""
    named = event.subject_profile_id
    return put(to_item(event, keys.event(event.store_id, event.created_at, event.id), "EVENT",
                       expires_at=event.created_at + settings().event_retention,
                       **(keys.profile_event_index(event.store_id, named, event.created_at, event.id)
                          if named else {})))
