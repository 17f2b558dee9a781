"""A store's email templates: items in the store partition, a unique key marker, and list indexes."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.kernel.errors import Conflict
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, keyed_list_page, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, set_fields
from storecrm.messaging.models.email_templates import EmailTemplate
from storecrm.messaging.template_rendering import has_confirm_link

TEMPLATE_CHANGED = Conflict("The email template changed meanwhile; read it again and retry",
                            "EMAIL_TEMPLATE.CONFLICT")
LINKED_MEANWHILE = Conflict("The template changed, or an audience started or stopped using it, meanwhile; "
                            "try again", "EMAIL_TEMPLATE.CONFLICT")
# One transaction holds at most 100 writes: the template, its key marker and the audiences it downgrades.
MAX_LINKED = 98
# Kept on the item so an audience can link the template only while its body has {{confirm_url}}.
CONFIRM_READY = "has_confirm_url"
# Derived or kept by other writes (audience links): never part of a template update's SET.
_NOT_UPDATED = {"id", "store_id", "created_at", "audience_count"}

Position = dict[str, str]


def key_taken(key: str) -> Conflict:
    return Conflict(f"An email template with key '{key}' already exists in this store", "EMAIL_TEMPLATE.KEY_TAKEN")


class EmailTemplateRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    # ------------------------------------------------------------------ keys and items
    @staticmethod
    def item_key(store_id: str, template_id: str) -> keys.Key:
        return keys.email_template(store_id, template_id)

    @staticmethod
    def marker_key(store_id: str, key: str) -> keys.Key:
        return keys.email_template_key(store_id, key)

    @staticmethod
    def from_item(item: Item | None) -> EmailTemplate | None:
        # Items of the pre-release shape (name/subject/html/text, never deployed) read as absent.
        if item is None or "from_name" not in item:
            return None
        return from_item(EmailTemplate, item)

    @staticmethod
    def id_from_marker(item: Item | None) -> str | None:
        return str(item["template_id"]) if item else None

    # ------------------------------------------------------------------ reads
    def get(self, store_id: str, template_id: str) -> EmailTemplate | None:
        return self.from_item(self.table.get(self.item_key(store_id, template_id)))

    def by_key(self, store_id: str, key: str) -> EmailTemplate | None:
        """Two reads: the key's marker, then the template it names."""
        template_id = self.id_from_marker(self.table.get(self.marker_key(store_id, key)))
        return self.get(store_id, template_id) if template_id else None

    def list_page(self, store_id: str, sort_field: str, status: str | None, *, key: str | None = None,
                  key_prefix: str | None = None, created: tuple[int, int] | None = None, forward: bool, limit: int,
                  after: Position | None) -> tuple[list[EmailTemplate], Position | None]:
        """One Query on the index for this order (all templates, or one status), reading only the page.

        `key` and `key_prefix` are key conditions of the key order, `created` (inclusive) of created_at's.
        """
        assert sort_field == "key" or (key is None and key_prefix is None)
        assert sort_field == "created_at" or created is None
        return keyed_list_page(self.table, lambda scope: keys.email_templates_of(store_id, scope), self.from_item,
                               sort_field, status, key=key, key_prefix=key_prefix, created=created, forward=forward,
                               limit=limit, after=after)

    # ------------------------------------------------------------------ writes
    def create(self, template: EmailTemplate) -> None:
        self.table.transact([
            put(_item(template), unless_exists=Conflict("Email template id collision")),
            put(_marker(template), unless_exists=key_taken(template.key)),
        ])

    def update(self, template: EmailTemplate, previous: EmailTemplate) -> None:
        """Writes `template` if nobody wrote it since `previous` was read.

        Only the template's own fields are set, so the audience count kept by audience writes
        survives; a body without {{confirm_url}} is written only while no audience uses it.
        """
        fields = {k: v for k, v in _item(template).items()
                  if k not in _NOT_UPDATED and k not in ("PK", "SK") and v is not None}
        write = set_fields(self.item_key(template.store_id, template.id), fields, error=TEMPLATE_CHANGED)
        write.condition = "revision = :seen"
        write.values[":seen"] = previous.revision
        if not has_confirm_link(template.body):
            write.condition += " AND (attribute_not_exists(audience_count) OR audience_count = :unlinked)"
            write.values[":unlinked"] = 0
        removed = sorted(k for k in ("reply_to", "preheader") if getattr(template, k) is None)
        if removed:
            write.names.update({f"#r{i}": name for i, name in enumerate(removed)})
            write.update = f"{write.update} REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        writes = [write]
        if template.key != previous.key:
            writes += [_marker_delete(previous), put(_marker(template), unless_exists=key_taken(template.key))]
        self.table.transact(writes)

    def delete(self, template: EmailTemplate, *, linked: int, also: Sequence[Write]) -> None:
        """Deletes the template and its key if exactly `linked` audiences use it; `also` downgrades them."""
        if linked > MAX_LINKED:
            raise Conflict(f"More than {MAX_LINKED} audiences use this template; detach some first",
                           "EMAIL_TEMPLATE.IN_USE")
        self.table.transact([
            delete(self.item_key(template.store_id, template.id),
                   condition="revision = :seen AND audience_count = :linked",
                   values={":seen": template.revision, ":linked": linked}, error=LINKED_MEANWHILE),
            _marker_delete(template),
            *also,
        ])


def _item(template: EmailTemplate) -> Item:
    return to_item(template, keys.email_template(template.store_id, template.id), "EMAILTEMPLATE",
                   **{CONFIRM_READY: has_confirm_link(template.body)},
                   **keys.email_template_index_keys(template.store_id, template.id, template.status,
                                                    template.created_at, template.updated_at, template.key))


def _marker(template: EmailTemplate) -> Item:
    pk, sk = keys.email_template_key(template.store_id, template.key)
    return {"PK": pk, "SK": sk, "entity": "EMAILTEMPLATEKEY", "template_id": template.id}


def _marker_delete(template: EmailTemplate) -> Write:
    return delete(keys.email_template_key(template.store_id, template.key), condition="template_id = :id",
                  values={":id": template.id}, error=TEMPLATE_CHANGED)
