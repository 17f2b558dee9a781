"""Authorization for store-scoped calls, in one place.

A caller who is not a member gets the same 404 as for a store that does not exist, so store ids
cannot be probed; a member whose role lacks the right gets a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storecrm.domain.auth import Principal
from storecrm.domain.errors import Conflict, Forbidden, NotFound
from storecrm.domain.permissions import Action, Role, can, require
from storecrm.domain.plan_limits import ALLOWED_WHEN_LAPSED, LAPSED, check_not_lapsed

if TYPE_CHECKING:
    from storecrm.domain.models.stores import Membership, Store
    from storecrm.repositories.keys import Key
    from storecrm.repositories.stores import StoreRepository, StoreView
    from storecrm.repositories.table import Write

STORE_NOT_FOUND = "Store not found"


class AccessRefused(Forbidden):
    """A transaction's store-access checks failed (`StoreGuard.checks`); `StoreGuard.refused` says why."""

    def __init__(self) -> None:
        super().__init__("This call is not allowed in this store")


@dataclass
class StoreAccess:
    """What an authorized call works with: the store, the caller's membership, the rest of the read."""

    store: Store
    caller: Membership
    view: StoreView


class StoreGuard:
    def __init__(self, stores: StoreRepository) -> None:
        self.stores = stores

    def enter(self, principal: Principal, store_id: str, action: Action, *,
              other_accounts: Sequence[str] = (), extra: Sequence[Key] = ()) -> StoreAccess:
        """One BatchGetItem reads the store, the caller's membership and whatever else the call needs."""
        if principal.kind != "account":
            raise Forbidden("This call needs a store staff login")
        view = self.stores.load(store_id, [principal.subject, *other_accounts], extra)
        caller = view.members.get(principal.subject)
        if view.store is None or caller is None:
            raise NotFound(STORE_NOT_FOUND, "STORE.NOT_FOUND")
        require(caller.role, action)
        check_not_lapsed(view.store, action, reading=principal.reading)
        return StoreAccess(view.store, caller, view)

    def checks(self, principal: Principal, store_id: str, action: Action) -> list[Write]:
        """`enter` as conditions of a transaction, for a write that needs nothing read first. When they
        fail (AccessRefused), `refused` tells why."""
        if principal.kind != "account":
            raise Forbidden("This call needs a store staff login")
        return self.stores.access_checks(store_id, principal.subject, [r.value for r in Role if can(r, action)],
                                         AccessRefused(),
                                         refused_statuses=() if action in ALLOWED_WHEN_LAPSED else LAPSED)

    def refused(self, principal: Principal, store_id: str, action: Action) -> Exception:
        """The error for a transaction whose `checks` failed: `enter` raises the 404 or the 403 (one
        more read, on the refused path only)."""
        self.enter(principal, store_id, action)
        return Conflict("The store's team changed meanwhile; try again", "STORE.CONFLICT")
