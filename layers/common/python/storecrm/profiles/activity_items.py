"""The items of a profile's activity, for any context that records one in the transaction of its own change (a
sign-in, a cart's first item, an audience confirmation, a revocation of sessions). Pure builders and the store's
retention, no reads of the timeline: the crm context (storecrm.crm.activities) owns the timeline and its reads and
builds its items here too, so contexts below crm (messaging, commerce) write the same items without importing it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from storecrm.clock import new_id
from storecrm.kernel.errors import NotFound

if TYPE_CHECKING:
    from storecrm.kernel.repositories.table import Write
    from storecrm.stores.repositories.stores import StoreRepository

DEFAULT_RETENTION_DAYS = 365
# A store's retention change reaches a warm container's new activities within this long.
RETENTION_CACHE_SECONDS = 300
ENTITY = "ACTIVITY"
# The context fields of an activity recorded by the server (the storefront's track call fills them from the request).
_NO_CONTEXT = {"country_code": None, "region": None, "city": None, "timezone": None, "device_type": None,
               "browser": None, "os": None, "language": None, "session_idx": None}


def activity_item_write(activity: Mapping[str, Any]) -> Write:
    """The activity's item (its fields as JSON: crm's `Activity`), indexed for the store's lists by time (GSI1) and by
    type and time (GSI2). A put: writing the same activity again changes nothing."""
    # The table's modules load with the first activity, not at the cold start of the functions that may record one.
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.table import put

    created_at, activity_id = int(activity["created_at"]), str(activity["id"])
    store_id, profile_id = str(activity["store_id"]), str(activity["profile_id"])
    pk, sk = keys.activity(store_id, profile_id, created_at, activity_id)
    order = f"{created_at:010d}#{activity_id}"
    return put({**activity, "PK": pk, "SK": sk, "entity": ENTITY,
                "GSI1PK": keys.store_activities(store_id), "GSI1SK": order,
                "GSI2PK": keys.store_activities(store_id, str(activity["type"])), "GSI2SK": order})


def has_activity_write(store_id: str, profile_id: str) -> Write:
    """Profile find's `has_activity` fact (the profile's commerce facts item), set in the activity's transaction: an
    UpdateItem, so it never reads or rewrites the profile."""
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.table import update

    return update(keys.profile_commerce(store_id, profile_id),
                  "SET #entity = :entity, store_id = :store, profile_id = :profile, has_activities = :yes",
                  names={"#entity": "entity"},
                  values={":entity": "PROFILECOMMERCE", ":store": store_id, ":profile": profile_id, ":yes": True})


def activity_writes(store_id: str, profile_id: str, type_: str | Sequence[str],
                    payload: Mapping[str, Any] | None = None, *, at: int, retention_days: int = DEFAULT_RETENTION_DAYS,
                    activity_id: str | None = None) -> list[Write]:
    """The writes that add server-recorded activities (one per type, each with `payload`) to the profile's timeline
    and set its `has_activity` fact once, to join the transaction of the change they record (crm's `record_activity`
    is the same with a request context). `activity_id` only with one type."""
    items = activity_items(store_id, profile_id, type_, payload, at=at, retention_days=retention_days,
                           activity_id=activity_id)
    return [*items, has_activity_write(store_id, profile_id)] if items else []


def activity_items(store_id: str, profile_id: str, type_: str | Sequence[str],
                   payload: Mapping[str, Any] | None = None, *, at: int, retention_days: int = DEFAULT_RETENTION_DAYS,
                   activity_id: str | None = None) -> list[Write]:
    """`activity_writes` without the `has_activity` fact, for a transaction that already updates the profile's facts
    item (it sets `has_activities` in that update: one transaction may write an item once)."""
    types = [type_] if isinstance(type_, str) else list(type_)
    return [activity_item_write({
        **_NO_CONTEXT, "id": activity_id or new_id(), "store_id": store_id, "profile_id": profile_id, "type": kind,
        "payload": dict(payload or {}), "created_at": at, "expires_at": at + retention_days * 24 * 3600})
        for kind in types]


class RetentionCache:
    """Each store's `activity_retention_days`, read once per container and kept a few minutes: a change that records
    an activity must not read the store each time."""

    def __init__(self, stores: StoreRepository, seconds: int = RETENTION_CACHE_SECONDS) -> None:
        self.stores = stores
        self.seconds = seconds
        self._known: dict[str, tuple[int, float]] = {}

    def days(self, store_id: str) -> int:
        """The store's retention; a NotFound `STORE.NOT_FOUND` for a store that does not exist."""
        found = self._known.get(store_id)
        if found is not None and time.monotonic() - found[1] < self.seconds:
            return found[0]
        store = self.stores.get(store_id)
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        self._known[store_id] = (store.activity_retention_days, time.monotonic())
        return store.activity_retention_days

    def known(self, store_id: str, days: int) -> None:
        """Notes a retention read with other items (no read of its own then)."""
        self._known[store_id] = (days, time.monotonic())
