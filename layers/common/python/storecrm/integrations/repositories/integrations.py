"""A store's integrations, their per-store unique keys, and the active one per config category."""

from __future__ import annotations

from storecrm.integrations.models.integrations import Integration
from storecrm.kernel.errors import Conflict, NotFound
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, set_fields

INTEGRATION_GONE = NotFound("Integration not found", "INTEGRATION.NOT_FOUND")
ACTIVE_CHANGED = Conflict("Another integration became active meanwhile; try again", "INTEGRATION.ACTIVE_CHANGED")


def _key_taken(key: str) -> Conflict:
    return Conflict(f"An integration with key '{key}' already exists in this store", "INTEGRATION.KEY_TAKEN")


def _item(integration: Integration) -> Item:
    return to_item(integration, keys.integration(integration.store_id, integration.id), "INTEGRATION")


def _key_marker(integration: Integration) -> Write:
    pk, sk = keys.integration_key(integration.store_id, integration.key)
    return put({"PK": pk, "SK": sk, "entity": "INTEGRATIONKEY", "integration_id": integration.id},
               unless_exists=_key_taken(integration.key))


def _activation(integration: Integration, previous: str | None) -> list[Write]:
    """Point the category's marker at `integration`, switching the previous active one off."""
    pk, sk = keys.active_integration(integration.store_id, integration.category)
    marker = {"PK": pk, "SK": sk, "entity": "INTEGRATIONACTIVE", "integration_id": integration.id}
    if previous is None:
        return [put(marker, unless_exists=ACTIVE_CHANGED)]
    writes = [put(marker, condition="integration_id = :previous", values={":previous": previous},
                  error=ACTIVE_CHANGED)]
    if previous != integration.id:
        writes.append(set_fields(keys.integration(integration.store_id, previous), {"active": False},
                                 condition="attribute_exists(PK)"))
    return writes


def _deactivation(integration: Integration) -> Write:
    return delete(keys.active_integration(integration.store_id, integration.category),
                  condition="integration_id = :me", values={":me": integration.id}, error=ACTIVE_CHANGED)


class IntegrationRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, integration_id: str) -> keys.Key:
        return keys.integration(store_id, integration_id)

    @staticmethod
    def active_key(store_id: str, category: str) -> keys.Key:
        return keys.active_integration(store_id, category)

    @staticmethod
    def active_id(marker: Item | None) -> str | None:
        return str(marker["integration_id"]) if marker else None

    @staticmethod
    def from_item(item: Item | None) -> Integration | None:
        return from_item(Integration, item)

    def get(self, store_id: str, integration_id: str) -> Integration | None:
        return from_item(Integration, self.table.get(keys.integration(store_id, integration_id)))

    def active_in_category(self, store_id: str, category: str) -> Integration | None:
        integration_id = self.active_id(self.table.get(keys.active_integration(store_id, category)))
        return self.get(store_id, integration_id) if integration_id else None

    def all_in_store(self, store_id: str) -> list[Integration]:
        items = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.INTEGRATION_PREFIX)
        return [i for item in items if (i := from_item(Integration, item)) is not None]

    def create(self, integration: Integration, replaces_active: str | None) -> None:
        writes = [put(_item(integration), unless_exists=Conflict("Integration id collision")),
                  _key_marker(integration)]
        if integration.active:
            writes += _activation(integration, replaces_active)
        self.table.transact(writes)

    def update(self, integration: Integration, previous: Integration, current_active: str | None) -> None:
        """`current_active` is the category's active integration as read with `previous`."""
        writes: list[Write] = [put(_item(integration), condition="attribute_exists(PK)", error=INTEGRATION_GONE)]
        if integration.key != previous.key:
            writes += [delete(keys.integration_key(previous.store_id, previous.key)), _key_marker(integration)]
        if integration.active and current_active != integration.id:
            writes += _activation(integration, current_active)
        elif not integration.active and current_active == integration.id:
            writes.append(_deactivation(integration))
        self.table.transact(writes)

    def delete(self, integration: Integration) -> None:
        writes = [delete(keys.integration(integration.store_id, integration.id), condition="attribute_exists(PK)",
                         error=INTEGRATION_GONE),
                  delete(keys.integration_key(integration.store_id, integration.key))]
        if integration.active:
            writes.append(_deactivation(integration))
        self.table.transact(writes)
