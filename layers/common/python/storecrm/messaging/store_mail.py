"""The mail a store sends: double opt-in confirmations, abandoned-cart recovery, order reminders. Mail the platform
sends on its own behalf (login codes, email verification) is not store mail: it keeps its own per-email limits
(storecrm.identity.codes, storecrm.crm.customers).

Who a store's mail says it is from (`sender_for`): always the platform's verified address (`SenderEmail`,
kernel.gateways.mail.sender), under the template's display name; answers go only to one of the store's own `emails`
(support or billing). Saving a template checks both (`check_template_sender` and email_templates.DisplayName); a
template saved before these rules, or whose store changed its emails since, falls back at send time to the store's
key as the name and to the store's support address.

How it goes out (`StoreMail.queue`): the mail is rendered when it is decided and written to the outbox in the
transaction that decides it (the pending subscription, the cart marked abandoned, the reminder fired), with
- one more count in the store's day (`limits.mails_per_day` of its plan, counted in UTC days; a conditional
  update, so concurrent decisions cannot pass the quota); over it the decision is stored without the mail, the
  refusal is counted for staff (`mail_quota`), logged and measured;
- for a mail a third party can make the store send again, a mark per recipient (`once_per`): at most one such mail
  per address and scope within RECIPIENT_WINDOW; within it the decision is stored without the mail.
The mail function then sends each outbox mail once (storecrm.messaging.mail_delivery).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from storecrm import metrics
from storecrm.kernel.errors import ValidationFailed
from storecrm.messaging.models.mail import OutboxMail, StoreMailKind
from storecrm.messaging.template_rendering import MailContent, mail_languages, render_mail
from storecrm.stores.mail_quota import mail_day
from storecrm.stores.plan_limits import cap

if TYPE_CHECKING:
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.messaging.models.email_templates import EmailTemplate
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository
    from storecrm.messaging.repositories.mail_outbox import MailOutbox
    from storecrm.stores.models.stores import Store

log = logging.getLogger(__name__)

# Long enough for a shop's name, short enough that the platform's address stays in view beside it.
FROM_NAME_MAX_LENGTH = 64
# Control characters would break the header; @, < and > would make the name read as an address of its own.
_NOT_IN_FROM_NAME = re.compile(r"[\x00-\x1f\x7f@<>]")
# A recipient gets a mail of one `once_per` scope at most once in this long.
RECIPIENT_WINDOW = 24 * 3600

MailOutcome = Literal["queued", "over_quota", "recipient_limited"]
T = TypeVar("T")


@dataclass(frozen=True)
class Sender:
    from_name: str
    reply_to: str | None


def store_addresses(store: Store) -> list[str]:
    """Where a store's mail may ask for answers: its own support and billing addresses."""
    return [a for a in (store.emails.support, store.emails.billing) if a]


def acceptable_from_name(name: str | None) -> bool:
    return bool(name) and len(name or "") <= FROM_NAME_MAX_LENGTH and not _NOT_IN_FROM_NAME.search(name or "")


def sender_for(store: Store, template: EmailTemplate | None) -> Sender:
    """The template's display name and its Reply-To if they keep the rules, else the store's key and its support
    address (never its billing contact unless the template chose it)."""
    own = store_addresses(store)
    name = template.from_name if template is not None and acceptable_from_name(template.from_name) else None
    chosen = [template.reply_to, template.from_email] if template is not None else []
    reply_to = next((a for a in chosen if a and a in own), store.emails.support)
    return Sender(from_name=name or store.key[:FROM_NAME_MAX_LENGTH], reply_to=reply_to)


def check_template_sender(store: Store, reply_to: str | None) -> None:
    """A template may only ask for answers at one of the store's own addresses (a 400 naming `reply_to`)."""
    if reply_to is not None and reply_to not in store_addresses(store):
        raise ValidationFailed.on("reply_to", "must be one of the store's emails (support or billing); set them "
                                              "with PUT /v1/stores/{storeId}")


def unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` to the link."""
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@dataclass(frozen=True)
class MailDecision:
    """What the deciding transaction adds for its mail. `mailed` is False when the quota or the recipient's rule
    stopped the mail: the decision is then stored as it would be had the mail failed (no token handed out, no
    `recovery_sent_at`)."""

    mailed: bool
    writes: list[Write]


class StoreMail:
    def __init__(self, templates: EmailTemplateRepository, outbox: MailOutbox) -> None:
        self.templates = templates
        self.outbox = outbox

    def template(self, store_id: str, key: str) -> EmailTemplate | None:
        """The store's active template of this key (two reads: its key marker, then the template)."""
        template = self.templates.by_key(store_id, key)
        return template if template is not None and template.status == "active" else None

    @staticmethod
    def compose(store: Store, kind: StoreMailKind, to: str, template: EmailTemplate | None, default: MailContent,
                values: Mapping[str, str], at: int, headers: dict[str, str] | None = None,
                profile_id: str | None = None) -> OutboxMail:
        """The mail rendered now, in the store's language, under its sender (`sender_for`). A mail to a profile
        names it (`profile_id`): the mail function adds the profile's tracking pixel when it sends it."""
        mail = render_mail(MailContent.of(template) if template else default, values, mail_languages(store))
        sender = sender_for(store, template)
        return OutboxMail.new(store.id, kind, to, subject=mail.subject, html=mail.html, text=mail.text,
                              from_name=sender.from_name, reply_to=sender.reply_to, at=at, headers=headers,
                              profile_id=profile_id)

    def quota_key(self, store_id: str, at: int) -> tuple[str, str]:
        return self.outbox.quota_key(store_id, mail_day(at)[0])

    def recipient_key(self, store_id: str, scope: str, address: str) -> tuple[str, str]:
        return self.outbox.recipient_key(store_id, scope, address)

    def mailed_lately(self, marker: Item | None, at: int) -> bool:
        """Whether a recipient mark read with the decision's items still holds (see `queue`'s `once_per`)."""
        return self.outbox.mailed_lately(marker, at)

    def queue(self, store: Store, mail: OutboxMail, commit: Callable[[MailDecision], T], *,
              once_per: str | None = None) -> tuple[T, MailOutcome]:
        """Stores the decision with its mail through `commit` (one transaction: the decision, the outbox mail, the
        day's count and, with `once_per`, the recipient's mark). Over the quota, or when the recipient was mailed
        in this scope within RECIPIENT_WINDOW, `commit` runs again without the mail (a second transaction, only
        then). Errors of the decision's own conditions pass through."""
        from storecrm.messaging.repositories.mail_outbox import MailQuotaReached, RecipientMailedLately

        day, day_ends = mail_day(mail.created_at)
        limit = cap(store, "mails_per_day")
        writes = [self.outbox.mail_write(mail), self.outbox.quota_write(store.id, day, limit, day_ends)]
        if once_per is not None:
            # First: a recipient who was just mailed costs the store no refusal.
            writes.insert(0, self.outbox.recipient_write(store.id, once_per, mail.to, mail.created_at,
                                                         RECIPIENT_WINDOW))
        try:
            if limit is not None and limit <= 0:
                raise MailQuotaReached()  # the count's condition lets a day's first mail through
            result = commit(MailDecision(mailed=True, writes=writes))
        except RecipientMailedLately:
            result = commit(MailDecision(mailed=False, writes=[]))
            self.stopped(store, mail.kind, "recipient_limited")
            return result, "recipient_limited"
        except MailQuotaReached:
            result = commit(MailDecision(mailed=False, writes=[self.outbox.refused_write(store.id, day, day_ends)]))
            self.stopped(store, mail.kind, "over_quota")
            return result, "over_quota"
        metrics.count(metrics.STORE_MAILS, outcome="queued")
        return result, "queued"

    @staticmethod
    def stopped(store: Store, kind: StoreMailKind, outcome: MailOutcome) -> None:
        """Counts and logs a store mail the quota or the recipient's rule stopped."""
        metrics.count(metrics.STORE_MAILS, outcome=outcome)
        # Ids and numbers only: never the address.
        log.warning("Store %s: a %s mail was not sent (%s; mails_per_day %s)", store.id, kind, outcome,
                    cap(store, "mails_per_day"))
