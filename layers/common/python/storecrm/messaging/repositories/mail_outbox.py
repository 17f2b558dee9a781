"""Store mails in the outbox, the store's daily mail count and the recipients mailed lately (see keys.py).

Each is a write that joins the transaction deciding the mail (storecrm.messaging.store_mail.StoreMail.queue), so a
mail is in the outbox exactly when its decision is stored, counted once, and refused as a whole when the day's
quota or the recipient's rule says no.
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storecrm.kernel.errors import DomainError
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, to_item
from storecrm.kernel.repositories.keys import Key
from storecrm.kernel.repositories.table import Item, Table, Write, delete, deserialize, put, update
from storecrm.messaging.models.mail import OutboxMail

# Nothing reads a mail item back: the stream carries it to the mail function within seconds, and keeps it
# 24 hours. The mail function deletes the item once the mail went out (or SES refused it for good); one it could not
# send stays two days, time to look into the failed send; then TTL removes the address and the mail.
MAIL_RETENTION = 2 * 24 * 3600
# A day's count lives until two days after the day ends (the day's answers read it; TTL removes it later).
QUOTA_RETENTION = 3 * 24 * 3600


class MailQuotaReached(DomainError):
    """The store sent as many mails today as its plan allows (the quota write's condition failed)."""

    def __init__(self) -> None:
        super().__init__("The store's daily mail quota is used up", "MAIL.QUOTA_REACHED", 429)


class RecipientMailedLately(DomainError):
    """The address got this kind of mail from the store within the recipient window."""

    def __init__(self) -> None:
        super().__init__("This address got this mail lately", "MAIL.RECIPIENT_LIMITED", 429)


def address_hash(address: str) -> str:
    """The recipient as a key part: a hash, so keys and logs never hold the address itself."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


class MailOutbox:
    def __init__(self, table: Table | None = None) -> None:
        self._table = table

    def forget(self, mail: OutboxMail) -> bool:
        """Deletes a mail item once it is done with; False when the delete failed (the item then goes with its
        TTL)."""
        try:
            (self._table or default_table()).write(delete(keys.store_mail(mail.store_id, mail.created_at, mail.id)))
        except (ClientError, BotoCoreError):
            return False
        return True

    @staticmethod
    def mail_write(mail: OutboxMail) -> Write:
        return put(to_item(mail, keys.store_mail(mail.store_id, mail.created_at, mail.id), "MAIL",
                           expires_at=mail.created_at + MAIL_RETENTION))

    @staticmethod
    def quota_key(store_id: str, day: str) -> Key:
        return keys.mail_quota(store_id, day)

    @staticmethod
    def quota_write(store_id: str, day: str, limit: int | None, day_ends: int) -> Write:
        """Counts one sent mail; with a limit, only while fewer than `limit` were sent that day."""
        condition = "attribute_not_exists(sent) OR sent < :limit" if limit is not None else None
        values: Item = {":one": 1, ":expires": day_ends + QUOTA_RETENTION, ":entity": "MAILQUOTA"}
        if limit is not None:
            values[":limit"] = limit
        return update(keys.mail_quota(store_id, day), "ADD sent :one SET expires_at = :expires, entity = :entity",
                      condition=condition, values=values, error=MailQuotaReached())

    @staticmethod
    def refused_write(store_id: str, day: str, day_ends: int) -> Write:
        """Counts one mail the quota stopped (what staff see as `mail_quota.refused`)."""
        return update(keys.mail_quota(store_id, day), "ADD refused :one SET expires_at = :expires, entity = :entity",
                      values={":one": 1, ":expires": day_ends + QUOTA_RETENTION, ":entity": "MAILQUOTA"})

    @staticmethod
    def recipient_key(store_id: str, scope: str, address: str) -> Key:
        return keys.mailed_recipient(store_id, scope, address_hash(address))

    @staticmethod
    def mailed_lately(item: Item | None, at: int) -> bool:
        """A recipient marker read with other items: still within its window (TTL deletion is lazy)."""
        return item is not None and int(item.get("expires_at", 0)) > at

    @staticmethod
    def recipient_write(store_id: str, scope: str, address: str, at: int, window: int) -> Write:
        """Marks the address as mailed for `window` seconds; fails while an earlier mark has not run out."""
        pk, sk = keys.mailed_recipient(store_id, scope, address_hash(address))
        return put({"PK": pk, "SK": sk, "entity": "MAILED", "expires_at": at + window},
                   condition="attribute_not_exists(PK) OR expires_at <= :at", values={":at": at},
                   error=RecipientMailedLately())


def mail_item_from_stream_image(image: dict[str, Any]) -> Item:
    """The outbox mail in a stream record's NewImage (DynamoDB JSON), as plain data (the idempotent send keys on
    its `id` and validates it)."""
    return {k: v for k, v in deserialize(image).items() if k in OutboxMail.model_fields}
