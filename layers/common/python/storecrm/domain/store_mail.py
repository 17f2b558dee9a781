"""Mail a store sends its customers on its own (order reminders, cart recovery): from the store's email template
of a given key when it has an active one, else from a plain default; under the template's sender, else the
store's name; in the store's languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from storecrm.domain.template_rendering import MailContent, mail_languages, render_mail

if TYPE_CHECKING:
    from storecrm.domain.models.email_templates import EmailTemplate
    from storecrm.domain.models.stores import Store
    from storecrm.gateways.mail import Mailer
    from storecrm.repositories.email_templates import EmailTemplateRepository


class StoreMail:
    def __init__(self, templates: EmailTemplateRepository, mailer: Mailer) -> None:
        self.templates = templates
        self.mailer = mailer

    def template(self, store_id: str, key: str) -> EmailTemplate | None:
        """The store's active template of this key (two reads: its key marker, then the template)."""
        template = self.templates.by_key(store_id, key)
        return template if template is not None and template.status == "active" else None

    def send(self, store: Store, to: str, template: EmailTemplate | None, default: MailContent,
             values: Mapping[str, str]) -> None:
        mail = render_mail(MailContent.of(template) if template else default, values, mail_languages(store))
        self.mailer.send(to, mail.subject, mail.text, mail.html,
                         from_name=template.from_name if template else store.key,
                         reply_to=(template.reply_to or template.from_email) if template else None)
