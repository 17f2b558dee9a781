"""The signed-in staff member's own account, as the stores see it (GET /v1/accounts/me, PUT and DELETE
/v1/accounts) and the team search (GET /v1/accounts/search).

The account, its profile fields and its API tokens are identity's (storecrm.identity.account_tokens,
identity.repositories.account_tokens); the memberships are the stores'. Hence this module sits with the stores: it joins
both, and a store's last owner cannot leave by erasing their account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from storecrm.clock import new_id, now
from storecrm.identity.account_tokens import acts_as_login, compose, new_secret
from storecrm.identity.auth import Principal, hash_secret
from storecrm.identity.models.account_tokens import AccountToken
from storecrm.identity.models.accounts import Account, AccountAddress
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from storecrm.kernel.fields import Command
from storecrm.kernel.models.address_input import AddressIn
from storecrm.kernel.models.addresses import Address
from storecrm.stores.models.stores import Membership
from storecrm.stores.permissions import Action, Role
from storecrm.stores.stores import membership_event

if TYPE_CHECKING:
    from storecrm.identity.repositories.account_tokens import AccountTokenRepository
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.stores.access import StoreGuard
    from storecrm.stores.repositories.stores import StoreRepository

MAX_TOKENS = 20
TRANSACTION_ROOM = 100  # DynamoDB's most writes in one transaction
ACCOUNT_GONE = NotFound("Account not found", "ACCOUNT.NOT_FOUND")


# ---------------------------------------------------------------- commands
class AccountAddressIn(Command):
    label: Annotated[str, Field(max_length=100)] | None = None
    address: AddressIn


class ApiTokenIn(Command):
    """arky-sdk 0.9.1's AccountApiToken: `id: null` asks for a new token; an id keeps that token."""

    id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    name: Annotated[str, Field(max_length=100)] | None = None
    expires_at: int | None = Field(default=None, description="Unix seconds; none: until revoked")


class AccountChanges(Command):
    """The client's UpdateAccountProfileParams; a field left out is kept. `api_tokens` is the whole list: a
    token left out is revoked."""

    phone_numbers: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(default=None,
                                                                                         max_length=10)
    addresses: list[AccountAddressIn] | None = Field(default=None, max_length=10)
    api_tokens: list[ApiTokenIn] | None = Field(default=None, max_length=MAX_TOKENS)


class AccountSearch(Command):
    store_id: str | None = Field(default=None, max_length=64)
    query: str | None = Field(default=None, max_length=254)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)


# ---------------------------------------------------------------- answers
@dataclass(frozen=True)
class AccountView:
    account: Account
    memberships: list[Membership]
    tokens: list[AccountToken]


@dataclass(frozen=True)
class NewToken:
    token: AccountToken
    value: str  # in clear this once


class _SearchPosition(Model):
    model_config = {"extra": "forbid"}
    store_id: str
    email: str
    account_id: str


def _token_changes(sent: list[ApiTokenIn], held: list[AccountToken], account_id: str,
                   at: int) -> tuple[list[NewToken], list[AccountToken]]:
    """New tokens for the entries without an id, and the held tokens no entry names (to revoke)."""
    held_ids = {t.id for t in held}
    errors = [FieldError(f"api_tokens.{i}.id", "is not one of the account's tokens")
              for i, t in enumerate(sent) if t.id is not None and t.id not in held_ids]
    errors += [FieldError(f"api_tokens.{i}.expires_at", "must be in the future")
               for i, t in enumerate(sent) if t.id is None and t.expires_at is not None and t.expires_at <= at]
    if errors:
        raise ValidationFailed("Some API tokens cannot be kept or made as sent", errors)
    kept = {t.id for t in sent if t.id is not None}
    created = []
    for entry in (t for t in sent if t.id is None):
        secret, token_id = new_secret(), new_id()
        token = AccountToken(id=token_id, account_id=account_id, name=entry.name, secret_hash=hash_secret(secret),
                             created_at=at, expires_at=entry.expires_at)
        created.append(NewToken(token, compose(account_id, token_id, secret)))
    return created, [t for t in held if t.id not in kept]


class StaffAccounts:
    def __init__(self, tokens: AccountTokenRepository, stores: StoreRepository, guard: StoreGuard) -> None:
        self.tokens = tokens
        self.stores = stores
        self.guard = guard

    @staticmethod
    def _caller(caller: Principal) -> str:
        if caller.kind != "account":
            raise Forbidden("This call needs a store staff login")
        return caller.subject

    def _load(self, account_id: str) -> tuple[Account, list[AccountToken]]:
        items = self.tokens.account_items(account_id)
        account = next((Account.model_validate(i) for i in items if i.get("SK") == "ACCOUNT"), None)
        if account is None:
            raise ACCOUNT_GONE
        return account, self.tokens.tokens_in(items)

    def me(self, caller: Principal) -> AccountView:
        """Two Queries: the account's partition (the account and its tokens), its memberships. A session of one
        store shows that store's membership only."""
        account, tokens = self._load(self._caller(caller))
        memberships = [m for m in self.stores.memberships_of(account.id)
                       if caller.store_id is None or m.store_id == caller.store_id]
        return AccountView(account, sorted(memberships, key=lambda m: m.created_at), tokens)

    def update(self, caller: Principal, changes: AccountChanges) -> list[NewToken]:
        """The account's partition read, then one transaction: the profile fields (only if nobody changed the
        account since it was read), the new tokens, the revoked ones."""
        account_id = self._caller(caller)
        if changes.api_tokens is not None:
            acts_as_login(caller)
        account, held = self._load(account_id)
        at = now()
        created: list[NewToken] = []
        revoked: list[AccountToken] = []
        if changes.api_tokens is not None:
            created, revoked = _token_changes(changes.api_tokens, held, account_id, at)
        fields: Item = {"updated_at": at}
        if changes.phone_numbers is not None:
            fields["phone_numbers"] = changes.phone_numbers
        if changes.addresses is not None:
            fields["addresses"] = [AccountAddress(label=a.label, address=Address.model_validate(a.address.model_dump()))
                                   .model_dump(mode="json") for a in changes.addresses]
        writes: list[Write] = [self.tokens.account_write(account.id, account.revision, fields)]
        writes += [self.tokens.create_write(n.token) for n in created]
        writes += [self.tokens.delete_write(t) for t in revoked]
        self.tokens.apply(writes)
        return created

    def delete(self, caller: Principal) -> None:
        """Refused (409, naming the stores) while the account is the last owner of a store; otherwise its
        memberships, sessions and tokens end and the account and its email marker are erased, in one transaction
        (sessions beyond what fits are deleted just before it). Reads: the account's partition, its memberships,
        their stores (the last-owner check; a deleted store's membership goes alone), its sessions."""
        account_id = self._caller(caller)
        acts_as_login(caller)
        account, tokens = self._load(account_id)
        memberships = self.stores.memberships_of(account_id)
        stores = {s.id: s for s in self.stores.get_many_with([m.store_id for m in memberships], [])[0]}
        last = sorted(m.store_id for m in memberships
                      if m.role == Role.OWNER and m.store_id in stores and stores[m.store_id].owner_count <= 1)
        if last:
            raise Conflict(f"The account is the last owner of {', '.join(last)}: make someone else an owner, "
                           "or delete the store, first", "ACCOUNT.LAST_OWNER")
        writes: list[Write] = []
        for membership in memberships:
            if len(writes) > TRANSACTION_ROOM - 3 - MAX_TOKENS - 2:  # a member of very many stores: leave some first
                self.tokens.apply(writes)
                writes = []
            if membership.store_id not in stores:  # a deleted store, not purged yet
                writes.append(self.stores.remove_member_of_deleted_store_write(membership))
                continue
            writes += self.stores.remove_member_writes(
                membership, [membership_event(membership.store_id, membership, "member_removed")])
        writes += [self.tokens.delete_write(t) for t in tokens]
        writes += self.tokens.erase_writes(account.id, account.email, account.revision)
        writes += self.tokens.session_end_writes(self.tokens.session_keys(account_id),
                                                 room=TRANSACTION_ROOM - len(writes))
        self.tokens.apply(writes)

    def search(self, caller: Principal, q: AccountSearch) -> tuple[list[tuple[Account, Membership]], str | None]:
        """Members of one of the caller's stores whose email starts with `query`, by email: the access check
        (the caller must be a member; anyone else gets the unknown store's 404), then one Query of the store's
        memberships (a store's team is small; its emails are on the memberships)."""
        self._caller(caller)
        if not q.store_id:
            raise ValidationFailed.on("store_id", "is required: the store whose team to search")
        self.guard.enter(caller, q.store_id, Action.READ_STORE)
        start = cursors.decode(q.cursor, _SearchPosition)
        if start is not None and start.store_id != q.store_id:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        prefix = (q.query or "").strip().lower()
        found = sorted((m for m in self.stores.members(q.store_id) if m.email.lower().startswith(prefix)),
                       key=lambda m: (m.email, m.account_id))
        if start is not None:
            found = [m for m in found if (m.email, m.account_id) > (start.email, start.account_id)]
        page = found[:q.limit]
        more = len(found) > q.limit
        cursor = cursors.encode(_SearchPosition(store_id=q.store_id, email=page[-1].email,
                                                account_id=page[-1].account_id)) if more else None
        return [(Account(id=m.account_id, email=m.email, created_at=m.created_at, updated_at=m.updated_at), m)
                for m in page], cursor
