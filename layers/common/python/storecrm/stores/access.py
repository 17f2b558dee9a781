"""Authorization for store-scoped calls, in one place.

A caller who is not a member gets the same 404 as for a store that does not exist, so store ids
cannot be probed; a member whose role lacks the right gets a 403. An API client's token (issue 15) acts
for its own store only (any other is that 404), for the profile actions its scopes grant (else a 403). A staff
session opened by a store-scoped login acts on that store only: any other store is that 404 too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storecrm.identity.auth import Principal
from storecrm.kernel.errors import Conflict, Forbidden, NotFound
from storecrm.stores.permissions import Action, Role, can, client_scopes_needed, require
from storecrm.stores.plan_limits import ALLOWED_WHEN_LAPSED, LAPSED, check_not_lapsed

if TYPE_CHECKING:
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Write
    from storecrm.stores.models.stores import Membership, Store
    from storecrm.stores.repositories.stores import StoreRepository, StoreView

STORE_NOT_FOUND = "Store not found"


class AccessRefused(Forbidden):
    """A transaction's store-access checks failed (`StoreGuard.checks`); `StoreGuard.refused` says why."""

    def __init__(self) -> None:
        super().__init__("This call is not allowed in this store")


@dataclass
class StoreAccess:
    """What an authorized call works with: the store, the caller's membership (None for an API client),
    the rest of the read."""

    store: Store
    caller: Membership | None
    view: StoreView

    @property
    def role(self) -> Role:
        """The caller's role; an API client has none, so a rule that needs one refuses it."""
        if self.caller is None:
            raise Forbidden("This call needs a store staff login")
        return self.caller.role


def outside_scope(principal: Principal, store_id: str) -> None:
    """A staff session of one store (a store-scoped login) sees no other store: the 404 of a store that does not
    exist, from the token alone."""
    if principal.store_id is not None and principal.store_id != store_id:
        raise NotFound(STORE_NOT_FOUND, "STORE.NOT_FOUND")


class StoreGuard:
    def __init__(self, stores: StoreRepository) -> None:
        self.stores = stores

    def enter(self, principal: Principal, store_id: str, action: Action, *,
              other_accounts: Sequence[str] = (), extra: Sequence[Key] = ()) -> StoreAccess:
        """One BatchGetItem reads the store, the caller's membership and whatever else the call needs."""
        if principal.kind == "client":
            self._client_allowed(principal, store_id, action)
            view = self.stores.load(store_id, other_accounts, extra)
            if view.store is None:
                raise NotFound(STORE_NOT_FOUND, "STORE.NOT_FOUND")
            check_not_lapsed(view.store, action, reading=principal.reading)
            return StoreAccess(view.store, None, view)
        if principal.kind != "account":
            raise Forbidden("This call needs a store staff login")
        outside_scope(principal, store_id)
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
        refused_statuses = () if action in ALLOWED_WHEN_LAPSED else LAPSED
        if principal.kind == "client":
            self._client_allowed(principal, store_id, action)
            return [self.stores.store_check(store_id, AccessRefused(), refused_statuses=refused_statuses)]
        if principal.kind != "account":
            raise Forbidden("This call needs a store staff login")
        outside_scope(principal, store_id)
        return self.stores.access_checks(store_id, principal.subject, [r.value for r in Role if can(r, action)],
                                         AccessRefused(), refused_statuses=refused_statuses)

    def refused(self, principal: Principal, store_id: str, action: Action) -> Exception:
        """The error for a transaction whose `checks` failed: `enter` raises the 404 or the 403 (one
        more read, on the refused path only)."""
        self.enter(principal, store_id, action)
        return Conflict("The store's team changed meanwhile; try again", "STORE.CONFLICT")

    @staticmethod
    def _client_allowed(principal: Principal, store_id: str, action: Action) -> None:
        """Checked from the token alone: another store is the non-member's 404, a missing scope a 403."""
        if principal.store_id != store_id:
            raise NotFound(STORE_NOT_FOUND, "STORE.NOT_FOUND")
        needed = client_scopes_needed(action, principal.reading)
        if needed is None:
            raise Forbidden("An API client may only work with the store's profiles", "GENERAL.INSUFFICIENT_SCOPE")
        missing = needed - principal.scopes
        if missing:
            raise Forbidden(f"The token does not grant the {', '.join(sorted(missing))} scope",
                            "GENERAL.INSUFFICIENT_SCOPE")
