"""A store's email templates, kept in the store partition."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.domain.cursors import BAD_CURSOR
from storecrm.domain.errors import Conflict, NotFound, ValidationFailed
from storecrm.domain.models import EmailTemplate
from storecrm.repositories import keys
from storecrm.repositories.base import default_table, from_item, to_item
from storecrm.repositories.table import Item, Table, Write, delete, put, set_fields

TEMPLATE_GONE = NotFound("Email template not found", "EMAIL_TEMPLATE.NOT_FOUND")
LINKED_MEANWHILE = Conflict("An audience started or stopped using this template meanwhile; try again",
                            "EMAIL_TEMPLATE.CONFLICT")
# One transaction holds at most 100 writes: the template's delete plus the audiences it downgrades.
MAX_LINKED = 99


class EmailTemplateRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, template_id: str) -> keys.Key:
        return keys.email_template(store_id, template_id)

    @staticmethod
    def from_item(item: Item | None) -> EmailTemplate | None:
        return from_item(EmailTemplate, item)

    def get(self, store_id: str, template_id: str) -> EmailTemplate | None:
        return from_item(EmailTemplate, self.table.get(self.item_key(store_id, template_id)))

    def create(self, template: EmailTemplate) -> None:
        self.table.write(put(_item(template), unless_exists=Conflict("Email template id collision")))

    def update(self, template: EmailTemplate, changed: Sequence[str]) -> None:
        """Sets the changed fields only, so the audience count kept by audience writes survives."""
        fields = template.model_dump(include={*changed, "updated_at"})
        kept = {k: v for k, v in fields.items() if v is not None}
        write = set_fields(self.item_key(template.store_id, template.id), kept, condition="attribute_exists(PK)",
                           error=TEMPLATE_GONE)
        removed = sorted(k for k, v in fields.items() if v is None)  # e.g. the html body taken away
        if removed:
            write.names.update({f"#r{i}": name for i, name in enumerate(removed)})
            write.update = f"{write.update} REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        self.table.write(write)

    def delete(self, template: EmailTemplate, *, linked: int, also: Sequence[Write]) -> None:
        """Deletes the template if exactly `linked` audiences use it; `also` downgrades them."""
        if linked > MAX_LINKED:
            raise Conflict(f"More than {MAX_LINKED} audiences use this template; detach some first",
                           "EMAIL_TEMPLATE.IN_USE")
        self.table.transact([
            delete(self.item_key(template.store_id, template.id), condition="audience_count = :linked",
                   values={":linked": linked}, error=LINKED_MEANWHILE),
            *also,
        ])

    def page(self, store_id: str, *, limit: int,
             after: dict[str, str] | None) -> tuple[list[EmailTemplate], dict[str, str] | None]:
        partition = keys.store_partition(store_id)
        if after is not None and (set(after) != {"PK", "SK"} or after["PK"] != partition
                                  or not after["SK"].startswith(keys.EMAIL_TEMPLATE_PREFIX)):
            raise ValidationFailed.on("cursor", BAD_CURSOR)
        page = self.table.query(partition, sk_prefix=keys.EMAIL_TEMPLATE_PREFIX, limit=limit, start_key=after)
        items = [t for item in page.items if (t := from_item(EmailTemplate, item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return items, last


def _item(template: EmailTemplate) -> Item:
    return to_item(template, keys.email_template(template.store_id, template.id), "EMAILTEMPLATE")
