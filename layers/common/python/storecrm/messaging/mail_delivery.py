"""Sending the store mails of the outbox (storecrm.messaging.store_mail), run by the mail function on the table's
stream: each outbox mail is sent once, as it was rendered and addressed when it was decided.

At least once: a mail whose send fails for a while (SES throttling or down) fails its stream record, which Lambda
tries again. Not twice: the function calls `send` behind a Powertools idempotency record keyed on the mail id
(services.mail_once), so a record delivered again after its mail went out is not sent again. The one gap left is
a crash after SES took the mail and before the record was marked done: that mail may go out twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from storecrm import metrics
from storecrm.messaging.models.mail import OutboxMail

if TYPE_CHECKING:
    from storecrm.kernel.gateways.mail import Mailer
    from storecrm.messaging.repositories.mail_outbox import MailOutbox

log = logging.getLogger(__name__)

Delivered = Literal["sent", "rejected"]


class MailDelivery:
    def __init__(self, mailer: Mailer, outbox: MailOutbox) -> None:
        self.mailer = mailer
        self.outbox = outbox

    def send(self, mail: OutboxMail) -> Delivered:
        """`rejected` when SES refuses this mail for good (its address or content): trying again cannot help, so it
        is not an error. Unavailable (SES may take it later) passes through for the stream to try again."""
        from storecrm.kernel.gateways.mail import MailRejected

        try:
            self.mailer.send(mail.to, mail.subject, mail.text, mail.html, from_name=mail.from_name,
                             reply_to=mail.reply_to, headers=mail.headers)
        except MailRejected:
            outcome: Delivered = "rejected"
        else:
            outcome = "sent"
        metrics.count(metrics.STORE_MAILS, outcome=outcome)
        self._forget(mail)
        return outcome

    def _forget(self, mail: OutboxMail) -> None:
        """The mail item goes once the mail is done with, so no address or rendered mail outlives it (an erasure
        finds nothing of the profile here). Never an error: the send happened, and an item left behind goes
        with its TTL."""
        if not self.outbox.forget(mail):
            log.warning("Store mail %s was sent but its outbox item stays until its TTL", mail.id)
