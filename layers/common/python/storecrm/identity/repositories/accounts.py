"""Store staff accounts and their unique email markers."""

from __future__ import annotations

from storecrm.identity.models.accounts import Account
from storecrm.kernel.errors import Conflict
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Table, Write, put


class AccountRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def get(self, account_id: str) -> Account | None:
        return from_item(Account, self.table.get(keys.account(account_id)))

    def id_for_email(self, email: str) -> str | None:
        marker = self.table.get(keys.account_email(email))
        return marker["account_id"] if marker else None

    @staticmethod
    def create_writes(account: Account) -> list[Write]:
        taken = Conflict(f"An account with email {account.email} already exists", "ACCOUNT.EMAIL_TAKEN")
        return [
            put(to_item(account, keys.account(account.id), "ACCOUNT"), unless_exists=taken),
            put({"PK": keys.account_email(account.email)[0], "SK": keys.account_email(account.email)[1],
                 "entity": "ACCOUNTEMAIL", "account_id": account.id}, unless_exists=taken),
        ]

    @staticmethod
    def email_key(email: str) -> keys.Key:
        """The marker to read (batched with other reads) to find an account by email."""
        return keys.account_email(email)

    @staticmethod
    def id_from_marker(marker: dict[str, object] | None) -> str | None:
        return str(marker["account_id"]) if marker else None
