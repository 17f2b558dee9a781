"""A store's email templates: {{placeholders}} checked when saved, rendered by our own code.

SES v2 templates are not used (moto does not implement them, and we want one renderer): a
template is rendered here and sent as Simple content. Values are HTML-escaped in the html body.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from storecrm.clock import new_id, now
from storecrm.domain import cursors
from storecrm.domain.access import StoreGuard
from storecrm.domain.auth import Principal
from storecrm.domain.errors import FieldError, NotFound, ValidationFailed
from storecrm.domain.fields import Command
from storecrm.domain.models import Audience, EmailTemplate, StandardAudience
from storecrm.domain.permissions import Action

if TYPE_CHECKING:
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.email_templates import EmailTemplateRepository

PLACEHOLDERS = ("confirm_url", "unsubscribe_url", "email", "store_name", "audience_key")
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
TEMPLATE_NOT_FOUND = NotFound("Email template not found", "EMAIL_TEMPLATE.NOT_FOUND")


def placeholders_in(text: str | None) -> set[str]:
    return {m.group(1) for m in PLACEHOLDER.finditer(text or "")}


def check_placeholders(fields: dict[str, str | None]) -> None:
    """400 naming every field that uses a placeholder we cannot fill."""
    errors = [
        FieldError(name, f"unknown placeholder {{{{{unknown}}}}}; known: "
                         + ", ".join(f"{{{{{p}}}}}" for p in PLACEHOLDERS))
        for name, text in fields.items()
        for unknown in sorted(placeholders_in(text) - set(PLACEHOLDERS))
    ]
    if errors:
        raise ValidationFailed("The template uses unknown placeholders", errors)


def render(text: str, values: dict[str, str], *, as_html: bool = False) -> str:
    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        return html_lib.escape(value, quote=True) if as_html else value

    return PLACEHOLDER.sub(fill, text)


class RenderedMail(BaseModel):
    subject: str
    text: str
    html: str | None


def render_mail(template: EmailTemplate, values: dict[str, str]) -> RenderedMail:
    # A subject is one line: values cannot add lines to it.
    flat = {k: " ".join(v.split()) for k, v in values.items()}
    return RenderedMail(subject=render(template.subject, flat), text=render(template.text, values),
                        html=render(template.html, values, as_html=True) if template.html else None)


def single_opt_in_copy(audience: Audience, at: int) -> Audience:
    """What an audience becomes when its confirmation template is deleted (the seed's rule)."""
    return audience.model_copy(update={"type": StandardAudience(), "revision": audience.revision + 1,
                                       "updated_at": at})


class NewEmailTemplate(Command):
    key: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=300)
    html: str | None = Field(default=None, max_length=100_000)
    text: str = Field(min_length=1, max_length=50_000)


class EmailTemplateChanges(Command):
    key: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    html: str | None = Field(default=None, max_length=100_000)
    text: str | None = Field(default=None, min_length=1, max_length=50_000)


class _TemplatePosition(BaseModel):
    model_config = {"extra": "forbid"}
    key: dict[str, str]


class EmailTemplateService:
    def __init__(self, templates: EmailTemplateRepository, audiences: AudienceRepository, guard: StoreGuard) -> None:
        self.templates = templates
        self.audiences = audiences
        self.guard = guard

    def create(self, principal: Principal, store_id: str, data: NewEmailTemplate) -> EmailTemplate:
        check_placeholders({"subject": data.subject, "html": data.html, "text": data.text})
        self.guard.enter(principal, store_id, Action.MANAGE_AUDIENCES)
        at = now()
        template = EmailTemplate(id=new_id(), store_id=store_id, **data.model_dump(), created_at=at, updated_at=at)
        self.templates.create(template)
        return template

    def get(self, principal: Principal, store_id: str, template_id: str) -> EmailTemplate:
        return self._load(principal, store_id, template_id, Action.READ_STORE)

    def list(self, principal: Principal, store_id: str, limit: int,
             cursor: str | None) -> tuple[list[EmailTemplate], str | None]:
        start = cursors.decode(cursor, _TemplatePosition)
        self.guard.enter(principal, store_id, Action.READ_STORE)
        items, last = self.templates.page(store_id, limit=limit, after=start.key if start else None)
        return items, cursors.encode(_TemplatePosition(key=last)) if last else None

    def update(self, principal: Principal, store_id: str, template_id: str,
               changes: EmailTemplateChanges) -> EmailTemplate:
        given = changes.model_dump(exclude_unset=True)
        for required in ("name", "subject", "text"):
            if required in given and given[required] is None:
                raise ValidationFailed.on(required, "cannot be removed")
        check_placeholders({k: v for k, v in given.items() if k in ("subject", "html", "text")})
        current = self._load(principal, store_id, template_id, Action.MANAGE_AUDIENCES)
        if not given:
            return current
        updated = current.model_copy(update={**given, "updated_at": now()})
        self.templates.update(updated, sorted(given))
        return updated

    def delete(self, principal: Principal, store_id: str, template_id: str) -> None:
        """Audiences that use it for double opt-in become single opt-in in the same transaction."""
        # Three AWS calls (budget 1-2): the audiences that use it are found with a Query.
        template = self._load(principal, store_id, template_id, Action.MANAGE_AUDIENCES)
        using = self.audiences.using_template(store_id, template.id)
        at = now()
        single_opt_in = [single_opt_in_copy(a, at) for a in using]
        self.templates.delete(template, linked=len(using),
                              also=[w for new, old in zip(single_opt_in, using, strict=True)
                                    for w in self.audiences.replace_writes(new, old)])

    def _load(self, principal: Principal, store_id: str, template_id: str, action: Action) -> EmailTemplate:
        key = self.templates.item_key(store_id, template_id)
        access = self.guard.enter(principal, store_id, action, extra=[key])
        template = self.templates.from_item(access.view.extras.get(key))
        if template is None:
            raise TEMPLATE_NOT_FOUND
        return template
