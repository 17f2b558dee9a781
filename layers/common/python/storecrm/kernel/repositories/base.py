"""Shared wiring for repositories: the table, entity <-> item mapping, the outbox write."""

from __future__ import annotations

from collections.abc import Callable
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


def keyed_list_page(table: Table, partition_of: Callable[[str], str], parse: Callable[[Item | None], M | None],
                    sort_field: str, status: str | None, *, key: str | None = None, key_prefix: str | None = None,
                    created: tuple[int, int] | None = None, forward: bool, limit: int,
                    after: dict[str, Any] | None) -> tuple[list[M], dict[str, str] | None]:
    """A page of a store's keyed things listed in created, updated or key order, all or of one status (email
    templates, forms, taxonomies): one Query on the index for that order, reading only the page. `partition_of`
    names the list's partition for a scope (a status, or keys.ALL); `key` and `key_prefix` are conditions of the
    key order, `created` (inclusive) of created_at's."""
    all_index, status_index = keys.EMAIL_TEMPLATE_LIST_INDEXES[sort_field]
    index, scope = (status_index, status) if status else (all_index, keys.ALL)
    partition = partition_of(scope)
    check_cursor(after, partition, index)
    between = (key, key) if key is not None else None
    if created is not None:
        between = (keys.time_order(created[0], ""), keys.time_order(created[1], "~"))  # "~" sorts after ids
    page = table.query(partition, index=index, sk_prefix=key_prefix, sk_between=between, limit=limit,
                       start_key=after, forward=forward)
    found = [entity for item in page.items if (entity := parse(item)) is not None]
    last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
    return found, last
