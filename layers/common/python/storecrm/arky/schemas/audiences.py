"""Audiences, subscribers and subscribe and access answers as the arky-style API gives them (a subscription
itself is rendered by subscriptions.py beside this module)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.arky.schemas.subscriptions import SubscriptionOut
from storecrm.messaging.models.audiences import (
    Audience,
    AudienceStatus,
    AudienceType,
    Subscription,
    SubscriptionSource,
    SubscriptionStatus,
)

if TYPE_CHECKING:
    from storecrm.messaging.audience_signup import AccessResult, SubscribeResult


class AudienceOut(Out):
    """Audience exactly as CONTRACTS.md shows it."""

    id: str
    store_id: str
    key: str
    status: AudienceStatus
    type: AudienceType

    @classmethod
    def of(cls, audience: Audience) -> AudienceOut:
        return cls.model_validate(audience.model_dump(include={"id", "store_id", "key", "status", "type"}))


class SubscriberOut(Out):
    """AudienceSubscriber: one profile in an audience's subscriber list."""

    profile_id: str
    email: str | None
    subscribed_at: int
    source: SubscriptionSource
    status: SubscriptionStatus

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriberOut:
        return cls.model_validate(subscription.subscriber_view())


class SubscriberAdded(Out):
    subscriber: SubscriberOut
    skipped: bool


VERIFICATION_REQUIRED = Field(default=False, description=(
    "True when the session only named an email (unverified) and sees no subscription of its own here: the "
    "profile may hold one this session may not see, and verifying by code settles it"))


class SubscribeResponse(Out):
    checkout_url: str | None = None
    subscription: SubscriptionOut | None = None
    verification_required: bool = VERIFICATION_REQUIRED

    @classmethod
    def of(cls, result: SubscribeResult) -> SubscribeResponse:
        return cls(checkout_url=result.checkout_url, verification_required=result.verification_required,
                   subscription=SubscriptionOut.of(result.subscription) if result.subscription else None)


class AccessResponse(Out):
    has_access: bool
    subscription: SubscriptionOut | None = None
    verification_required: bool = VERIFICATION_REQUIRED

    @classmethod
    def of(cls, result: AccessResult) -> AccessResponse:
        return cls(has_access=result.has_access, verification_required=result.verification_required,
                   subscription=SubscriptionOut.of(result.subscription) if result.subscription else None)


class Confirmed(Out):
    confirmed: bool


class Unsubscribed(Out):
    unsubscribed: bool
