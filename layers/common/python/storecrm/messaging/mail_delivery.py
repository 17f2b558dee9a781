"""Sending the store mails of the outbox (storecrm.messaging.store_mail), run by the mail function on the table's
stream: each outbox mail is sent once, as it was rendered and addressed when it was decided.

At least once: a mail whose send fails for a while (SES throttling or down) fails its stream record, which Lambda
tries again. Not twice: the function calls `send` behind a Powertools idempotency record keyed on the mail id
(services.mail_once), so a record delivered again after its mail went out is not sent again. The one gap left is
a crash after SES took the mail and before the record was marked done: that mail may go out twice.

A mail to a profile (`OutboxMail.profile_id`) goes out with its tracking pixel (storecrm.messaging.email_tracking):
an image at the API's public base URL whose signed token names the store, the profile and the mail, so opening it
records the profile's `email_opened` activity. The pixel is added here, not when the mail is decided, so the
routes that decide mails read no signing key; the platform's own mails (codes, verification) never come here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from storecrm import metrics
from storecrm.messaging.models.mail import OutboxMail

if TYPE_CHECKING:
    from storecrm.identity.auth import SigningKeys
    from storecrm.kernel.gateways.mail import Mailer
    from storecrm.messaging.repositories.mail_outbox import MailOutbox

log = logging.getLogger(__name__)

Delivered = Literal["sent", "rejected"]


class MailDelivery:
    def __init__(self, mailer: Mailer, outbox: MailOutbox, signing: Callable[[], SigningKeys] | None = None,
                 public_base_url: str = "") -> None:
        self.mailer = mailer
        self.outbox = outbox
        self.signing = signing
        self.public_base_url = public_base_url

    def html(self, mail: OutboxMail) -> str:
        """The mail's HTML as it goes out: with the profile's tracking pixel when the mail names a profile."""
        if not mail.profile_id or self.signing is None or not self.public_base_url:
            return mail.html
        from storecrm.messaging import email_tracking

        url = email_tracking.pixel_url(self.public_base_url, mail.store_id, mail.profile_id, mail.id,
                                       mail.created_at, self.signing())
        return email_tracking.with_pixel(mail.html, url)

    def send(self, mail: OutboxMail) -> Delivered:
        """`rejected` when SES refuses this mail for good (its address or content): trying again cannot help, so it
        is not an error. Unavailable (SES may take it later) passes through for the stream to try again."""
        from storecrm.kernel.gateways.mail import MailRejected

        try:
            self.mailer.send(mail.to, mail.subject, mail.text, self.html(mail), from_name=mail.from_name,
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
