"""A profile's activity timeline (issue 29): what the storefront tracks, what the store's events say happened to
the profile, and the staff's reads of both.

- `record_activity` is the one way to add an activity inside another change's transaction (a form submission,
  an email open): the activity's item and profile find's `has_activity` fact, two writes to join it.
- The storefront's track call is one transaction (one AWS call): the session's and the store's checks, the
  session's rate counter, the activity and the fact; nothing of the profile is read or rewritten.
- The store's events become activities from the outbox stream (`EventActivities`, run by the events function), so
  every writer of an event gets its activity without a second write in its own transaction.
- An activity expires by TTL `activity_retention_days` after it happened (the store's setting, read once per
  container and kept a few minutes: profiles.activity_items); reads skip the expired ones DynamoDB has not deleted yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, field_validator

from storecrm.clock import new_id, now
from storecrm.crm.models.activities import Activity, ActivityContext
from storecrm.crm.repositories.activities import ActivityRepository
from storecrm.identity.auth import Principal, RateLimit, SigningKeys, own_session_id
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import NotFound, RateLimited, TransactionConflict, Unauthorized, ValidationFailed
from storecrm.kernel.fields import Command
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.table import Write, check
from storecrm.messaging import email_tracking
from storecrm.profiles.activity_items import DEFAULT_RETENTION_DAYS, RetentionCache
from storecrm.stores.access import StoreGuard
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.config import Settings
    from storecrm.identity.repositories.auth import CodeRepository
    from storecrm.kernel.models.events import OutboxEvent
    from storecrm.stores.repositories.stores import StoreRepository

# arky-sdk 0.9.1's COMMON_ACTIVITY_TYPES (src/api/storefront.ts); a store may track its own types too.
COMMON_ACTIVITY_TYPES = (
    "page_view", "product_view", "service_view", "provider_view", "cart_added", "cart_removed", "checkout_started",
    "purchase", "order_created", "signin", "signup", "verified_email", "search", "share", "wishlist_added",
)
MAX_PAYLOAD_BYTES = 4096
EMAIL_OPENED = "email_opened"

ActivityType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$", description=(
    "One of COMMON_ACTIVITY_TYPES or the store's own: lower case, digits and `_.:-`, at most 64 characters"))]
SESSION_ENDED = Unauthorized("The session has ended; start a new one", "GENERAL.INVALID_TOKEN")
STORE_NOT_FOUND = NotFound("Store not found", "STORE.NOT_FOUND")
PROFILE_NOT_FOUND = NotFound("Profile not found", "PROFILE.NOT_FOUND")


def new_activity(store_id: str, profile_id: str, type_: str, payload: Mapping[str, Any] | None = None, *,
                 at: int, retention_days: int = DEFAULT_RETENTION_DAYS, context: ActivityContext | None = None,
                 activity_id: str | None = None) -> Activity:
    return Activity.model_validate({
        **(context.model_dump() if context else {}), "id": activity_id or new_id(), "store_id": store_id,
        "profile_id": profile_id, "type": type_, "payload": dict(payload or {}), "created_at": at,
        "expires_at": at + retention_days * 24 * 3600})


def record_activity(store_id: str, profile_id: str, type_: str, payload: Mapping[str, Any] | None = None, *,
                    at: int, retention_days: int = DEFAULT_RETENTION_DAYS, context: ActivityContext | None = None,
                    activity_id: str | None = None) -> list[Write]:
    """The writes that add an activity to a profile's timeline, to join the transaction of the change it records
    (e.g. a form submission: `record_activity(store.id, profile.id, "form_submitted", {"form_id": ...,
    "submission_id": ...}, at=at, retention_days=store.activity_retention_days)`). The same `activity_id` and `at`
    written twice make one activity."""
    activity = new_activity(store_id, profile_id, type_, payload, at=at, retention_days=retention_days,
                            context=context, activity_id=activity_id)
    return [ActivityRepository.put_write(activity), ActivityRepository.flag_write(store_id, profile_id)]


class TrackRequest(Command):
    type: ActivityType
    payload: dict[str, Any] = Field(default_factory=dict, description=f"At most {MAX_PAYLOAD_BYTES} bytes of JSON")

    @field_validator("payload")
    @classmethod
    def _small(cls, payload: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(payload, separators=(",", ":")).encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"must be at most {MAX_PAYLOAD_BYTES} bytes of JSON")
        return payload


class TimelineQuery(Command):
    profile_id: str = Field(min_length=1, max_length=64)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2000)


class ActivityQuery(Command):
    profile_id: str | None = Field(default=None, min_length=1, max_length=64)
    types: list[ActivityType] = Field(default_factory=list, max_length=20)
    since: int | None = Field(default=None, ge=0, le=9_999_999_999, alias="from")
    until: int | None = Field(default=None, ge=0, le=9_999_999_999, alias="to")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2000)

    model_config = {"populate_by_name": True}


class _Position(Model):
    """Where a page ended: the list it belongs to and the last key read."""

    list: str
    key: dict[str, str]


@dataclass(frozen=True)
class ActivityPage:
    items: list[Activity]
    cursor: str | None


def _page(found: list[Activity], last_key: Mapping[str, Any] | None, list_name: str) -> ActivityPage:
    cursor = cursors.encode(_Position(list=list_name, key={k: str(v) for k, v in last_key.items()})) \
        if last_key else None
    return ActivityPage(found, cursor)


def _after(cursor: str | None, list_name: str) -> dict[str, Any] | None:
    position = cursors.decode(cursor, _Position)
    if position is None:
        return None
    if position.list != list_name:
        raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
    return dict(position.key)


class ActivityService:
    def __init__(self, activities: ActivityRepository, stores: StoreRepository, counters: CodeRepository,
                 guard: StoreGuard, signing: Callable[[], SigningKeys], config: Settings) -> None:
        self.activities = activities
        self.stores = stores
        self.counters = counters
        self.guard = guard
        self.signing = signing
        self.config = config
        self.retention = RetentionCache(stores)

    # ------------------------------------------------------------ storefront
    def track(self, store_id: str, caller: Principal, body: TrackRequest, context: ActivityContext) -> Activity:
        """One transaction: the session is live and the store's, the store exists, the session has tracks left in
        this window (429 when not), the activity and the `has_activity` fact."""
        session_id = own_session_id(caller, store_id)
        at = now()
        activity = new_activity(store_id, caller.subject, body.type, body.payload, at=at,
                                retention_days=self.retention.days(store_id), context=context)
        limit = RateLimit("activity-track", session_id, self.config.activity_tracks_per_session,
                          self.config.activity_track_window)
        writes = [
            check(keys.session(session_id), "attribute_exists(PK) AND owner_id = :profile AND store_id = :store "
                  "AND refresh_expires_at > :at", values={":profile": caller.subject, ":store": store_id, ":at": at},
                  error=SESSION_ENDED),
            check(keys.store(store_id), "attribute_exists(PK)", error=STORE_NOT_FOUND),
            self.counters.count_write(limit, at),
            ActivityRepository.put_write(activity),
            ActivityRepository.flag_write(store_id, caller.subject),
        ]
        try:
            self.activities.table.transact(writes)
        except TransactionConflict:  # another track of this session changed its counter at that moment
            raise RateLimited(retry_after=1) from None
        return activity

    # ------------------------------------------------------------ mail
    def email_opened(self, raw_token: str) -> Activity | None:
        """An `email_opened` activity for the mail's profile when the pixel's token is ours and unexpired, the profile
        still exists and the mail's opens in this hour are not used up (a mail client fetching the image again and
        again); None, and nothing written, otherwise. One transaction."""
        at = now()
        token = email_tracking.read(raw_token, self.signing(), at)
        if token is None:
            return None
        try:
            days = self.retention.days(token.store_id)
        except NotFound:
            return None
        activity = new_activity(token.store_id, token.profile_id, EMAIL_OPENED, {"mail_id": token.mail_id}, at=at,
                                retention_days=days)
        limit = RateLimit("email-open", f"{token.store_id}#{token.mail_id}", self.config.email_opens_per_mail,
                          3600)
        try:
            self.activities.table.transact([
                self.activities.profile_check(token.store_id, token.profile_id, PROFILE_NOT_FOUND),
                self.counters.count_write(limit, at),
                ActivityRepository.put_write(activity),
                ActivityRepository.flag_write(token.store_id, token.profile_id)])
        except (NotFound, RateLimited, TransactionConflict):
            return None
        return activity

    # ------------------------------------------------------------ staff
    def timeline(self, principal: Principal, store_id: str, q: TimelineQuery) -> ActivityPage:
        """One profile's activities, newest first: the access read (with the profile), then one Query."""
        access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES, extra=[keys.profile(q.profile_id)])
        profile = access.view.extras.get(keys.profile(q.profile_id))
        if profile is None or profile.get("store_id") != store_id:
            raise PROFILE_NOT_FOUND
        list_name = f"timeline:{q.profile_id}"
        found, last = self.activities.profile_page(store_id, q.profile_id, limit=q.limit,
                                                   after=_after(q.cursor, list_name))
        return _page(found, last, list_name)

    def find(self, principal: Principal, store_id: str, q: ActivityQuery) -> ActivityPage:
        """The store's activities by type and time range, newest first: the access read, then one Query (the
        profile's key range when one is named, else the type's index for one type, else the store's index).
        With several types, or types and a profile, the page is filtered after it is read, so it may hold fewer
        than `limit` items while the cursor goes on."""
        if q.since is not None and q.until is not None and q.since > q.until:
            raise ValidationFailed.on("from", "must not be after `to`")
        self.guard.enter(principal, store_id, Action.MANAGE_PROFILES)
        wanted = set(q.types)
        one_type = q.types[0] if len(wanted) == 1 and not q.profile_id else None
        list_name = f"find:{q.profile_id or ''}:{one_type or ''}"
        after = _after(q.cursor, list_name)
        if q.profile_id:
            found, last = self.activities.profile_page(store_id, q.profile_id, limit=q.limit, after=after,
                                                       since=q.since, until=q.until)
        else:
            found, last = self.activities.store_page(store_id, one_type, limit=q.limit, after=after,
                                                     since=q.since, until=q.until)
        if wanted:
            found = [a for a in found if a.type in wanted]
        return _page(found, last, list_name)


class EventActivities:
    """The store's events (outbox items, from the table's stream) as activities of the profile they concern."""

    def __init__(self, activities: ActivityRepository, stores: StoreRepository) -> None:
        self.activities = activities
        self.retention = RetentionCache(stores)

    def record(self, event: OutboxEvent) -> Activity | None:
        """Writes the event's activity (its id is the event's, so a redelivered record writes it again unchanged),
        if the event concerns a profile that still exists; the activity it wrote, or None."""
        found = activity_of_event(event)
        if found is None:
            return None
        profile_id, type_, payload = found
        try:
            days = self.retention.days(event.store_id)
        except NotFound:
            return None  # the store is gone; its purge takes everything
        activity = new_activity(event.store_id, profile_id, type_, payload, at=event.created_at,
                                retention_days=days, activity_id=event.id)
        gone = NotFound("The profile is gone")
        try:
            self.activities.table.transact([self.activities.profile_check(event.store_id, profile_id, gone),
                                            ActivityRepository.put_write(activity),
                                            ActivityRepository.flag_write(event.store_id, profile_id)])
        except NotFound:
            return None  # erased or merged away since: its activities went with it
        return activity


# An order change's reasons (commerce/orders.py, commerce/payments.py), the first that names a step of its own.
_ORDER_STEPS = {"paid": "order_paid", "refunded": "order_refunded", "payment_refunded": "order_refunded",
                "shipped": "order_shipped", "cancelled": "order_cancelled", "payment_hold_expired": "order_cancelled",
                "confirmed": "order_confirmed"}


def activity_of_event(event: OutboxEvent) -> tuple[str, str, dict[str, Any]] | None:
    """(profile id, activity type, payload) of an event that concerns one profile; None for the others."""
    data = event.data
    if event.type in ("order.created", "order.updated"):
        order = data.get("order") or {}
        profile_id = order.get("profile_id")
        if not isinstance(profile_id, str) or not profile_id:
            return None
        payload = {"order_id": order.get("id"), "number": order.get("number")}
        if event.type == "order.created":
            return profile_id, "order_created", payload
        reasons = str(data.get("reason") or "").split(",")
        step = next((_ORDER_STEPS[r] for r in reasons if r in _ORDER_STEPS), "order_updated")
        return profile_id, step, {**payload, "reason": data.get("reason")}
    if event.type == "audience.subscriber_added":
        subscriber = data.get("subscriber") or {}
        profile_id = subscriber.get("profile_id")
        if not isinstance(profile_id, str) or not profile_id:
            return None
        return profile_id, "audience_subscribed", {"audience_id": data.get("audience_id"),
                                                   "audience_key": data.get("audience_key")}
    if event.type in ("profile.created", "profile.merged"):
        profile = data.get("profile") or {}
        profile_id = profile.get("id")
        if not isinstance(profile_id, str) or not profile_id:
            return None
        if event.type == "profile.created":
            return profile_id, "profile_created", {}
        return profile_id, "merge", {"source_id": data.get("source_id")}
    if event.type == "form.submitted":
        profile_id = (data.get("profile") or {}).get("id")
        if not isinstance(profile_id, str) or not profile_id:
            return None
        form = data.get("form") or {}
        return profile_id, "form_submitted", {"form_id": form.get("id"), "form_key": form.get("key"),
                                              "submission_id": (data.get("submission") or {}).get("id")}
    return None
