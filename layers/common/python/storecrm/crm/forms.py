"""A store's forms, in arky-sdk 0.9.1's shape (`src/api/form.ts`, the storefront's `form`): staff create, get by
id or `{storeId}:{key}`, find, update and delete them, and list, read and correct the submissions; a profile
session submits to an active form (storefront `form.submit`).

A submission is checked against the form's schema (storecrm.profiles.schema_values: types, required fields,
options, min/max as a number's range or a text's length; a file only where the schema has a `file` field, as
the id of a media file), a 400 naming the field. It is written with a `form.submitted` event in the outbox, in one
transaction, and shows in the profile's detail (`form_submissions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from storecrm.clock import new_id, now
from storecrm.commerce.shoppers import live_session, shopper_session_id
from storecrm.crm.models.forms import Form, FormField, FormSchemaField, FormStatus, FormSubmission
from storecrm.identity.auth import Principal
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import FieldError, NotFound, ValidationFailed
from storecrm.kernel.fields import Command
from storecrm.kernel.keyed_find import KeyedFind, KeyedQuery
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.rules import key_in_ref
from storecrm.profiles.models.taxonomies import SAFE_KEY
from storecrm.profiles.schema_values import Given, Rule, check_fields, check_schema
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.crm.repositories.forms import FormRepository
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item
    from storecrm.stores.access import StoreGuard
    from storecrm.stores.repositories.stores import StoreRepository

FORM_NOT_FOUND = NotFound("Form not found", "FORM.NOT_FOUND")
SUBMISSION_NOT_FOUND = NotFound("Form submission not found", "FORM_SUBMISSION.NOT_FOUND")
SUBMITTED = "form.submitted"
MAX_FIELDS = 100

FormKey = Annotated[str, Field(min_length=1, max_length=64, pattern=SAFE_KEY,
                               description="Letters, digits, _ . : -; unique per store")]


def _schema_rules(schema: list[FormSchemaField]) -> list[FormSchemaField]:
    check_schema(schema)
    for f in schema:
        if f.type == "select" and not f.options:
            raise ValueError(f"the select field '{f.key}' needs options")
    return schema


Schema = Annotated[list[FormSchemaField], Field(max_length=MAX_FIELDS), AfterValidator(_schema_rules)]
Fields = Annotated[list[FormField], Field(max_length=MAX_FIELDS)]


class NewForm(Command):
    key: FormKey
    schema_fields: Schema = Field(default_factory=list, alias="schema")
    status: FormStatus = "active"

    model_config = {"validate_by_name": True, "validate_by_alias": True}


class FormChanges(Command):
    id: str | None = Field(default=None, max_length=64, description="May repeat the form's id; must match it")
    key: FormKey | None = None
    schema_fields: Schema | None = Field(default=None, alias="schema", description="Replaces the whole schema")
    status: FormStatus | None = None

    model_config = {"validate_by_name": True, "validate_by_alias": True}


class FormQuery(KeyedQuery):
    key: FormKey | None = None
    status: FormStatus | None = None

    def matches(self, found: Any) -> bool:
        return (self.key is None or found.key == self.key) and super().matches(found)


class SubmitRequest(Command):
    """The client sends `form_id` and `store_id` again in the body: they must match the path when given."""

    form_id: str | None = Field(default=None, max_length=64)
    store_id: str | None = Field(default=None, max_length=64)
    fields: Fields


class SubmissionChanges(SubmitRequest):
    id: str | None = Field(default=None, max_length=64)


class SubmissionQuery(Command):
    form_ids: list[str] | None = Field(default=None, max_length=20)
    profile_id: str | None = Field(default=None, max_length=64)
    sort_direction: Annotated[str, Field(pattern="^(asc|desc)$")] = "desc"
    created_at_from: int | None = Field(default=None, ge=0)
    created_at_to: int | None = Field(default=None, ge=0)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class _SubmissionPosition(Model):
    model_config = {"extra": "forbid"}
    scope: str
    forward: bool
    created: tuple[int, int] | None
    key: dict[str, str]


def check_form_fields(form: Form, fields: Sequence[FormField], where: str = "fields") -> None:
    """`fields` against the form's schema: a 400 naming every wrong value."""
    rules = [Rule(key=f.key, type=f.type, required=f.required, options=f.options, min=f.min, max=f.max)
             for f in form.schema_fields]
    problems = check_fields(rules, [Given(key=f.key, type=f.type, value=f.value) for f in fields], where,
                            f"form '{form.key}'")
    if problems:
        summary = "; ".join(f"{p.field}: {p.error}" for p in problems[:5])
        raise ValidationFailed(f"Validation failed: {summary}", problems)


class FormService:
    def __init__(self, forms: FormRepository, guard: StoreGuard) -> None:
        self.forms = forms
        self.guard = guard
        self.finder = KeyedFind(forms)

    # ------------------------------------------------------------------ forms
    def create(self, principal: Principal, store_id: str, data: NewForm) -> Form:
        self.guard.enter(principal, store_id, Action.MANAGE_FORMS)
        at = now()
        form = Form(id=new_id(), store_id=store_id, key=data.key, schema=data.schema_fields, status=data.status,
                    created_at=at, updated_at=at)
        self.forms.create(form)
        return form

    def get(self, principal: Principal, store_id: str, ref: str) -> Form:
        return self._load(principal, store_id, ref, Action.READ_STORE)

    def find(self, principal: Principal, store_id: str, q: FormQuery) -> tuple[list[Form], str | None]:
        if q.ids is None and q.key is not None:
            self.guard.enter(principal, store_id, Action.READ_STORE)
            found, _ = self.forms.list_page(store_id, "key", q.status, key_prefix=q.key, forward=True, limit=1,
                                            after=None)
            return list(filter(q.matches, found)), None
        return self.finder.find(store_id, q, lambda wanted: self.guard.enter(
            principal, store_id, Action.READ_STORE, extra=wanted).view.extras)

    def update(self, principal: Principal, store_id: str, ref: str, changes: FormChanges) -> Form:
        given = changes.model_dump(exclude_unset=True)
        for required in ("key", "status"):
            if required in given and given[required] is None:
                raise ValidationFailed.on(required, "cannot be removed")
        body_id = given.pop("id", None)
        current = self._load(principal, store_id, ref, Action.MANAGE_FORMS)
        if body_id is not None and body_id != current.id:
            raise ValidationFailed.on("id", "does not match the form in the path")
        if "schema_fields" in given:
            given["schema_fields"] = changes.schema_fields or []
        updated = current.model_copy(update=given)
        if updated == current:
            return current
        updated = updated.model_copy(update={"revision": current.revision + 1, "updated_at": now()})
        self.forms.update(updated, current)
        return updated

    def delete(self, principal: Principal, store_id: str, ref: str) -> None:
        """Its submissions stay readable (they belong to the profiles that sent them)."""
        self.forms.delete(self._load(principal, store_id, ref, Action.MANAGE_FORMS))

    # ------------------------------------------------------------------ submissions (staff)
    def submissions(self, principal: Principal, store_id: str,
                    q: SubmissionQuery) -> tuple[list[FormSubmission], str | None]:
        """Newest first (or oldest with asc): one Query on the profile's list when `profile_id` is given, else on
        the one form's when one form id is, else on the store's; other filters thin the page."""
        self.guard.enter(principal, store_id, Action.MANAGE_FORMS)
        created = None
        if q.created_at_from is not None or q.created_at_to is not None:
            created = (q.created_at_from or 0, q.created_at_to if q.created_at_to is not None else 10**10 - 1)
            if created[0] > created[1]:
                raise ValidationFailed.on("created_at_to", "must not be before created_at_from")
        form_ids = list(dict.fromkeys(q.form_ids)) if q.form_ids is not None else None
        if q.profile_id:
            scope = f"PROFILE#{q.profile_id}"
        elif form_ids is not None and len(form_ids) == 1:
            scope = f"FORM#{form_ids[0]}"
        else:
            scope = "ALL"
        forward = q.sort_direction == "asc"
        start = cursors.decode(q.cursor, _SubmissionPosition)
        position = _SubmissionPosition(scope=scope, forward=forward, created=created, key={})
        if start and start.model_dump(exclude={"key"}) != position.model_dump(exclude={"key"}):
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        if form_ids == []:
            return [], None
        page, last = self.forms.submissions_page(store_id, scope, created=created, forward=forward, limit=q.limit,
                                                 after=start.key if start else None)
        found = [s for s in page if form_ids is None or s.form_id in form_ids]
        return found, cursors.encode(position.model_copy(update={"key": last})) if last else None

    def submission(self, principal: Principal, store_id: str, form_id: str, submission_id: str) -> FormSubmission:
        key = self.forms.submission_key(store_id, form_id, submission_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_FORMS, extra=[key])
        return self._submission_in(access.view.extras.get(key), store_id)

    def update_submission(self, principal: Principal, store_id: str, form_id: str, submission_id: str,
                          changes: SubmissionChanges) -> FormSubmission:
        """Staff correct a submission's fields: checked against the form's schema as it is now."""
        key = self.forms.submission_key(store_id, form_id, submission_id)
        form_key = self.forms.item_key(store_id, form_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_FORMS, extra=[key, form_key])
        current = self._submission_in(access.view.extras.get(key), store_id)
        _check_body_ids(changes, store_id, form_id)
        if changes.id is not None and changes.id != submission_id:
            raise ValidationFailed.on("id", "does not match the submission in the path")
        form = self.forms.from_item(access.view.extras.get(form_key))
        if form is None:
            raise FORM_NOT_FOUND
        check_form_fields(form, changes.fields)
        updated = current.model_copy(update={"fields": changes.fields, "revision": current.revision + 1,
                                             "updated_at": now()})
        self.forms.update_submission(updated, current)
        return updated

    # ------------------------------------------------------------------ helpers
    def _load(self, principal: Principal, store_id: str, ref: str, action: Action) -> Form:
        by_id, by_key = self.forms.item_key(store_id, ref), self.forms.marker_key(store_id, key_in_ref(store_id, ref))
        access = self.guard.enter(principal, store_id, action, extra=[by_id, by_key])
        return self._pick(store_id, access.view.extras.get(by_id), access.view.extras.get(by_key))

    def _pick(self, store_id: str, by_id: Item | None, by_key: Item | None) -> Form:
        form = self.forms.from_item(by_id)
        if form is None:
            form_id = self.forms.id_from_marker(by_key)
            form = self.forms.get(store_id, form_id) if form_id else None
        if form is None or form.store_id != store_id:
            raise FORM_NOT_FOUND
        return form

    def _submission_in(self, item: Item | None, store_id: str) -> FormSubmission:
        submission = self.forms.submission_from_item(item)
        if submission is None or submission.store_id != store_id:
            raise SUBMISSION_NOT_FOUND
        return submission


class StorefrontForms:
    """What a storefront does with forms: read an active one (public), submit to it (a profile session)."""

    def __init__(self, forms: FormRepository, stores: StoreRepository, sessions: SessionRepository) -> None:
        self.forms = forms
        self.stores = stores
        self.sessions = sessions

    def get(self, store_id: str, ref: str) -> Form:
        """An active form of a store that exists: one BatchGetItem by id (a key costs one more read)."""
        by_id, by_key = self.forms.item_key(store_id, ref), self.forms.marker_key(store_id, key_in_ref(store_id, ref))
        view = self.stores.load(store_id, [], [by_id, by_key])
        return self._active(store_id, view.store is not None, view.extras.get(by_id), view.extras.get(by_key))

    def submit(self, caller: Principal, store_id: str, form_id: str, request: SubmitRequest) -> FormSubmission:
        """The caller's session and the form in one BatchGetItem, then one transaction: the submission, the
        profile's fact that it submitted, the `form.submitted` event."""
        session_id = shopper_session_id(caller, store_id)
        _check_body_ids(request, store_id, form_id)
        session_key, form_key = self.sessions.item_key(session_id), self.forms.item_key(store_id, form_id)
        view = self.stores.load(store_id, [], [session_key, form_key])
        live_session(self.sessions.from_item(view.extras.get(session_key)), caller, store_id)
        form = self._active(store_id, view.store is not None, view.extras.get(form_key), None)
        check_form_fields(form, request.fields)
        at = now()
        submission = FormSubmission(id=new_id(), form_id=form.id, store_id=store_id, profile_id=caller.subject,
                                    fields=request.fields, created_at=at, updated_at=at)
        self.forms.submit(submission, form, [submitted_event(submission, form)])
        return submission

    def _active(self, store_id: str, store_exists: bool, by_id: Item | None, by_key: Item | None) -> Form:
        form = self.forms.from_item(by_id)
        if form is None and by_key is not None:
            form_id = self.forms.id_from_marker(by_key)
            form = self.forms.get(store_id, form_id) if form_id else None
        if not store_exists or form is None or form.store_id != store_id or form.status != "active":
            raise FORM_NOT_FOUND
        return form


class FormEntries:
    """The check of the `forms` carts and their service (booking) lines carry (arky-sdk's FormEntry `{form_id,
    fields}`) against the store's forms, the way a submission is checked: handed to the cart service by the
    composition root (storecrm.commerce.carts.FormEntriesCheck)."""

    def __init__(self, forms: FormRepository) -> None:
        self.forms = forms

    def keys(self, store_id: str, entries: Sequence[Mapping[str, Any]]) -> list[Key]:
        return [self.forms.item_key(store_id, form_id) for form_id in
                dict.fromkeys(str(e.get("form_id")) for e in entries if isinstance(e.get("form_id"), str))]

    def check(self, store_id: str, entries: Sequence[Mapping[str, Any]], found: Mapping[Key, Item],
              where: str) -> None:
        """Each entry names an active form of the store once, and its fields fit that form: a 400 naming the
        first wrong one (`forms.0.form_id`, `items.1.forms.0.fields.2.value`)."""
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            at = f"{where}.{index}"
            form_id = entry.get("form_id")
            form = (self.forms.from_item(found.get(self.forms.item_key(store_id, form_id)))
                    if isinstance(form_id, str) else None)
            if form is None or form.store_id != store_id or form.status != "active":
                raise ValidationFailed.on(f"{at}.form_id", "is not an active form of this store")
            if form_id in seen:
                raise ValidationFailed.on(f"{at}.form_id", "is given twice")
            seen.add(form.id)
            raw = entry.get("fields", [])
            try:
                fields = _FIELDS.validate_python(raw)
            except PydanticValidationError as error:
                raise ValidationFailed(f"{at}.fields: not a list of form fields", [
                    FieldError(f"{at}.fields.{'.'.join(str(p) for p in e['loc'])}".rstrip("."), e["msg"])
                    for e in error.errors()]) from None
            check_form_fields(form, fields, f"{at}.fields")


_FIELDS: TypeAdapter[list[FormField]] = TypeAdapter(Fields)


def submitted_event(submission: FormSubmission, form: Form) -> OutboxEvent:
    """`form.submitted`: the profile's data, so the event is indexed under it (and erased with it)."""
    return OutboxEvent.new(SUBMITTED, submission.store_id, {
        "profile": {"id": submission.profile_id},
        "form": {"id": form.id, "key": form.key},
        "submission": submission.model_dump(mode="json", exclude={"revision", "updated_at"})})


def _check_body_ids(request: SubmitRequest, store_id: str, form_id: str) -> None:
    problems = [FieldError(name, "does not match the path") for name, value, wanted in
                (("form_id", request.form_id, form_id), ("store_id", request.store_id, store_id))
                if value is not None and value != wanted]
    if problems:
        raise ValidationFailed("The body names another form or store than the path", problems)

