"""A store's webhooks (with per-store unique keys) and their delivery log."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from storecrm.config import settings
from storecrm.integrations.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from storecrm.kernel.errors import Conflict, DomainError, NotFound
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, to_item
from storecrm.kernel.repositories.table import ConditionFailed, Item, Table, Write, delete, put, update
from storecrm.stores.plan_limits import CountedAdd
from storecrm.stores.repositories import plan_counters

WEBHOOK_GONE = NotFound("Webhook not found", "WEBHOOK.NOT_FOUND")


def _key_taken(key: str) -> Conflict:
    return Conflict(f"A webhook with key '{key}' already exists in this store", "WEBHOOK.KEY_TAKEN")


def _key_marker(webhook: Webhook) -> Item:
    pk, sk = keys.webhook_key(webhook.store_id, webhook.key)
    return {"PK": pk, "SK": sk, "entity": "WEBHOOKKEY", "webhook_id": webhook.id}


def _item(webhook: Webhook) -> Item:
    return to_item(webhook, keys.webhook(webhook.store_id, webhook.id), "WEBHOOK")


class WebhookRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, webhook_id: str) -> keys.Key:
        return keys.webhook(store_id, webhook_id)

    @staticmethod
    def from_item(item: Item | None) -> Webhook | None:
        return from_item(Webhook, item)

    def get_for_delivery(self, store_id: str, webhook_id: str, profile_id: str | None) -> tuple[Webhook | None, bool]:
        """The webhook, and whether the profile whose data the event carries was erased (then the event is not
        sent again): a GetItem, or one BatchGetItem when the event names a profile."""
        if profile_id is None:
            return self.get(store_id, webhook_id), False
        erased_key = keys.erased_profile(store_id, profile_id)
        found = self.table.get_many([keys.webhook(store_id, webhook_id), erased_key])
        return self.from_item(found.get(keys.webhook(store_id, webhook_id))), erased_key in found

    def get(self, store_id: str, webhook_id: str) -> Webhook | None:
        return from_item(Webhook, self.table.get(keys.webhook(store_id, webhook_id)))

    def all_in_store(self, store_id: str) -> list[Webhook]:
        items = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.WEBHOOK_PREFIX)
        return [w for item in items if (w := from_item(Webhook, item)) is not None]

    @staticmethod
    def counter_key(store_id: str) -> keys.Key:
        """The store's count of webhooks (plan caps)."""
        return plan_counters.counter_key(store_id, "webhooks")

    @staticmethod
    def counted(item: Item | None) -> int | None:
        return plan_counters.count_from(item)

    def create(self, webhook: Webhook, counted: CountedAdd | None = None, refused: DomainError | None = None) -> None:
        """With `counted`, the store's counter moves in the same transaction (`refused` when the cap is met)."""
        self.table.transact([
            put(_item(webhook), unless_exists=Conflict("Webhook id collision")),
            put(_key_marker(webhook), unless_exists=_key_taken(webhook.key)),
            *([plan_counters.added(webhook.store_id, "webhooks", counted, refused or plan_counters.COUNT_REFUSED)]
              if counted else []),
        ])

    def update(self, webhook: Webhook, previous_key: str) -> None:
        writes: list[Write] = [put(_item(webhook), condition="attribute_exists(PK)", error=WEBHOOK_GONE)]
        if webhook.key != previous_key:
            writes += [delete(keys.webhook_key(webhook.store_id, previous_key)),
                       put(_key_marker(webhook), unless_exists=_key_taken(webhook.key))]
        self.table.transact(writes)

    def delete(self, webhook: Webhook, counted: bool = False) -> None:
        """`counted`: the store keeps a counter of its webhooks, which gives one back in the same transaction."""
        self.table.transact([
            delete(keys.webhook(webhook.store_id, webhook.id), condition="attribute_exists(PK)", error=WEBHOOK_GONE),
            delete(keys.webhook_key(webhook.store_id, webhook.key)),
            *([plan_counters.removed(webhook.store_id, "webhooks")] if counted else []),
        ])

    # ------------------------------------------------------------------ delivery log
    @staticmethod
    def delivery_key(store_id: str, webhook_id: str, event_id: str) -> keys.Key:
        return keys.delivery(store_id, webhook_id, event_id)

    @staticmethod
    def delivery_from_item(item: Item | None) -> WebhookDelivery | None:
        return from_item(WebhookDelivery, item)

    def record_attempt(self, webhook: Webhook, event: OutboxEvent, status: DeliveryStatus, *, at: int,
                       response_code: int | None, error: str | None) -> None:
        """One UpdateItem that creates the log entry on the first attempt and counts every one."""
        fields: dict[str, Any] = {
            "entity": "DELIVERY", "id": event.id, "store_id": webhook.store_id, "webhook_id": webhook.id,
            "event_type": event.type, "event_created_at": event.created_at, "event": event.model_dump(mode="json"),
            "status": status, "response_code": response_code, "last_error": error, "last_attempt_at": at,
            "updated_at": at, "GSI1PK": keys.deliveries_of(webhook.store_id, webhook.id),
            "GSI1SK": keys.delivery_order(event.created_at, event.id),
        }
        named = event.subject_profile_id
        if named:
            fields.update(keys.profile_event_index(webhook.store_id, named, event.created_at, event.id, webhook.id))
        if status == "delivered":
            fields["delivered_at"] = at
        cleared = [name for name, value in fields.items() if value is None]
        fields = {name: value for name, value in fields.items() if value is not None}
        names = {f"#f{i}": name for i, name in enumerate([*fields, *cleared])}
        values: Item = {f":f{i}": value for i, value in enumerate(fields.values())}
        values.update({":one": 1, ":at": at, ":expires": at + settings().event_retention})
        sets = [f"#f{i} = :f{i}" for i in range(len(fields))]
        sets += ["created_at = if_not_exists(created_at, :at)", "expires_at = if_not_exists(expires_at, :expires)"]
        expression = "SET " + ", ".join(sets) + " ADD attempts :one"
        if cleared:
            expression += " REMOVE " + ", ".join(f"#f{i}" for i in range(len(fields), len(fields) + len(cleared)))
        # An entry its profile's erasure emptied is never written again (an attempt that was under way then).
        with suppress(ConditionFailed):
            self.table.write(update(keys.delivery(webhook.store_id, webhook.id, event.id), expression,
                                    condition="attribute_not_exists(erased_at)", names=names, values=values))

    def deliveries_page(self, store_id: str, webhook_id: str, *, limit: int,
                        after: dict[str, str] | None) -> tuple[list[WebhookDelivery], dict[str, str] | None]:
        partition = keys.deliveries_of(store_id, webhook_id)
        check_cursor(after, partition, "GSI1")
        page = self.table.query(partition, index="GSI1", limit=limit, start_key=after, forward=False)
        found = [d for item in page.items if (d := from_item(WebhookDelivery, item)) is not None]
        return found, ({k: str(v) for k, v in page.last_key.items()} if page.last_key else None)
