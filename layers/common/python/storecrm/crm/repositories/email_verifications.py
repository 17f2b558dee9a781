"""Mailed email-verification tokens: one per profile, replaced by each new request, deleted when used."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.crm.models.customers import EmailVerification
from storecrm.kernel.errors import DomainError
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put


class EmailVerificationRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(profile_id: str) -> keys.Key:
        return keys.email_verification(profile_id)

    @staticmethod
    def from_item(item: Item | None) -> EmailVerification | None:
        return from_item(EmailVerification, item)

    @staticmethod
    def issue_write(record: EmailVerification) -> Write:
        """Stores the token, replacing the profile's earlier one (only the latest mail works)."""
        return put(to_item(record, keys.email_verification(record.profile_id), "EMAILVERIFY",
                           expires_at=record.expires_at))

    def issue(self, record: EmailVerification, also: Sequence[Write] = ()) -> None:
        self.table.transact([self.issue_write(record), *also])

    @staticmethod
    def consume_write(record: EmailVerification, refused: DomainError) -> Write:
        """Deletes the token in the confirmation's transaction, only if it is still this one (single use)."""
        return delete(keys.email_verification(record.profile_id), condition="secret_hash = :hash",
                      values={":hash": record.secret_hash}, error=refused)

    def consume(self, record: EmailVerification, refused: DomainError, also: Sequence[Write]) -> None:
        self.table.transact([self.consume_write(record, refused), *also])
