"""Outgoing mail through SES v2 with Simple content (we render templates ourselves)."""

from __future__ import annotations

from email.utils import formataddr
from typing import Protocol

from botocore.exceptions import ClientError

from storecrm import aws
from storecrm.config import settings
from storecrm.domain.errors import Unavailable


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None = None, *, from_name: str | None = None,
             reply_to: str | None = None) -> None: ...


def sender(from_name: str | None) -> str:
    """The platform's verified address, under a display name if one is given (MIME-encoded when not
    ASCII, as SES requires)."""
    address = settings().sender_email
    return formataddr((from_name, address), charset="utf-8") if from_name else address


class SesMailer:
    def send(self, to: str, subject: str, text: str, html: str | None = None, *, from_name: str | None = None,
             reply_to: str | None = None) -> None:
        body = {"Text": {"Data": text, "Charset": "UTF-8"}}
        if html:
            body["Html"] = {"Data": html, "Charset": "UTF-8"}
        extra = {"ReplyToAddresses": [reply_to]} if reply_to else {}
        try:
            aws.client("sesv2").send_email(
                FromEmailAddress=sender(from_name),
                Destination={"ToAddresses": [to]},
                Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}},
                **extra,
            )
        except ClientError as exc:
            raise Unavailable("The mail could not be sent; try again shortly") from exc
