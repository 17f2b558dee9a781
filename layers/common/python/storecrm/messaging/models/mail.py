"""A store's mail in the outbox: decided, rendered and written in the transaction that decided it, then sent once by
the mail function (storecrm.messaging.store_mail)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.clock import new_id
from storecrm.kernel.models.base import Entity

# The store mails: a double opt-in confirmation, an abandoned cart's recovery, a booking's reminder, a shipment's
# tracking link.
StoreMailKind = Literal["confirmation", "cart_recovery", "order_reminder", "order_shipped"]


class OutboxMail(Entity):
    """Everything the send needs, so the mail function reads nothing else: the recipient, the rendered mail, the
    sender's display name and Reply-To (already checked against the store's rules) and extra headers."""

    id: str
    store_id: str
    kind: StoreMailKind
    to: str
    subject: str
    html: str
    text: str
    from_name: str
    reply_to: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    created_at: int
    # The profile the mail concerns, if any: the mail function then adds its tracking pixel (email_tracking).
    profile_id: str | None = None

    @classmethod
    def new(cls, store_id: str, kind: StoreMailKind, to: str, *, subject: str, html: str, text: str,
            from_name: str, reply_to: str | None, at: int, headers: dict[str, str] | None = None,
            profile_id: str | None = None) -> OutboxMail:
        return cls(id=new_id(), store_id=store_id, kind=kind, to=to, subject=subject, html=html, text=text,
                   from_name=from_name, reply_to=reply_to, headers=headers or {}, created_at=at,
                   profile_id=profile_id or None)
