"""A store's team: adding and removing members, with the role rules from permissions.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.identity.models.accounts import Account
from storecrm.kernel.errors import AlreadyMember, Conflict, NotFound
from storecrm.kernel.fields import Command, Email
from storecrm.stores.access import StoreGuard
from storecrm.stores.models.stores import Membership
from storecrm.stores.permissions import Action, Role, action_for_member_change, require
from storecrm.stores.stores import membership_event

if TYPE_CHECKING:
    from storecrm.identity.repositories.accounts import AccountRepository
    from storecrm.kernel.repositories.table import Write
    from storecrm.stores.repositories.stores import StoreRepository


class NewMember(Command):
    email: Email
    role: Role = Role.ADMIN


class TeamService:
    def __init__(self, stores: StoreRepository, accounts: AccountRepository, guard: StoreGuard) -> None:
        self.stores = stores
        self.accounts = accounts
        self.guard = guard

    def add_member(self, principal: Principal, store_id: str, data: NewMember) -> Membership:
        """Adds the person at once (no invitation mail), creating their account if needed.

        Adding someone who is already a member changes their role; the same role is a no-op.
        The write assumes a newcomer (two calls); only a role change reads the membership first.
        """
        marker = self.accounts.email_key(data.email)
        access = self.guard.enter(principal, store_id, Action.MANAGE_MEMBERS, extra=[marker])
        account_id = self.accounts.id_from_marker(access.view.extras.get(marker))
        at = now()
        account_writes: list[Write] = []
        if account_id is None:
            account = Account(id=new_id(), email=data.email, created_at=at, updated_at=at)
            account_writes = self.accounts.create_writes(account)
            account_id = account.id
        require(access.role, action_for_member_change(data.role))
        membership = Membership(store_id=store_id, account_id=account_id, email=data.email, role=data.role,
                                created_at=at, updated_at=at)
        try:
            self.stores.add_member(access.store, membership, None, account_writes,
                                   [membership_event(store_id, membership, "member_added")])
            return membership
        except AlreadyMember:
            pass
        previous = self.stores.load(store_id, [account_id]).members.get(account_id)
        if previous is None:  # removed meanwhile
            raise Conflict("The team changed meanwhile, try again")
        require(access.role, action_for_member_change(data.role, previous.role))
        if previous.role == data.role:
            return previous
        membership = membership.model_copy(update={"created_at": previous.created_at})
        self.stores.add_member(access.store, membership, previous, [],
                               [membership_event(store_id, membership, "role_changed")])
        return membership

    def remove_member(self, principal: Principal, store_id: str, account_id: str) -> None:
        access = self.guard.enter(principal, store_id, Action.MANAGE_MEMBERS, other_accounts=[account_id])
        target = access.view.members.get(account_id)
        if target is None:
            raise NotFound("No such member in this store", "MEMBER.NOT_FOUND")
        require(access.role, action_for_member_change(target.role))
        self.stores.remove_member(access.store, target, [membership_event(store_id, target, "member_removed")])
