"""The subscription rules every audience call shares, apart from the audiences' administration (so that the
profile functions, which list and merge subscriptions, load these and not the rest): who has access, which of
two subscriptions wins a merge, and when subscribers are announced.
"""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.kernel.models.events import OutboxEvent
from storecrm.messaging.models.audiences import Audience, Subscription, SubscriptionStatus
from storecrm.profiles.models.profiles import Profile

SUBSCRIBER_ADDED = "audience.subscriber_added"
# Best first: when a merge leaves two subscriptions to one audience, the better one stays.
STATUS_RANK: dict[SubscriptionStatus, int] = {"active": 0, "cancellation_scheduled": 1, "pending": 2,
                                              "cancelled": 3, "expired": 4}
SUBSCRIBED = frozenset({"active", "cancellation_scheduled"})


def grants_access(subscription: Subscription | None, at: int) -> bool:
    """The one access rule: active, or cancelled for the period end that has not come yet."""
    if subscription is None:
        return False
    if subscription.status == "active":
        return True
    return (subscription.status == "cancellation_scheduled" and subscription.current_period_end is not None
            and subscription.current_period_end > at)


def better_subscription(a: Subscription, b: Subscription) -> Subscription:
    """The one to keep when a profile ends up subscribed twice (merge); ties keep `a`."""
    return b if STATUS_RANK[b.status] < STATUS_RANK[a.status] else a


def repointed(source: Sequence[Subscription], target: Sequence[Subscription], profile: Profile,
              at: int) -> list[tuple[Subscription, Subscription | None]]:
    """A merge moves the source's subscriptions to the target profile: (new, replaced target one).

    Where both were subscribed to one audience, the better status stays (see STATUS_RANK); when the
    target's own is the better one, nothing is written for it. The source's are deleted by the caller.
    """
    theirs = {s.audience_id: s for s in target}
    moved: list[tuple[Subscription, Subscription | None]] = []
    for sub in source:
        existing = theirs.get(sub.audience_id)
        if existing is not None and better_subscription(existing, sub) is existing:
            continue
        moved.append((sub.model_copy(update={
            "profile_id": profile.id, "email": profile.email, "updated_at": at,
            "revision": existing.revision + 1 if existing else 1}), existing))
    return moved


def profile_subscriptions(listed: list[Subscription], profile: Profile) -> list[Subscription]:
    """A profile's subscriptions as its detail lists them (staff GET profile, the shopper's me), from
    the profile's subscription list, which the detail reads in the BatchGetItem that reads the profile."""
    return [s for s in listed if s.store_id == profile.store_id]


def subscriber_added(audience: Audience, subscription: Subscription) -> OutboxEvent:
    """Announced when a subscription becomes active (never while pending)."""
    return OutboxEvent.new(SUBSCRIBER_ADDED, audience.store_id, {
        "audience_id": audience.id, "audience_key": audience.key, "subscriber": subscription.subscriber_view()})


def new_subscription(audience: Audience, profile: Profile, status: SubscriptionStatus, source: str, at: int,
                     previous: Subscription | None, created_by: str | None = None) -> Subscription:
    """A fresh subscription (replacing an earlier one, whose revision it continues); `created_by` is the
    profile session that subscribed, if one did."""
    return Subscription.model_validate({
        "audience_id": audience.id, "store_id": audience.store_id, "profile_id": profile.id, "email": profile.email,
        "status": status, "source": source, "subscribed_at": at, "created_at": at, "updated_at": at,
        "origin_session_id": created_by, "revision": previous.revision + 1 if previous else 1})
