"""Outbox events as the DynamoDB stream carries them, and what a profile's erasure does to the events and
delivery log entries that carry its data."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from storecrm.config import settings
from storecrm.kernel.models.events import OutboxEvent, erased_data
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table
from storecrm.kernel.repositories.table import ConditionFailed, Table, deserialize, put, update


def event_from_stream_image(image: dict[str, Any]) -> OutboxEvent:
    """The outbox item in a stream record's NewImage (DynamoDB JSON) as the event it stores."""
    return OutboxEvent.model_validate(deserialize(image))


class ProfileEventLog:
    """The outbox events and webhook delivery log entries indexed under a profile (GSI2, see keys.profile_events)."""

    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def mark_erased(self, store_id: str, profile_id: str, at: int) -> None:
        """Records the erasure where the webhook dispatcher looks before each attempt, for as long as a message
        of its events may still be queued or redriven (the events' retention; TTL removes it; the store's purge
        too)."""
        pk, sk = keys.erased_profile(store_id, profile_id)
        self.table.write(put({"PK": pk, "SK": sk, "entity": "ERASEDPROFILE", "profile_id": profile_id,
                              "erased_at": at, "expires_at": at + settings().event_retention}))

    def redact(self, store_id: str, profile_id: str, at: int) -> int:
        """Replaces the data of every event and delivery log entry of the profile with erased_data (their
        type, ids and times stay), and takes them out of the profile's index: a Query of it, then one
        UpdateItem each (an entry gone meanwhile is skipped). Safe to run again."""
        redacted = 0
        erased = erased_data(profile_id)
        for item in self.table.query_all(keys.profile_events(store_id, profile_id), index="GSI2"):
            key = (str(item["PK"]), str(item["SK"]))
            if key[0] == keys.store_deliveries(store_id):
                change = update(key, "SET #event.#data = :erased, erased_at = :at REMOVE GSI2PK, GSI2SK",
                                condition="attribute_exists(PK)", names={"#event": "event", "#data": "data"},
                                values={":erased": erased, ":at": at})
            else:
                change = update(key, "SET #data = :erased, erased_at = :at REMOVE GSI2PK, GSI2SK",
                                condition="attribute_exists(PK)", names={"#data": "data"},
                                values={":erased": erased, ":at": at})
            with suppress(ConditionFailed):  # expired and removed meanwhile
                self.table.write(change)
                redacted += 1
        return redacted

    def hand_over(self, store_id: str, source_id: str, target_id: str) -> int:
        """Indexes a merged source's events and delivery log entries under the target it was merged into (its data
        now belongs to the target, whose erasure must find them): a Query, then one UpdateItem each."""
        moved = 0
        for item in self.table.query_all(keys.profile_events(store_id, source_id), index="GSI2"):
            with suppress(ConditionFailed):  # expired and removed meanwhile
                self.table.write(update((str(item["PK"]), str(item["SK"])), "SET GSI2PK = :target",
                                        condition="attribute_exists(PK)",
                                        values={":target": keys.profile_events(store_id, target_id)}))
                moved += 1
        return moved
