"""A store's email templates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.kernel.models.base import Entity

EmailTemplateStatus = Literal["active", "draft", "archived"]


class EmailTemplate(Entity):
    """A store's mail with {{placeholders}} (arky-sdk's EmailTemplate), rendered by our own code (never
    by SES templates). It is sent from the platform's verified sender named `from_name`; answers go to
    `reply_to`, else to `from_email`."""

    id: str
    store_id: str
    key: str
    subject: dict[str, str] = Field(default_factory=dict, description="Language id -> subject")
    body: str = ""
    from_name: str
    from_email: str
    reply_to: str | None = None
    preheader: str | None = None
    status: EmailTemplateStatus = "active"
    # Audiences linked to it (double opt-in); deleting the template checks nobody linked meanwhile.
    audience_count: int = 0
    revision: int = 1
    created_at: int
    updated_at: int
