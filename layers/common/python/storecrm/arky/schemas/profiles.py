"""CRM profiles as staff and shoppers read them (a profile with its carts, orders and subscriptions is in
profile_detail.py; profile sessions and the storefront's identify answer in profile_sessions.py and
storefront.py beside this module)."""

from __future__ import annotations

from storecrm.arky.schemas.common import Out
from storecrm.identity.models.accounts import CodeSummary, SessionSummary
from storecrm.profiles.models.profiles import Profile, ProfileStatus, PromoUsage, TaxonomyEntry


class ProfileOut(Out):
    id: str
    store_id: str
    email: str | None
    verified: bool
    status: ProfileStatus
    taxonomies: list[TaxonomyEntry]
    promo_usage: list[PromoUsage]
    auth_tokens: list[SessionSummary]
    verification_codes: list[CodeSummary]
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, profile: Profile) -> ProfileOut:
        return cls.model_validate(profile.public_view())
