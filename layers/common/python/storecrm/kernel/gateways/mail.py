"""Outgoing mail through SES v2 with Simple content (we render templates ourselves)."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import formataddr
from typing import Any, Protocol

from botocore.exceptions import ClientError

from storecrm import aws
from storecrm.config import settings
from storecrm.kernel.errors import Unavailable

# SES refuses these for the mail itself (its content, an address, the sender's setup): sending it again cannot help.
PERMANENT_REFUSALS = frozenset({"MessageRejected", "BadRequestException", "MailFromDomainNotVerifiedException",
                                "NotFoundException"})


class MailRejected(Unavailable):
    """SES will never send this mail as it is: a caller in a request answers as for any failed send (503), the
    mail function drops it instead of trying again."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The mail could not be sent (SES: {reason})")


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None = None, *, from_name: str | None = None,
             reply_to: str | None = None, headers: Mapping[str, str] | None = None) -> None: ...


def sender(from_name: str | None) -> str:
    """The platform's verified address, under a display name if one is given (MIME-encoded when not
    ASCII, as SES requires)."""
    address = settings().sender_email
    return formataddr((from_name, address), charset="utf-8") if from_name else address


class SesMailer:
    def send(self, to: str, subject: str, text: str, html: str | None = None, *, from_name: str | None = None,
             reply_to: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        """Raises MailRejected when SES refuses the mail for good, Unavailable when it may take it later."""
        body = {"Text": {"Data": text, "Charset": "UTF-8"}}
        if html:
            body["Html"] = {"Data": html, "Charset": "UTF-8"}
        simple: dict[str, Any] = {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}
        if headers:
            # SES v2 adds these to the message (List-Unsubscribe and List-Unsubscribe-Post among them).
            simple["Headers"] = [{"Name": name, "Value": value} for name, value in headers.items()]
        extra = {"ReplyToAddresses": [reply_to]} if reply_to else {}
        try:
            aws.client("sesv2").send_email(
                FromEmailAddress=sender(from_name),
                Destination={"ToAddresses": [to]},
                Content={"Simple": simple},
                **extra,
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in PERMANENT_REFUSALS:
                raise MailRejected(code) from exc
            raise Unavailable("The mail could not be sent; try again shortly") from exc
