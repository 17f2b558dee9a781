"""The outbox: changes other systems may care about."""

from __future__ import annotations

from typing import Any

from storecrm.clock import new_id, now
from storecrm.kernel.models.base import Entity


class OutboxEvent(Entity):
    """A change other systems may care about, written in the same transaction as the change."""

    id: str
    type: str
    store_id: str
    created_at: int
    data: dict[str, Any]

    @classmethod
    def new(cls, type_: str, store_id: str, data: dict[str, Any]) -> OutboxEvent:
        return cls(id=new_id(), type=type_, store_id=store_id, created_at=now(), data=data)

    @property
    def subject_profile_id(self) -> str | None:
        """The profile whose personal data the event carries (a profile, an order or a subscriber of it), so
        that its erasure can find the event and its deliveries; `profile.deleted` carries none."""
        if self.type == "profile.deleted":
            return None
        for holder in ("profile", "order", "subscriber"):
            found = self.data.get(holder)
            if isinstance(found, dict):
                named = found.get("id" if holder == "profile" else "profile_id")
                if isinstance(named, str) and named:
                    return named
        return None

    def erased(self, profile_id: str) -> OutboxEvent:
        """The event as it is kept once its profile was erased: what and when, none of the data."""
        return self.model_copy(update={"data": erased_data(profile_id)})


def erased_data(profile_id: str) -> dict[str, Any]:
    return {"profile_id": profile_id, "erased": True}
