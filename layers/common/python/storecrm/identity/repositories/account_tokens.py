"""Personal API tokens, kept in their account's partition (`ACCOUNT#{id}` / `APITOKEN#{tokenId}`), so the account
and its tokens are read together and erased together."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.identity.models.account_tokens import AccountToken
from storecrm.kernel.errors import Conflict
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, update

TOKEN_PREFIX = "APITOKEN#"
CHANGED = Conflict("The account changed meanwhile, try again", "ACCOUNT.CONFLICT")


def _as_read(revision: int) -> tuple[str, Item]:
    """The condition that the account exists at `revision` (accounts made before revisions have none: 0)."""
    if revision == 0:
        return "attribute_exists(PK) AND (attribute_not_exists(revision) OR revision = :read)", {":read": 0}
    return "attribute_exists(PK) AND revision = :read", {":read": revision}


def token_key(account_id: str, token_id: str) -> keys.Key:
    return keys.account(account_id)[0], f"{TOKEN_PREFIX}{token_id}"


class AccountTokenRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def load_for_use(self, account_id: str | None, token_id: str | None,
                     also: Sequence[keys.Key]) -> tuple[AccountToken | None, bool, dict[keys.Key, Item]]:
        """The token, whether its account exists, and the `also` items (rate counters), in one consistent
        BatchGetItem: a revoke or an erasure a moment ago is seen."""
        wanted = list(also)
        if account_id and token_id:
            wanted += [keys.account(account_id), token_key(account_id, token_id)]
        found = self.table.get_many(wanted, consistent=True)
        if not (account_id and token_id):
            return None, False, found
        token = from_item(AccountToken, found.get(token_key(account_id, token_id)))
        return token, keys.account(account_id) in found, found

    def account_items(self, account_id: str) -> list[Item]:
        """The account item and its tokens: one Query of the account's partition."""
        return list(self.table.query_all(keys.account(account_id)[0]))

    @staticmethod
    def tokens_in(items: Sequence[Item]) -> list[AccountToken]:
        return sorted((t for item in items if str(item.get("SK", "")).startswith(TOKEN_PREFIX)
                       if (t := from_item(AccountToken, item)) is not None), key=lambda t: (t.created_at, t.id))

    @staticmethod
    def create_write(token: AccountToken) -> Write:
        # `expires_at` is the table's TTL attribute too: an expired token goes away by itself, later.
        return put(to_item(token, token_key(token.account_id, token.id), "APITOKEN"),
                   unless_exists=Conflict("API token id collision"))

    @staticmethod
    def delete_write(token: AccountToken) -> Write:
        return delete(token_key(token.account_id, token.id))

    def session_keys(self, account_id: str) -> list[keys.Key]:
        """The account's login sessions (GSI1 by owner), to end them."""
        return [(str(i["PK"]), str(i["SK"])) for i in self.table.query_all(keys.sessions_of("account", account_id),
                                                                         index="GSI1")]

    @staticmethod
    def erase_writes(account_id: str, email: str, read_revision: int) -> list[Write]:
        """The account item, only if it is still as read (a token made meanwhile would be left behind), and its
        email marker."""
        condition, values = _as_read(read_revision)
        return [delete(keys.account(account_id), condition=condition, values=values, error=CHANGED),
                delete(keys.account_email(email))]

    @staticmethod
    def account_write(account_id: str, read_revision: int, fields: Item) -> Write:
        """Sets the account's fields and the next revision, only if it is still at the revision read."""
        fields = {**fields, "revision": read_revision + 1}
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: Item = {f":f{i}": value for i, value in enumerate(fields.values())}
        condition, read = _as_read(read_revision)
        return update(keys.account(account_id), "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
                      condition=condition, names=names, values={**values, **read}, error=CHANGED)

    def session_end_writes(self, session_keys: Sequence[keys.Key], room: int) -> list[Write]:
        """Deletes for the sessions, to join a transaction with `room` writes left; those beyond it are deleted
        right away (before the transaction: a session must not outlive the account)."""
        if len(session_keys) > room:
            self.table.delete_many(list(session_keys[room:]))
        return [delete(k) for k in session_keys[:room]]

    def apply(self, writes: Sequence[Write]) -> None:
        self.table.transact(writes)
