"""CRM profiles as staff and shoppers read them (a profile with its carts, orders and subscriptions is in
profile_detail.py; profile sessions and the storefront's identify answer in profile_sessions.py and
storefront.py beside this module)."""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.identity.models.accounts import CodeSummary, SessionSummary
from storecrm.profiles.models.profiles import Profile, ProfileStatus, PromoUsage, TaxonomyEntry


class ProfileSessionOut(SessionSummary):
    """The client's ProfileAuthToken: its `token` is there for typed code and always empty (no answer carries a
    session's token but the one that opened it)."""

    token: str = Field(default="", description="Always empty: a session's tokens are never listed")


class ProfileCodeOut(CodeSummary):
    """The client's ProfileVerificationCode: its `code` is there for typed code and always empty."""

    code: str = Field(default="", description="Always empty: login codes are never listed")


class ProfileOut(Out):
    id: str
    store_id: str
    email: str | None
    verified: bool
    status: ProfileStatus
    taxonomies: list[TaxonomyEntry]
    promo_usage: list[PromoUsage]
    auth_tokens: list[ProfileSessionOut] = Field(description="The profile's live sessions, newest first (ids and "
                                                             "dates; `token` always empty)")
    verification_codes: list[ProfileCodeOut] = Field(description="Its latest login codes (`code` always empty)")
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, profile: Profile) -> ProfileOut:
        return cls.model_validate(profile.public_view())
