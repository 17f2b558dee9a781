"""Mail "sent" through moto's SES, readable at GET /_dev/mailbox and echoed to the console.

Each item shows From (the display name decoded), Reply-To and the extra headers (List-Unsubscribe...), which moto
does not keep for SES v2 Simple content: the runner's moto server notes them per message
(localrunner.aws.SentMailHeaders).
"""

from __future__ import annotations

import email
import email.policy
import logging
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, parseaddr
from typing import Any

from localrunner.aws import SentMailHeaders
from localrunner.moto_bounds import SENT_MAIL_KEPT
from localrunner.moto_lock import MOTO_LOCK

log = logging.getLogger("localrunner.mail")


@dataclass
class Mail:
    id: str
    sender: str
    to: list[str]
    subject: str
    body: str
    sent_at: str
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {"id": data.pop("id"), "from": data.pop("sender"), **data}


SEEN_AT = "localrunner_seen_at"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _address(value: str) -> str:
    return parseaddr(value)[1].lower()


def _readable(sender: str) -> str:
    """`=?utf-8?b?...?= <a@b>` as `Name <a@b>`: the display name decoded, the address as it was."""
    name, address = parseaddr(sender)
    if not name:
        return sender
    try:
        decoded = str(make_header(decode_header(name)))
    except (ValueError, LookupError):
        return sender
    return formataddr((decoded, address)) if decoded != name else sender


def _from_moto(message: Any, sent_at: str, sent: SentMailHeaders) -> Mail:
    """Normalise moto's Message / RawMessage / TemplateMessage (internal, version-dependent API)."""
    destinations = getattr(message, "destinations", {}) or {}
    if isinstance(destinations, dict):
        to = list(destinations.get("ToAddresses", []))
        cc = list(destinations.get("CcAddresses", []))
        bcc = list(destinations.get("BccAddresses", []))
    else:  # raw and bulk messages keep a flat list (or a list of destination dicts)
        flat: list[str] = []
        for entry in destinations:
            if isinstance(entry, dict):
                flat.extend((entry.get("Destination") or entry).get("ToAddresses", []))
            else:
                flat.append(str(entry))
        to, cc, bcc = flat, [], []
    mail = Mail(
        id=str(getattr(message, "id", None) or ",".join(getattr(message, "ids", []))),
        sender=_readable(str(getattr(message, "source", ""))),
        to=to,
        cc=cc,
        bcc=bcc,
        subject=str(getattr(message, "subject", "")),
        # moto keeps one body for simple mail: the HTML part when there is one, else the text part.
        body=str(getattr(message, "body", "")),
        sent_at=sent_at,
        reply_to=sent.reply_to(str(getattr(message, "id", ""))),
        headers=sent.headers(str(getattr(message, "id", ""))),
    )
    if hasattr(message, "raw_data"):
        _fill_from_mime(mail, message.raw_data)
    elif hasattr(message, "template"):
        mail.subject = f"(template {message.template})"
        mail.body = str(message.template_data)
    return mail


def _fill_from_mime(mail: Mail, raw: str) -> None:
    parsed = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    mail.subject = str(parsed.get("Subject", ""))
    mail.sender = _readable(str(parsed.get("From", mail.sender)))
    mail.reply_to = [addr for _, addr in getaddresses(parsed.get_all("Reply-To", []))] or mail.reply_to
    headers_to = [addr for _, addr in getaddresses(parsed.get_all("To", []))]
    mail.to = headers_to or mail.to
    mail.cc = [addr for _, addr in getaddresses(parsed.get_all("Cc", []))]
    part = parsed.get_body(preferencelist=("plain", "html"))
    mail.body = str(part.get_content()) if isinstance(part, EmailMessage) else ""


class Mailbox:
    """Reads moto's in-process SES backend; stamps each message with the time it was first seen. Keeps the
    newest SENT_MAIL_KEPT mails, as moto does (localrunner.moto_bounds)."""

    def __init__(self, account_id: str, region: str, sent: SentMailHeaders | None = None) -> None:
        self._account_id = account_id
        self._region = region
        self._sent = sent or SentMailHeaders()
        self._lock = threading.Lock()
        self._mails: deque[Mail] = deque(maxlen=SENT_MAIL_KEPT)
        self._seen = 0  # how many messages moto has had, of those read
        self._unechoed: deque[Mail] = deque(maxlen=SENT_MAIL_KEPT)  # for the console watcher

    def _fresh_messages(self) -> list[tuple[Any, str]]:
        """moto's messages sent since the last call, each with the time the mailbox first saw it (kept on the
        message itself, so it is saved with moto's state and a restart shows the same time)."""
        from moto.ses.models import ses_backends

        with MOTO_LOCK:
            messages = ses_backends[self._account_id][self._region].sent_messages
            total = int(getattr(messages, "appended", len(messages)))
            unread = min(len(messages), total - self._seen)
            fresh = list(messages)[len(messages) - unread:] if unread > 0 else []
            self._seen = total
            for message in fresh:
                if not getattr(message, SEEN_AT, None):
                    setattr(message, SEEN_AT, _now())
            return [(message, getattr(message, SEEN_AT)) for message in fresh]

    def sync(self) -> list[Mail]:
        """Pick up messages sent since the last call; returns the new ones."""
        with self._lock:
            new = [_from_moto(message, seen_at, self._sent) for message, seen_at in self._fresh_messages()]
            self._mails.extend(new)
            self._unechoed.extend(new)
            return new

    def prime(self) -> None:
        """Reads the mail already there (kept from before a restart) without echoing it to the console again."""
        self.sync()
        with self._lock:
            self._unechoed.clear()

    def items(self, to: str | None = None) -> list[dict[str, Any]]:
        """All mail, oldest first, optionally only mail with `to` among its recipients."""
        self.sync()
        wanted = _address(to) if to else None
        with self._lock:
            mails = list(self._mails)
        return [
            mail.as_json() for mail in mails if wanted is None or wanted in (_address(r) for r in mail.recipients())
        ]

    def watch(self, stop: threading.Event, interval: float = 0.25) -> None:
        """Echo new mail to the console until stop is set (run in a daemon thread)."""
        while not stop.wait(interval):
            try:
                self.sync()
                with self._lock:
                    unseen = list(self._unechoed)
                    self._unechoed.clear()
                for mail in unseen:
                    log.info(
                        "\n---- mail %s\nFrom: %s\nReply-To: %s\nTo: %s\nSubject: %s\n\n%s\n----",
                        mail.id,
                        mail.sender,
                        ", ".join(mail.reply_to) or "-",
                        ", ".join(mail.recipients()),
                        mail.subject,
                        mail.body[:4000],
                    )
            except Exception:
                log.exception("mailbox watcher failed")
