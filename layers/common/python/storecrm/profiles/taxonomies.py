"""A store's taxonomies as staff manage them, in arky-sdk 0.9.1's shape (`src/api/taxonomy.ts`): create, get by id
or `{storeId}:{key}`, find, children, update, delete; and the check of the values profiles, products and services
carry against a taxonomy's schema.

Rules: a key is unique per store; a parent is a taxonomy of the same store and the parent chain has no cycle (a
move checks the new chain, and the chain read must be unchanged when the move is written); a taxonomy that
profiles, products or services carry values of, or that has children, is not deleted (409 naming them): archive
it instead. A taxonomy without a schema accepts any values (so the values stores wrote before taxonomies were
defined keep working); one with a schema accepts only its fields, of its types, within its options and bounds,
and needs its required fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field

from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from storecrm.kernel.fields import Command
from storecrm.kernel.keyed_find import KeyedFind, KeyedQuery
from storecrm.kernel.rules import key_in_ref
from storecrm.profiles.models.taxonomies import (
    SAFE_KEY,
    GeoPoint,
    Taxonomy,
    TaxonomyEntry,
    TaxonomySchemaField,
    TaxonomyStatus,
)
from storecrm.profiles.schema_values import Given, Rule, check_fields, check_schema
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item
    from storecrm.profiles.repositories.taxonomies import TaxonomyRepository
    from storecrm.stores.access import StoreAccess, StoreGuard

TAXONOMY_NOT_FOUND = NotFound("Taxonomy not found", "TAXONOMY.NOT_FOUND")
# A parent chain is read one taxonomy at a time: deeper trees are refused.
MAX_DEPTH = 10
# How many users a refused delete names.
USERS_NAMED = 10

TaxonomyKey = Annotated[str, Field(min_length=1, max_length=64, pattern=SAFE_KEY,
                                   description="Letters, digits, _ . : -; unique per store")]
Schema = Annotated[list[TaxonomySchemaField], Field(max_length=50), AfterValidator(check_schema)]


class NewTaxonomy(Command):
    key: TaxonomyKey
    parent_id: str | None = Field(default=None, max_length=64)
    schema_fields: Schema | None = Field(default=None, alias="schema")
    status: TaxonomyStatus = "active"

    model_config = {"validate_by_name": True, "validate_by_alias": True}


class TaxonomyChanges(Command):
    id: str | None = Field(default=None, max_length=64, description="May repeat the taxonomy's id; must match it")
    key: TaxonomyKey | None = None
    parent_id: str | None = Field(default=None, max_length=64, description="null makes it a root")
    schema_fields: Schema | None = Field(default=None, alias="schema", description="Replaces the whole schema")
    status: TaxonomyStatus | None = None

    model_config = {"validate_by_name": True, "validate_by_alias": True}


class TaxonomyQuery(KeyedQuery):
    key: TaxonomyKey | None = None
    parent_id: str | None = Field(default=None, max_length=64)
    status: TaxonomyStatus | None = None

    def matches(self, found: Any) -> bool:
        return ((self.key is None or found.key == self.key)
                and (self.parent_id is None or found.parent_id == self.parent_id) and super().matches(found))


class _ChildrenPosition(Model):
    model_config = {"extra": "forbid"}
    parent_id: str
    key: dict[str, str]


class TaxonomyService:
    def __init__(self, taxonomies: TaxonomyRepository, guard: StoreGuard) -> None:
        self.taxonomies = taxonomies
        self.guard = guard
        self.finder = KeyedFind(taxonomies)

    def create(self, principal: Principal, store_id: str, data: NewTaxonomy) -> Taxonomy:
        access = self.guard.enter(principal, store_id, Action.MANAGE_TAXONOMIES,
                                  extra=[self.taxonomies.item_key(store_id, data.parent_id)] if data.parent_id else [])
        at = now()
        taxonomy = Taxonomy(id=new_id(), store_id=store_id, key=data.key, parent_id=data.parent_id,
                            schema=data.schema_fields or [], status=data.status, created_at=at, updated_at=at)
        chain = self._chain(access, taxonomy) if data.parent_id else []
        self.taxonomies.create(taxonomy, chain)
        return taxonomy

    def get(self, principal: Principal, store_id: str, ref: str) -> Taxonomy:
        return self._load(principal, store_id, ref, Action.READ_STORE)[1]

    def find(self, principal: Principal, store_id: str, q: TaxonomyQuery) -> tuple[list[Taxonomy], str | None]:
        """`parent_id` alone: that taxonomy's children (one Query). Otherwise the keyed find
        (storecrm.kernel.keyed_find) with `key` and `parent_id` as filters."""
        if q.parent_id is not None and q.ids is None and q.key is None and q.query is None:
            self.guard.enter(principal, store_id, Action.READ_STORE)
            return self._children(store_id, q.parent_id, q)
        return self.finder.find(store_id, q, lambda wanted: self.guard.enter(
            principal, store_id, Action.READ_STORE, extra=wanted).view.extras)

    def children(self, principal: Principal, store_id: str, ref: str,
                 q: TaxonomyQuery) -> tuple[list[Taxonomy], str | None]:
        """The taxonomy's direct children: the access check with the parent, then one Query."""
        _, parent = self._load(principal, store_id, ref, Action.READ_STORE)
        return self._children(store_id, parent.id, q)

    def update(self, principal: Principal, store_id: str, ref: str, changes: TaxonomyChanges) -> Taxonomy:
        given = changes.model_dump(exclude_unset=True)
        for required in ("key", "status"):
            if required in given and given[required] is None:
                raise ValidationFailed.on(required, "cannot be removed")
        if "schema_fields" in given and given["schema_fields"] is None:
            given["schema_fields"] = []
        body_id = given.pop("id", None)
        access, current = self._load(principal, store_id, ref, Action.MANAGE_TAXONOMIES)
        if body_id is not None and body_id != current.id:
            raise ValidationFailed.on("id", "does not match the taxonomy in the path")
        if "schema_fields" in given:
            given["schema_fields"] = changes.schema_fields or []
        updated = current.model_copy(update=given)
        if updated == current:
            return current
        chain: list[Taxonomy] = []
        if updated.parent_id != current.parent_id and updated.parent_id:
            chain = self._chain(access, updated)
        updated = updated.model_copy(update={"revision": current.revision + 1, "updated_at": now()})
        self.taxonomies.update(updated, current, chain)
        return updated

    def delete(self, principal: Principal, store_id: str, ref: str) -> None:
        """Refused (409 naming them) while profiles, products or services carry its values or it has children:
        archive it instead. Three AWS calls (budget 1-2): the users and the children are each one Query."""
        _, taxonomy = self._load(principal, store_id, ref, Action.MANAGE_TAXONOMIES)
        users = self.taxonomies.users(store_id, taxonomy.id, USERS_NAMED)
        if users:
            named = ", ".join(f"{kind.lower()} {entity_id}" for kind, entity_id in users)
            more = " and maybe more" if len(users) == USERS_NAMED else ""
            raise Conflict(f"The taxonomy is in use by {named}{more}; archive it instead (status archived)",
                           "TAXONOMY.IN_USE")
        if self.taxonomies.has_children(store_id, taxonomy.id):
            raise Conflict("The taxonomy has children; move or delete them first, or archive it",
                           "TAXONOMY.HAS_CHILDREN")
        self.taxonomies.delete(taxonomy)

    # ------------------------------------------------------------------ storefront (public)
    def public_get(self, store_id: str, ref: str) -> Taxonomy:
        """An active taxonomy of a store that exists: one BatchGetItem by id (a key costs one more read)."""
        by_id = self.taxonomies.item_key(store_id, ref)
        by_key = self.taxonomies.marker_key(store_id, key_in_ref(store_id, ref))
        view = self.guard.stores.load(store_id, [], [by_id, by_key])
        taxonomy = self.taxonomies.from_item(view.extras.get(by_id))
        if taxonomy is None and view.store is not None:
            taxonomy_id = self.taxonomies.id_from_marker(view.extras.get(by_key))
            taxonomy = self.taxonomies.get(store_id, taxonomy_id) if taxonomy_id else None
        if view.store is None or taxonomy is None or taxonomy.store_id != store_id or taxonomy.status != "active":
            raise TAXONOMY_NOT_FOUND
        return taxonomy

    def public_children(self, store_id: str, ref: str, q: TaxonomyQuery) -> tuple[list[Taxonomy], str | None]:
        """The active children of an active taxonomy: its read, then one Query."""
        parent = self.public_get(store_id, ref)
        found, cursor = self._children(store_id, parent.id, q.model_copy(update={"status": "active"}))
        return found, cursor

    # ------------------------------------------------------------------ helpers
    def _children(self, store_id: str, parent_id: str, q: TaxonomyQuery) -> tuple[list[Taxonomy], str | None]:
        start = cursors.decode(q.cursor, _ChildrenPosition)
        if start is not None and start.parent_id != parent_id:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        found, last = self.taxonomies.children_page(store_id, parent_id, limit=q.limit,
                                                    after=start.key if start else None)
        cursor = cursors.encode(_ChildrenPosition(parent_id=parent_id, key=last)) if last else None
        return [t for t in found if q.status is None or t.status == q.status], cursor

    def _chain(self, access: StoreAccess, taxonomy: Taxonomy) -> list[Taxonomy]:
        """The new parent and its ancestors, read one by one (the parent came with the access check): a 400 when
        the parent is unknown, the chain reaches `taxonomy` itself (a cycle) or is deeper than MAX_DEPTH."""
        store_id = taxonomy.store_id
        assert taxonomy.parent_id
        parent = self.taxonomies.from_item(access.view.extras.get(self.taxonomies.item_key(store_id,
                                                                                           taxonomy.parent_id)))
        if parent is None:
            parent = self.taxonomies.get(store_id, taxonomy.parent_id)
        if parent is None or parent.store_id != store_id:
            raise ValidationFailed.on("parent_id", "is not a taxonomy of this store")
        chain = [parent]
        while chain[-1].parent_id:
            if chain[-1].id == taxonomy.id or len(chain) > MAX_DEPTH:
                break
            above = self.taxonomies.get(store_id, chain[-1].parent_id)
            if above is None:
                break
            chain.append(above)
        if any(t.id == taxonomy.id for t in chain):
            raise ValidationFailed.on("parent_id", "would make the taxonomy its own ancestor")
        if len(chain) > MAX_DEPTH:
            raise ValidationFailed.on("parent_id", f"taxonomies nest at most {MAX_DEPTH} deep")
        return chain

    def _load(self, principal: Principal, store_id: str, ref: str, action: Action) -> tuple[StoreAccess, Taxonomy]:
        """Store, membership and the taxonomy by id (and its key marker) in one BatchGetItem; a key costs one
        more read (the key marker names the id)."""
        by_id = self.taxonomies.item_key(store_id, ref)
        by_key = self.taxonomies.marker_key(store_id, key_in_ref(store_id, ref))
        access = self.guard.enter(principal, store_id, action, extra=[by_id, by_key])
        taxonomy = self.taxonomies.from_item(access.view.extras.get(by_id))
        if taxonomy is None:
            taxonomy_id = self.taxonomies.id_from_marker(access.view.extras.get(by_key))
            taxonomy = self.taxonomies.get(store_id, taxonomy_id) if taxonomy_id else None
        if taxonomy is None or taxonomy.store_id != store_id:
            raise TAXONOMY_NOT_FOUND
        return access, taxonomy


class TaxonomyValues:
    """The check of the values a profile, product or service carries, for their services: `keys` joins the
    caller's access-check read (no extra AWS call), `check` reads the taxonomies from it."""

    def __init__(self, taxonomies: TaxonomyRepository) -> None:
        self.taxonomies = taxonomies

    def keys(self, store_id: str, entries: Sequence[TaxonomyEntry] | None) -> list[Key]:
        return [self.taxonomies.item_key(store_id, i) for i in dict.fromkeys(e.taxonomy_id for e in entries or [])]

    def check(self, store_id: str, entries: Sequence[TaxonomyEntry] | None, found: Mapping[Key, Item],
              where: str = "taxonomies") -> None:
        """A 400 naming every value that does not fit its taxonomy's schema."""
        if not entries:
            return
        defined = {t.id: t for key in self.keys(store_id, entries)
                   if (t := self.taxonomies.from_item(found.get(key))) is not None and t.store_id == store_id}
        check_taxonomy_values(entries, defined, where)


def check_taxonomy_values(entries: Sequence[TaxonomyEntry], defined: Mapping[str, Taxonomy],
                          where: str = "taxonomies") -> None:
    """Each entry whose taxonomy has a schema, against it; a 400 naming every wrong value."""
    problems: list[FieldError] = []
    for index, entry in enumerate(entries):
        taxonomy = defined.get(entry.taxonomy_id)
        if taxonomy is None or not taxonomy.schema_fields:
            continue
        rules = [Rule(key=f.key, type=f.type, required=f.required, options=f.value if f.type == "text" else None,
                      min=f.min, max=f.max) for f in taxonomy.schema_fields]
        given = [Given(key=f.key, type=f.type,
                       value=f.value.model_dump() if isinstance(f.value, GeoPoint) else f.value) for f in entry.fields]
        problems += check_fields(rules, given, f"{where}.{index}.fields", f"taxonomy '{taxonomy.key}'")
    if problems:
        summary = "; ".join(f"{p.field}: {p.error}" for p in problems[:5])
        raise ValidationFailed(f"Validation failed: {summary}", problems)
