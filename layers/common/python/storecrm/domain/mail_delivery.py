"""Sending the store mails of the outbox (storecrm.domain.store_mail), run by the mail function on the table's
stream: each outbox mail is sent once, as it was rendered and addressed when it was decided.

At least once: a mail whose send fails for a while (SES throttling or down) fails its stream record, which Lambda
tries again. Not twice: the function calls `send` behind a Powertools idempotency record keyed on the mail id
(services.mail_once), so a record delivered again after its mail went out is not sent again. The one gap left is
a crash after SES took the mail and before the record was marked done: that mail may go out twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from storecrm import metrics
from storecrm.domain.models.mail import OutboxMail

if TYPE_CHECKING:
    from storecrm.gateways.mail import Mailer

Delivered = Literal["sent", "rejected"]


class MailDelivery:
    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def send(self, mail: OutboxMail) -> Delivered:
        """`rejected` when SES refuses this mail for good (its address or content): trying again cannot help, so it
        is not an error. Unavailable (SES may take it later) passes through for the stream to try again."""
        from storecrm.gateways.mail import MailRejected

        try:
            self.mailer.send(mail.to, mail.subject, mail.text, mail.html, from_name=mail.from_name,
                             reply_to=mail.reply_to, headers=mail.headers)
        except MailRejected:
            metrics.count(metrics.STORE_MAILS, outcome="rejected")
            return "rejected"
        metrics.count(metrics.STORE_MAILS, outcome="sent")
        return "sent"
