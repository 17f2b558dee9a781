"""A profile's activity: what it did (tracked by the storefront) or what happened to it (the store's events)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from storecrm.kernel.models.base import Entity


class ActivityContext(Entity):
    """Where and on what the request came from: the viewer headers and the User-Agent, never the body."""

    country_code: str | None = None
    region: str | None = None
    city: str | None = None
    timezone: str | None = None
    device_type: str | None = None
    browser: str | None = None
    os: str | None = None
    language: str | None = None


class Activity(ActivityContext):
    """arky-sdk 0.9.1's `Activity` (src/api/crm.ts)."""

    id: str
    store_id: str
    profile_id: str
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: int
    session_idx: int | None = None
    # When its TTL removes it: created_at + the store's activity_retention_days (reads skip it after that).
    expires_at: int
