"""arky-sdk 0.9.1's `Activity` (src/api/crm.ts), as the staff's timeline and find and the track call answer it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.crm.models.activities import Activity


class ActivityOut(Out):
    id: str
    store_id: str
    profile_id: str
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: int
    country_code: str | None = None
    city: str | None = None
    region: str | None = None
    timezone: str | None = None
    device_type: str | None = None
    browser: str | None = None
    os: str | None = None
    language: str | None = None
    session_idx: int | None = None

    @classmethod
    def of(cls, activity: Activity) -> ActivityOut:
        return cls.model_validate(activity.model_dump(exclude={"expires_at"}))
