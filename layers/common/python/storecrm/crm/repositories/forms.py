"""A store's forms (items in the store partition, a unique key marker, list indexes laid out like email templates)
and their submissions (store partition, listed newest first over the store, per profile and per form)."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.commerce.repositories.profile_facts import facts_change
from storecrm.crm.models.forms import Form, FormSubmission
from storecrm.kernel.errors import Conflict
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import (
    check_cursor,
    default_table,
    from_item,
    keyed_list_page,
    outbox_write,
    to_item,
)
from storecrm.kernel.repositories.table import Item, Table, Write, check, delete, put

FORM_CHANGED = Conflict("The form changed meanwhile; read it again and retry", "FORM.CONFLICT")
SUBMISSION_CHANGED = Conflict("The submission changed meanwhile; read it again and retry", "FORM_SUBMISSION.CONFLICT")
FORM_ENTITY = "FORM"
SUBMISSION_ENTITY = "FORMSUB"

Position = dict[str, str]
# Submissions moved per transaction (a merge), plus the target's facts item.
SUBMISSIONS_PER_MOVE = 99


def key_taken(key: str) -> Conflict:
    return Conflict(f"A form with key '{key}' already exists in this store", "FORM.KEY_TAKEN")


class FormRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    # ------------------------------------------------------------------ keys and items
    @staticmethod
    def item_key(store_id: str, form_id: str) -> keys.Key:
        return keys.form(store_id, form_id)

    @staticmethod
    def marker_key(store_id: str, key: str) -> keys.Key:
        return keys.form_key(store_id, key)

    @staticmethod
    def submission_key(store_id: str, form_id: str, submission_id: str) -> keys.Key:
        return keys.form_submission(store_id, form_id, submission_id)

    @staticmethod
    def from_item(item: Item | None) -> Form | None:
        return from_item(Form, item) if item is not None and item.get("entity") == FORM_ENTITY else None

    @staticmethod
    def submission_from_item(item: Item | None) -> FormSubmission | None:
        return from_item(FormSubmission, item) if item is not None and item.get("entity") == SUBMISSION_ENTITY \
            else None

    @staticmethod
    def id_from_marker(item: Item | None) -> str | None:
        return str(item["form_id"]) if item else None

    # ------------------------------------------------------------------ reads
    def get(self, store_id: str, form_id: str) -> Form | None:
        return self.from_item(self.table.get(self.item_key(store_id, form_id)))

    def list_page(self, store_id: str, sort_field: str, status: str | None, *, key_prefix: str | None = None,
                  created: tuple[int, int] | None = None, forward: bool, limit: int,
                  after: Position | None) -> tuple[list[Form], Position | None]:
        """One Query on the index for this order (all forms, or one status)."""
        return keyed_list_page(self.table, lambda scope: f"{keys.forms_list(store_id)}#{scope}", self.from_item,
                               sort_field, status, key_prefix=key_prefix, created=created, forward=forward,
                               limit=limit, after=after)

    def submissions_page(self, store_id: str, scope: str, *, created: tuple[int, int] | None, forward: bool,
                         limit: int, after: Position | None) -> tuple[list[FormSubmission], Position | None]:
        """One Query: the store's submissions (scope ALL), a profile's (PROFILE#{id}) or a form's (FORM#{id})."""
        kind = "all" if scope == keys.ALL else scope.split("#", 1)[0].lower()
        index = keys.FORM_SUBMISSION_INDEXES[kind]
        partition = keys.form_submissions_of(store_id, scope)
        check_cursor(after, partition, index)
        between = None
        if created is not None:
            between = (keys.time_order(created[0], ""), keys.time_order(created[1], "~"))
        page = self.table.query(partition, index=index, sk_between=between, limit=limit, start_key=after,
                                forward=forward)
        found = [s for item in page.items if (s := self.submission_from_item(item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return found, last

    def latest_of_profile(self, store_id: str, profile_id: str, *, limit: int) -> list[FormSubmission]:
        """Newest first: one Query on the profile's form submissions (GSI2)."""
        page = self.table.query(keys.form_submissions_of(store_id, f"PROFILE#{profile_id}"), index="GSI2",
                                limit=limit, forward=False)
        return [s for item in page.items if (s := self.submission_from_item(item)) is not None]

    def erase(self, store_id: str, profile_id: str) -> int:
        """Deletes every submission of a profile (its erasure): one Query of its list, then batched deletes
        (storecrm.profiles.profile_records)."""
        found = [(str(item["PK"]), str(item["SK"])) for item in self.table.query_all(
            keys.form_submissions_of(store_id, f"PROFILE#{profile_id}"), index="GSI2", keys_only=True)]
        self.table.delete_many(found)
        return len(found)

    def move(self, store_id: str, source_id: str, target_id: str) -> int:
        """Re-points a merged source's submissions to the target (with the target's fact that it has some), a
        transaction per batch; a rerun after a crash finds only what has not moved
        (storecrm.profiles.profile_records)."""
        found = [s for item in self.table.query_all(keys.form_submissions_of(store_id, f"PROFILE#{source_id}"),
                                                    index="GSI2")
                 if (s := self.submission_from_item(item)) is not None]
        for start in range(0, len(found), SUBMISSIONS_PER_MOVE):
            moved = [s.model_copy(update={"profile_id": target_id, "revision": s.revision + 1})
                     for s in found[start:start + SUBMISSIONS_PER_MOVE]]
            self.table.transact([*[put(_submission_item(s)) for s in moved],
                                 facts_change(store_id, target_id, forms=True)])
        return len(found)

    # ------------------------------------------------------------------ form writes
    def create(self, form: Form) -> None:
        self.table.transact([
            put(_item(form), unless_exists=Conflict("Form id collision")),
            put(_marker(form), unless_exists=key_taken(form.key)),
        ])

    def update(self, form: Form, previous: Form) -> None:
        writes: list[Write] = [put(_item(form), condition="revision = :seen", values={":seen": previous.revision},
                                   error=FORM_CHANGED)]
        if form.key != previous.key:
            writes += [_marker_delete(previous), put(_marker(form), unless_exists=key_taken(form.key))]
        self.table.transact(writes)

    def delete(self, form: Form) -> None:
        """The form and its key; its submissions stay (they are the profiles' data, erased with them)."""
        self.table.transact([
            delete(self.item_key(form.store_id, form.id), condition="revision = :seen",
                   values={":seen": form.revision}, error=FORM_CHANGED),
            _marker_delete(form),
        ])

    # ------------------------------------------------------------------ submission writes
    def submit(self, submission: FormSubmission, form: Form, events: Sequence[OutboxEvent],
               also: Sequence[Write] = ()) -> None:
        """The submission, the profile's fact that it has submissions (its detail reads them only then) and the
        events, in one transaction on the form unchanged since it was checked against."""
        self.table.transact([
            put(_submission_item(submission), unless_exists=Conflict("Submission id collision")),
            check(self.item_key(form.store_id, form.id), "revision = :seen", values={":seen": form.revision},
                  error=FORM_CHANGED),
            facts_change(submission.store_id, submission.profile_id, forms=True),
            *also,
            *[outbox_write(e) for e in events],
        ])

    def update_submission(self, submission: FormSubmission, previous: FormSubmission) -> None:
        self.table.write(put(_submission_item(submission), condition="revision = :seen",
                             values={":seen": previous.revision}, error=SUBMISSION_CHANGED))


def _item(form: Form) -> Item:
    return to_item(form, keys.form(form.store_id, form.id), FORM_ENTITY,
                   **keys.keyed_list_index_keys(keys.forms_list(form.store_id), form.id, form.status,
                                                form.created_at, form.updated_at, form.key))


def _marker(form: Form) -> Item:
    pk, sk = keys.form_key(form.store_id, form.key)
    return {"PK": pk, "SK": sk, "entity": "FORMKEY", "form_id": form.id}


def _marker_delete(form: Form) -> Write:
    return delete(keys.form_key(form.store_id, form.key), condition="form_id = :id", values={":id": form.id},
                  error=FORM_CHANGED)


def _submission_item(submission: FormSubmission) -> Item:
    return to_item(submission, keys.form_submission(submission.store_id, submission.form_id, submission.id),
                   SUBMISSION_ENTITY, **keys.form_submission_index_keys(
                       submission.store_id, submission.form_id, submission.profile_id, submission.created_at,
                       submission.id))
