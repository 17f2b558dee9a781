"""A store's email templates as staff manage them, in arky-sdk 0.9.1's shape: create, get by id or
`{storeId}:{key}`, find, update, delete, and preview.

Variables are checked when a template is previewed (warnings), not when it is saved. The rules at save time:
a template a confirmation (double opt-in) audience uses keeps {{confirm_url}} in its body, and its sender keeps
the store's mail rules (store_mail: a short display name that does not read as an address, Reply-To only to one
of the store's own emails). Rendering lives in template_rendering.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel.errors import NotFound, ValidationFailed
from storecrm.kernel.fields import Command, Email, LanguageTag
from storecrm.kernel.keyed_find import KeyedFind, KeyedQuery
from storecrm.kernel.rules import key_in_ref
from storecrm.messaging.models.audiences import Audience, StandardAudience
from storecrm.messaging.models.email_templates import EmailTemplate, EmailTemplateStatus
from storecrm.messaging.store_mail import FROM_NAME_MAX_LENGTH, check_template_sender
from storecrm.messaging.template_rendering import (
    MailContent,
    RenderedMail,
    RenderWarning,
    has_confirm_link,
    mail_languages,
    preview,
)
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.kernel.repositories.keys import Key
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository
    from storecrm.stores.access import StoreAccess, StoreGuard

TEMPLATE_NOT_FOUND = NotFound("Email template not found", "EMAIL_TEMPLATE.NOT_FOUND")

TemplateKey = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_-]+$",
                                   description="Letters, digits, hyphens and underscores; unique per store")]
Subjects = Annotated[dict[LanguageTag, Annotated[str, Field(max_length=300)]],
                     Field(max_length=50, description="Language id -> subject, e.g. {\"en\": \"Welcome\"}")]
Body = Annotated[str, Field(max_length=100_000, description="HTML with {{placeholders}}")]
# A display name goes into the From header beside the platform's address (storecrm.messaging.store_mail): no line
# breaks or other control characters, nothing that reads as an address of its own, and short.
DisplayName = Annotated[str, Field(min_length=1, max_length=FROM_NAME_MAX_LENGTH,
                                   pattern=r"^[^\x00-\x1f\x7f@<>]+$",
                                   description="The sender's display name; no control characters, @, < or >")]
Preheader = Annotated[str, Field(max_length=500, description="Inbox preview text, hidden in the mail")]


class NewEmailTemplate(Command):
    key: TemplateKey
    subject: Subjects = Field(default_factory=dict)
    body: Body = ""
    from_name: DisplayName = Field(description="Display name of the platform's sender address")
    from_email: Email = Field(description="Shown as the template's sender; answers go here only when it is one of "
                                          "the store's emails and reply_to is not set")
    reply_to: Email | None = Field(default=None, description="One of the store's emails (support or billing)")
    preheader: Preheader | None = None
    status: EmailTemplateStatus = "active"


class EmailTemplateChanges(Command):
    id: str | None = Field(default=None, max_length=64, description="May repeat the template's id; must match it")
    key: TemplateKey | None = None
    subject: Subjects | None = Field(default=None, description="Replaces every language's subject")
    body: Body | None = None
    from_name: DisplayName | None = None
    from_email: Email | None = None
    reply_to: Email | None = Field(default=None, description="One of the store's emails (support or billing); null "
                                                            "removes it")
    preheader: Preheader | None = Field(default=None, description="null removes it")
    status: EmailTemplateStatus | None = None


CANNOT_REMOVE = ("key", "subject", "body", "from_name", "from_email", "status")


class EmailTemplateQuery(KeyedQuery):
    key: TemplateKey | None = None
    query: str | None = Field(default=None, max_length=255, description="Prefix of template keys")
    status: EmailTemplateStatus | None = None

    def matches(self, found: Any) -> bool:
        return (self.key is None or found.key == self.key) and super().matches(found)


class PreviewRequest(Command):
    subject: Subjects | None = Field(default=None, description="Instead of the stored subjects")
    body: Body | None = Field(default=None, description="Instead of the stored body")
    preheader: Preheader | None = Field(default=None, description="Instead of the stored one; null for none")
    vars: dict[str, Any] = Field(default_factory=dict, max_length=100, description="Values of the {{variables}}")


class EmailTemplateService:
    def __init__(self, templates: EmailTemplateRepository, audiences: AudienceRepository, guard: StoreGuard) -> None:
        self.templates = templates
        self.audiences = audiences
        self.guard = guard
        self.finder = KeyedFind(templates)

    def create(self, principal: Principal, store_id: str, data: NewEmailTemplate) -> EmailTemplate:
        store = self.guard.enter(principal, store_id, Action.MANAGE_AUDIENCES).store
        check_template_sender(store, data.reply_to)
        at = now()
        template = EmailTemplate(id=new_id(), store_id=store_id, **data.model_dump(), created_at=at, updated_at=at)
        self.templates.create(template)
        return template

    def get(self, principal: Principal, store_id: str, ref: str) -> EmailTemplate:
        return self._load(principal, store_id, ref, Action.READ_STORE)[1]

    def find(self, principal: Principal, store_id: str, q: EmailTemplateQuery) -> tuple[list[EmailTemplate],
                                                                                         str | None]:
        """`key` without `ids`: at most one template, one Query on the key index. Otherwise the keyed find
        (storecrm.kernel.keyed_find), the access check read with the ids."""
        if q.ids is None and q.key is not None:
            self.guard.enter(principal, store_id, Action.READ_STORE)
            found, _ = self.templates.list_page(store_id, "key", q.status, key=q.key, forward=True, limit=1,
                                                after=None)
            return list(filter(q.matches, found)), None
        return self.finder.find(store_id, q, lambda wanted: self.guard.enter(
            principal, store_id, Action.READ_STORE, extra=wanted).view.extras)

    def update(self, principal: Principal, store_id: str, ref: str, changes: EmailTemplateChanges) -> EmailTemplate:
        given = changes.model_dump(exclude_unset=True)
        for required in CANNOT_REMOVE:
            if required in given and given[required] is None:
                raise ValidationFailed.on(required, "cannot be removed")
        body_id = given.pop("id", None)
        access, current = self._load(principal, store_id, ref, Action.MANAGE_AUDIENCES)
        if body_id is not None and body_id != current.id:
            raise ValidationFailed.on("id", "does not match the template in the path")
        updated = current.model_copy(update=given)
        if updated == current:
            return current
        if "reply_to" in given:
            check_template_sender(access.store, updated.reply_to)
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
