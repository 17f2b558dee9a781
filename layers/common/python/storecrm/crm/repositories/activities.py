"""Profiles' activities: one item each in the store's partition (a profile's timeline is a key prefix there), indexed
for the store's own lists by time (GSI1) and by type and time (GSI2); a TTL removes each after the store's
retention. The store's purge takes them with its partition."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storecrm.clock import now
from storecrm.crm.models.activities import Activity
from storecrm.kernel.errors import DomainError, ValidationFailed
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item
from storecrm.kernel.repositories.table import Item, Table, Write, check, delete
from storecrm.profiles.activity_items import activity_item_write, has_activity_write

# Moved per transaction when a merge moves a profile's activities: a put and a delete each, plus the facts flag.
ACTIVITIES_PER_MOVE = 49
Position = dict[str, Any]
# Sorts after every digit and `#`: the upper end of a time range's key.
_AFTER = "~"


class ActivityRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def put_write(activity: Activity) -> Write:
        """The activity's item, to join a transaction (a put: writing the same activity again changes nothing)."""
        return activity_item_write(activity.model_dump(mode="json"))

    @staticmethod
    def flag_write(store_id: str, profile_id: str) -> Write:
        """Profile find's `has_activity` fact, set in the activity's transaction (never reads the profile)."""
        return has_activity_write(store_id, profile_id)

    @staticmethod
    def profile_check(store_id: str, profile_id: str, error: DomainError) -> Write:
        """Joins a transaction to make it fail unless the profile exists in this store (not erased or merged away)."""
        return check(keys.profile(profile_id), "attribute_exists(PK) AND store_id = :store",
                     values={":store": store_id}, error=error)

    def profile_page(self, store_id: str, profile_id: str, *, limit: int, after: Position | None,
                     since: int | None = None, until: int | None = None) -> tuple[list[Activity], Position | None]:
        """One profile's activities, newest first: one Query on its key prefix in the store's partition."""
        prefix = keys.activities_of(profile_id)
        partition = keys.store_partition(store_id)
        check_cursor(after, partition)
        if after is not None and not str(after["SK"]).startswith(prefix):
            raise ValidationFailed.on("cursor", "The cursor is not valid for this list; start again without it")
        low = f"{prefix}{since:010d}" if since is not None else prefix
        high = f"{prefix}{until:010d}{_AFTER}" if until is not None else f"{prefix}{_AFTER}"
        page = self.table.query(partition, sk_between=(low, high), limit=limit, start_key=after, forward=False)
        return _activities(page.items), page.last_key

    def store_page(self, store_id: str, activity_type: str | None, *, limit: int, after: Position | None,
                   since: int | None = None, until: int | None = None) -> tuple[list[Activity], Position | None]:
        """The store's activities (of one type, or all), newest first: one Query on GSI2 or GSI1."""
        index = "GSI2" if activity_type else "GSI1"
        partition = keys.store_activities(store_id, activity_type)
        check_cursor(after, partition, index)
        low = f"{since:010d}" if since is not None else "0"
        high = f"{until:010d}{_AFTER}" if until is not None else _AFTER
        page = self.table.query(partition, sk_between=(low, high), index=index, limit=limit, start_key=after,
                                forward=False)
        return _activities(page.items), page.last_key

    def _keys_of(self, store_id: str, profile_id: str, keys_only: bool = False) -> Iterable[Item]:
        return self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.activities_of(profile_id),
                                    keys_only=keys_only)

    def erase(self, store_id: str, profile_id: str) -> int:
        """Deletes every activity of a profile (its erasure): a Query of its prefix, then batches of deletes."""
        found = [(str(item["PK"]), str(item["SK"])) for item in self._keys_of(store_id, profile_id, keys_only=True)]
        self.table.delete_many(found)
        return len(found)

    def move(self, store_id: str, source_id: str, target_id: str) -> int:
        """Re-files a merged profile's activities under the profile it was merged into (same ids and times), in
        transactions that each put the moved copies and delete the originals; run again, it finishes a cut-short
        move (what moved is no longer under the source)."""
        moved = _activities(list(self._keys_of(store_id, source_id)), keep_expired=True)
        for start in range(0, len(moved), ACTIVITIES_PER_MOVE):
            writes: list[Write] = []
            for activity in moved[start:start + ACTIVITIES_PER_MOVE]:
                writes.append(self.put_write(activity.model_copy(update={"profile_id": target_id})))
                writes.append(delete(keys.activity(store_id, source_id, activity.created_at, activity.id)))
            self.table.transact([*writes, self.flag_write(store_id, target_id)])
        return len(moved)


def _activities(items: list[Item], keep_expired: bool = False) -> list[Activity]:
    at = now()
    found = [a for item in items if (a := from_item(Activity, item)) is not None]
    # DynamoDB's TTL deletes lazily (moto never): an expired activity is gone for every reader.
    return found if keep_expired else [a for a in found if a.expires_at > at]
