"""A store's taxonomies: items in the store partition, a unique key marker, a copy under the parent (children are
one Query), list indexes laid out like email templates, and the usage markers profiles, products and services
write beside themselves (storecrm.profiles.repositories.taxonomy_use)."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.kernel.cursors import BAD_CURSOR
from storecrm.kernel.errors import Conflict, ValidationFailed
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, keyed_list_page, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, check, delete, put
from storecrm.profiles.models.taxonomies import Taxonomy

TAXONOMY_CHANGED = Conflict("The taxonomy changed meanwhile; read it again and retry", "TAXONOMY.CONFLICT")
CHAIN_CHANGED = Conflict("A taxonomy of the new parent chain changed meanwhile; try again", "TAXONOMY.CONFLICT")
TAXONOMY_ENTITY = "TAXONOMY"

Position = dict[str, str]


def key_taken(key: str) -> Conflict:
    return Conflict(f"A taxonomy with key '{key}' already exists in this store", "TAXONOMY.KEY_TAKEN")


class TaxonomyRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    # ------------------------------------------------------------------ keys and items
    @staticmethod
    def item_key(store_id: str, taxonomy_id: str) -> keys.Key:
        return keys.taxonomy(store_id, taxonomy_id)

    @staticmethod
    def marker_key(store_id: str, key: str) -> keys.Key:
        return keys.taxonomy_key(store_id, key)

    @staticmethod
    def from_item(item: Item | None) -> Taxonomy | None:
        return from_item(Taxonomy, item) if item is not None and item.get("entity") == TAXONOMY_ENTITY else None

    @staticmethod
    def id_from_marker(item: Item | None) -> str | None:
        return str(item["taxonomy_id"]) if item else None

    # ------------------------------------------------------------------ reads
    def get(self, store_id: str, taxonomy_id: str) -> Taxonomy | None:
        return self.from_item(self.table.get(self.item_key(store_id, taxonomy_id)))

    def get_many(self, store_id: str, taxonomy_ids: Sequence[str]) -> dict[str, Taxonomy]:
        """One BatchGetItem."""
        found = self.table.get_many([self.item_key(store_id, i) for i in taxonomy_ids]) if taxonomy_ids else {}
        return {t.id: t for item in found.values() if (t := self.from_item(item)) is not None}

    def list_page(self, store_id: str, sort_field: str, status: str | None, *, key_prefix: str | None = None,
                  created: tuple[int, int] | None = None, forward: bool, limit: int,
                  after: Position | None) -> tuple[list[Taxonomy], Position | None]:
        """One Query on the index for this order (all taxonomies, or one status)."""
        return keyed_list_page(self.table, lambda scope: f"{keys.taxonomies_list(store_id)}#{scope}",
                               self.from_item, sort_field, status, key_prefix=key_prefix, created=created,
                               forward=forward, limit=limit, after=after)

    def children_page(self, store_id: str, parent_id: str, *, limit: int,
                      after: Position | None) -> tuple[list[Taxonomy], Position | None]:
        """One Query on the copies kept under the parent, in child id order."""
        partition, prefix = keys.store_partition(store_id), keys.taxonomy_children_prefix(parent_id)
        check_cursor(after, partition, None)
        if after is not None and not after["SK"].startswith(prefix):
            raise ValidationFailed.on("cursor", BAD_CURSOR)
        page = self.table.query(partition, sk_prefix=prefix, limit=limit,
                                start_key=after)
        found = [from_item(Taxonomy, item) for item in page.items]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return [t for t in found if t is not None], last

    def users(self, store_id: str, taxonomy_id: str, limit: int) -> list[tuple[str, str]]:
        """Up to `limit` (kind, id) of the profiles, products and services that carry its values: one Query."""
        prefix = keys.taxonomy_use_prefix(taxonomy_id)
        page = self.table.query(keys.store_partition(store_id), sk_prefix=prefix, limit=limit, keys_only=True)
        named = [str(item["SK"]).removeprefix(prefix).split("#", 1) for item in page.items]
        return [(kind, entity_id) for kind, entity_id in named]

    def has_children(self, store_id: str, taxonomy_id: str) -> bool:
        page = self.table.query(keys.store_partition(store_id), sk_prefix=keys.taxonomy_children_prefix(taxonomy_id),
                                limit=1, keys_only=True)
        return bool(page.items)

    # ------------------------------------------------------------------ writes
    def create(self, taxonomy: Taxonomy, chain: Sequence[Taxonomy]) -> None:
        """`chain` is the parent and its ancestors as read: they must still be so (the parent exists)."""
        self.table.transact([
            put(_item(taxonomy), unless_exists=Conflict("Taxonomy id collision")),
            put(_marker(taxonomy), unless_exists=key_taken(taxonomy.key)),
            *([put(_child(taxonomy))] if taxonomy.parent_id else []),
            *_chain_checks(chain),
        ])

    def update(self, taxonomy: Taxonomy, previous: Taxonomy, chain: Sequence[Taxonomy]) -> None:
        """Writes `taxonomy` if nobody wrote it since `previous` was read; moves its key marker and its copy under
        the parent. When the parent changes, `chain` (the new parent and its ancestors, none of them this one)
        must be unchanged too: so two concurrent moves cannot close a cycle."""
        writes: list[Write] = [put(_item(taxonomy), condition="revision = :seen", values={":seen": previous.revision},
                                   error=TAXONOMY_CHANGED)]
        if taxonomy.key != previous.key:
            writes += [_marker_delete(previous), put(_marker(taxonomy), unless_exists=key_taken(taxonomy.key))]
        if previous.parent_id and previous.parent_id != taxonomy.parent_id:
            writes.append(delete(keys.taxonomy_child(previous.store_id, previous.parent_id, previous.id)))
        if taxonomy.parent_id:
            writes.append(put(_child(taxonomy)))
        if taxonomy.parent_id != previous.parent_id:
            writes += _chain_checks(chain)
        self.table.transact(writes)

    def delete(self, taxonomy: Taxonomy) -> None:
        self.table.transact([
            delete(self.item_key(taxonomy.store_id, taxonomy.id), condition="revision = :seen",
                   values={":seen": taxonomy.revision}, error=TAXONOMY_CHANGED),
            _marker_delete(taxonomy),
            *([delete(keys.taxonomy_child(taxonomy.store_id, taxonomy.parent_id, taxonomy.id))]
              if taxonomy.parent_id else []),
        ])


def _item(taxonomy: Taxonomy) -> Item:
    return to_item(taxonomy, keys.taxonomy(taxonomy.store_id, taxonomy.id), TAXONOMY_ENTITY,
                   **keys.keyed_list_index_keys(keys.taxonomies_list(taxonomy.store_id), taxonomy.id,
                                                taxonomy.status, taxonomy.created_at, taxonomy.updated_at,
                                                taxonomy.key))


def _child(taxonomy: Taxonomy) -> Item:
    assert taxonomy.parent_id
    return to_item(taxonomy, keys.taxonomy_child(taxonomy.store_id, taxonomy.parent_id, taxonomy.id), "TAXCHILD")


def _marker(taxonomy: Taxonomy) -> Item:
    pk, sk = keys.taxonomy_key(taxonomy.store_id, taxonomy.key)
    return {"PK": pk, "SK": sk, "entity": "TAXONOMYKEY", "taxonomy_id": taxonomy.id}


def _marker_delete(taxonomy: Taxonomy) -> Write:
    return delete(keys.taxonomy_key(taxonomy.store_id, taxonomy.key), condition="taxonomy_id = :id",
                  values={":id": taxonomy.id}, error=TAXONOMY_CHANGED)


def _chain_checks(chain: Sequence[Taxonomy]) -> list[Write]:
    return [check(keys.taxonomy(t.store_id, t.id), "revision = :seen", values={":seen": t.revision},
                  error=CHAIN_CHANGED) for t in chain]
