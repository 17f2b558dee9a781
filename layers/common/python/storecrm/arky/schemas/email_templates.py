"""Email templates and their previews as the arky-style API answers them."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.messaging.models.email_templates import EmailTemplate, EmailTemplateStatus
from storecrm.messaging.template_rendering import RenderedMail, RenderWarning


class EmailTemplateOut(Out):
    id: str
    key: str
    store_id: str
    subject: dict[str, str] = Field(description="Language id -> subject")
    body: str
    from_name: str
    from_email: str
    reply_to: str | None
    preheader: str | None
    status: EmailTemplateStatus
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, template: EmailTemplate) -> EmailTemplateOut:
        return cls.model_validate(template.model_dump(exclude={"audience_count", "revision"}))


class PreviewWarningOut(Out):
    kind: str = Field(description="missing, unknown, unused or missing_translation")
    variable: str
    message: str


class EmailTemplatePreviewOut(Out):
    subject: str
    html: str
    warnings: list[PreviewWarningOut]

    @classmethod
    def of(cls, mail: RenderedMail, warnings: Sequence[RenderWarning]) -> EmailTemplatePreviewOut:
        return cls(subject=mail.subject, html=mail.html,
                   warnings=[PreviewWarningOut.model_validate(w.model_dump()) for w in warnings])
