"""Authorization for store-scoped calls, in one place.

A caller who is not a member gets the same 404 as for a store that does not exist, so store ids
cannot be probed; a member whose role lacks the right gets a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storecrm.domain.auth import Principal
from storecrm.domain.errors import Forbidden, NotFound
from storecrm.domain.models import Membership, Store
from storecrm.domain.permissions import Action, require

if TYPE_CHECKING:
    from storecrm.repositories.keys import Key
    from storecrm.repositories.stores import StoreRepository, StoreView

STORE_NOT_FOUND = "Store not found"


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
        return StoreAccess(view.store, caller, view)
