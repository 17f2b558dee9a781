"""The usage markers of taxonomies: a profile, product or service that carries values of a taxonomy has a marker
item beside it (keys.taxonomy_use), written in the transaction that writes it, so that a taxonomy's delete finds
its users with one Query (storecrm.profiles.taxonomies)."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.table import Item, Write, delete, put
from storecrm.profiles.models.taxonomies import TaxonomyEntry


def use_items(store_id: str, kind: str, entity_id: str, taxonomies: Sequence[TaxonomyEntry]) -> dict[keys.Key, Item]:
    """One marker per taxonomy the entity carries (kind PROFILE, PRODUCT or SERVICE)."""
    found = [keys.taxonomy_use(store_id, taxonomy_id, kind, entity_id)
             for taxonomy_id in dict.fromkeys(entry.taxonomy_id for entry in taxonomies)]
    return {key: {"PK": key[0], "SK": key[1], "entity": "TAXUSE", "kind": kind, "entity_id": entity_id}
            for key in found}


def use_writes(store_id: str, kind: str, entity_id: str, before: Sequence[TaxonomyEntry],
               after: Sequence[TaxonomyEntry]) -> list[Write]:
    """The markers to delete and to put when an entity's taxonomies change from `before` to `after`."""
    old, new = use_items(store_id, kind, entity_id, before), use_items(store_id, kind, entity_id, after)
    return [*[delete(key) for key in old.keys() - new.keys()],
            *[put(item) for key, item in new.items() if key not in old]]
