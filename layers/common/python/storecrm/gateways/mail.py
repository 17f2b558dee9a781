"""Outgoing mail through SES v2 with Simple content (we render templates ourselves)."""

from __future__ import annotations

from typing import Protocol

from botocore.exceptions import ClientError

from storecrm import aws
from storecrm.config import settings
from storecrm.domain.errors import Unavailable


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None = None) -> None: ...


class SesMailer:
    def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        body = {"Text": {"Data": text, "Charset": "UTF-8"}}
        if html:
            body["Html"] = {"Data": html, "Charset": "UTF-8"}
        try:
            aws.client("sesv2").send_email(
                FromEmailAddress=settings().sender_email,
                Destination={"ToAddresses": [to]},
                Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}},
            )
        except ClientError as exc:
            raise Unavailable("The mail could not be sent; try again shortly") from exc
