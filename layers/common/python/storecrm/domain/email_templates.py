"""A store's email templates as staff manage them, in arky-sdk 0.9.1's shape: create, get by id or
`{storeId}:{key}`, find, update, delete, and preview.

Variables are checked when a template is previewed (warnings), not when it is saved. The one rule at
save time: a template a confirmation (double opt-in) audience uses keeps {{confirm_url}} in its body.
Rendering lives in template_rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from storecrm.clock import new_id, now
from storecrm.domain import cursors
from storecrm.domain.access import StoreAccess, StoreGuard
from storecrm.domain.auth import Principal
from storecrm.domain.base_model import Model
from storecrm.domain.errors import NotFound, ValidationFailed
from storecrm.domain.fields import Command, Email, LanguageTag
from storecrm.domain.models.audiences import Audience, StandardAudience
from storecrm.domain.models.email_templates import EmailTemplate, EmailTemplateStatus
from storecrm.domain.permissions import Action
from storecrm.domain.rules import key_in_ref
from storecrm.domain.template_rendering import (
    MailContent,
    RenderedMail,
    RenderWarning,
    has_confirm_link,
    mail_languages,
    preview,
)

if TYPE_CHECKING:
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.email_templates import EmailTemplateRepository
    from storecrm.repositories.keys import Key

TEMPLATE_NOT_FOUND = NotFound("Email template not found", "EMAIL_TEMPLATE.NOT_FOUND")
# A find by ids reads them with the access check's two items in one BatchGetItem (100 keys).
FIND_MAX = 98

TemplateKey = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_-]+$",
                                   description="Letters, digits, hyphens and underscores; unique per store")]
Subjects = Annotated[dict[LanguageTag, Annotated[str, Field(max_length=300)]],
                     Field(max_length=50, description="Language id -> subject, e.g. {\"en\": \"Welcome\"}")]
Body = Annotated[str, Field(max_length=100_000, description="HTML with {{placeholders}}")]
# A display name goes into the From header: no line breaks or other control characters.
DisplayName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]
Preheader = Annotated[str, Field(max_length=500, description="Inbox preview text, hidden in the mail")]
SortField = Literal["created_at", "updated_at", "key"]
SortDirection = Literal["asc", "desc"]


class NewEmailTemplate(Command):
    key: TemplateKey
    subject: Subjects = Field(default_factory=dict)
    body: Body = ""
    from_name: DisplayName = Field(description="Display name of the platform's sender address")
    from_email: Email = Field(description="The store's address: answers go here unless reply_to is set")
    reply_to: Email | None = None
    preheader: Preheader | None = None
    status: EmailTemplateStatus = "active"


class EmailTemplateChanges(Command):
    id: str | None = Field(default=None, max_length=64, description="May repeat the template's id; must match it")
    key: TemplateKey | None = None
    subject: Subjects | None = Field(default=None, description="Replaces every language's subject")
    body: Body | None = None
    from_name: DisplayName | None = None
    from_email: Email | None = None
    reply_to: Email | None = Field(default=None, description="null removes it")
    preheader: Preheader | None = Field(default=None, description="null removes it")
    status: EmailTemplateStatus | None = None


CANNOT_REMOVE = ("key", "subject", "body", "from_name", "from_email", "status")


class EmailTemplateQuery(Command):
    ids: list[str] | None = Field(default=None, max_length=FIND_MAX)
    key: TemplateKey | None = None
    query: str | None = Field(default=None, max_length=255, description="Prefix of template keys")
    status: EmailTemplateStatus | None = None
    sort_field: SortField | None = None
    sort_direction: SortDirection | None = None
    created_at_from: int | None = Field(default=None, ge=0)
    created_at_to: int | None = Field(default=None, ge=0)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    def ordering(self) -> tuple[SortField, bool]:
        """The order asked for, else newest first; a key prefix alone is served in key order."""
        sort = self.sort_field or ("key" if self.query else "created_at")
        direction = self.sort_direction or ("asc" if sort == "key" else "desc")
        return sort, direction == "asc"

    def created_range(self) -> tuple[int, int] | None:
        if self.created_at_from is None and self.created_at_to is None:
            return None
        return self.created_at_from or 0, self.created_at_to if self.created_at_to is not None else 10**10 - 1

    def matches(self, template: EmailTemplate) -> bool:
        created = self.created_range()
        return ((self.key is None or template.key == self.key)
                and (not self.query or template.key.startswith(self.query))
                and (self.status is None or template.status == self.status)
                and (created is None or created[0] <= template.created_at <= created[1]))


class PreviewRequest(Command):
    subject: Subjects | None = Field(default=None, description="Instead of the stored subjects")
    body: Body | None = Field(default=None, description="Instead of the stored body")
    preheader: Preheader | None = Field(default=None, description="Instead of the stored one; null for none")
    vars: dict[str, Any] = Field(default_factory=dict, max_length=100, description="Values of the {{variables}}")


class _FindPosition(Model):
    """A cursor names the list it belongs to: another order or other filters make it a 400."""

    model_config = {"extra": "forbid"}
    sort: str
    forward: bool
    status: str | None
    query: str | None
    created: tuple[int, int] | None
    key: dict[str, str]


SORT_VALUES: dict[str, Callable[[EmailTemplate], tuple[Any, ...]]] = {
    "created_at": lambda t: (t.created_at, t.id), "updated_at": lambda t: (t.updated_at, t.id),
    "key": lambda t: (t.key,)}


class EmailTemplateService:
    def __init__(self, templates: EmailTemplateRepository, audiences: AudienceRepository, guard: StoreGuard) -> None:
        self.templates = templates
        self.audiences = audiences
        self.guard = guard

    def create(self, principal: Principal, store_id: str, data: NewEmailTemplate) -> EmailTemplate:
        self.guard.enter(principal, store_id, Action.MANAGE_AUDIENCES)
        at = now()
        template = EmailTemplate(id=new_id(), store_id=store_id, **data.model_dump(), created_at=at, updated_at=at)
        self.templates.create(template)
        return template

    def get(self, principal: Principal, store_id: str, ref: str) -> EmailTemplate:
        return self._load(principal, store_id, ref, Action.READ_STORE)[1]

    def find(self, principal: Principal, store_id: str, q: EmailTemplateQuery) -> tuple[list[EmailTemplate],
                                                                                         str | None]:
        """`ids`: those templates, read with the access check (one BatchGetItem). `key`: at most one
        template, one Query on the key index. Otherwise one Query on the index of the order (and status),
        a key prefix or a created_at range as its key condition where that order serves it.

        A key prefix in a time order, or a created_at range in another order, cannot be the index's key
        condition: that filter is applied to the page read, so a page may hold fewer than `limit`
        templates while the cursor goes on.
        """
        created = q.created_range()
        if created is not None and created[0] > created[1]:
            raise ValidationFailed.on("created_at_to", "must not be before created_at_from")
        sort, forward = q.ordering()
        if q.ids is not None:
            wanted = [self.templates.item_key(store_id, i) for i in dict.fromkeys(q.ids)]
            access = self.guard.enter(principal, store_id, Action.READ_STORE, extra=wanted)
            found = [t for k in wanted if (t := self.templates.from_item(access.view.extras.get(k)))]
            return sorted(filter(q.matches, found), key=SORT_VALUES[sort], reverse=not forward), None
        if q.key is not None:
            self.guard.enter(principal, store_id, Action.READ_STORE)
            found, _ = self.templates.list_page(store_id, "key", q.status, key=q.key, forward=True, limit=1,
                                                after=None)
            return list(filter(q.matches, found)), None
        start = cursors.decode(q.cursor, _FindPosition)
        position = _FindPosition(sort=sort, forward=forward, status=q.status, query=q.query, created=created, key={})
        if start and start.model_dump(exclude={"key"}) != position.model_dump(exclude={"key"}):
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        self.guard.enter(principal, store_id, Action.READ_STORE)
        page, last = self.templates.list_page(
            store_id, sort, q.status, key_prefix=(q.query or None) if sort == "key" else None,
            created=created if sort == "created_at" else None, forward=forward, limit=q.limit,
            after=start.key if start else None)
        cursor = cursors.encode(position.model_copy(update={"key": last})) if last else None
        return list(filter(q.matches, page)), cursor

    def update(self, principal: Principal, store_id: str, ref: str, changes: EmailTemplateChanges) -> EmailTemplate:
        given = changes.model_dump(exclude_unset=True)
        for required in CANNOT_REMOVE:
            if required in given and given[required] is None:
                raise ValidationFailed.on(required, "cannot be removed")
        body_id = given.pop("id", None)
        _, current = self._load(principal, store_id, ref, Action.MANAGE_AUDIENCES)
        if body_id is not None and body_id != current.id:
            raise ValidationFailed.on("id", "does not match the template in the path")
        updated = current.model_copy(update=given)
        if updated == current:
            return current
        if current.audience_count > 0 and not has_confirm_link(updated.body):
            raise ValidationFailed.on("body", "a confirmation audience uses this template, so its body must "
                                              "contain {{confirm_url}}")
        updated = updated.model_copy(update={"revision": current.revision + 1, "updated_at": now()})
        self.templates.update(updated, current)
        return updated

    def delete(self, principal: Principal, store_id: str, ref: str) -> None:
        """Audiences that use it for double opt-in become single opt-in in the same transaction."""
        # Three AWS calls (budget 1-2): the audiences that use it are found with a Query.
        _, template = self._load(principal, store_id, ref, Action.MANAGE_AUDIENCES)
        using = self.audiences.using_template(store_id, template.id)
        at = now()
        single_opt_in = [single_opt_in_copy(a, at) for a in using]
        self.templates.delete(template, linked=len(using),
                              also=[w for new, old in zip(single_opt_in, using, strict=True)
                                    for w in self.audiences.replace_writes(new, old)])

    def preview(self, principal: Principal, store_id: str, ref: str,
                request: PreviewRequest) -> tuple[RenderedMail, list[RenderWarning]]:
        """The stored template, or the parts given instead, rendered with `vars` in the store's language.
        Nothing is saved or sent."""
        access, template = self._load(principal, store_id, ref, Action.READ_STORE)
        given = request.model_fields_set
        content = MailContent(
            subject=request.subject if request.subject is not None else template.subject,
            body=request.body if request.body is not None else template.body,
            preheader=request.preheader if "preheader" in given else template.preheader)
        return preview(content, request.vars, mail_languages(access.store))

    def _load(self, principal: Principal, store_id: str, ref: str,
              action: Action) -> tuple[StoreAccess, EmailTemplate]:
        """Store, membership and the template by id in one BatchGetItem; a key costs one more read (the
        key marker names the id)."""
        by_id, by_key = self._ref_keys(store_id, ref)
        access = self.guard.enter(principal, store_id, action, extra=[by_id, by_key])
        template = self.templates.from_item(access.view.extras.get(by_id))
        if template is None:
            template_id = self.templates.id_from_marker(access.view.extras.get(by_key))
            template = self.templates.get(store_id, template_id) if template_id else None
        if template is None or template.store_id != store_id:
            raise TEMPLATE_NOT_FOUND
        return access, template

    def _ref_keys(self, store_id: str, ref: str) -> tuple[Key, Key]:
        return self.templates.item_key(store_id, ref), self.templates.marker_key(store_id, key_in_ref(store_id, ref))


def single_opt_in_copy(audience: Audience, at: int) -> Audience:
    """What an audience becomes when its confirmation template is deleted (the seed's rule)."""
    return audience.model_copy(update={"type": StandardAudience(), "revision": audience.revision + 1,
                                       "updated_at": at})
