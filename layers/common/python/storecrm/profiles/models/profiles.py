"""The CRM profile: the one customer record every dialect reads and writes."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from storecrm.identity.models.accounts import CodeSummary, SessionSummary
from storecrm.kernel.base_model import Model
from storecrm.kernel.models.base import Entity
from storecrm.kernel.models.events import OutboxEvent
from storecrm.profiles.models.taxonomies import TaxonomyEntry


class PromoUsage(Model):
    promo_code_id: str
    uses: int


class ExtendedAttribute(Model):
    name: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=1000)


ProfileStatus = Literal["active", "archived"]


class Profile(Entity):
    """The one store-scoped customer record every dialect reads and writes.

    Names, phone, addresses, extended attributes and a password credential are part of the record
    from the start, so the other dialects add behaviour, not a migration.
    """

    id: str
    store_id: str
    email: str | None = None
    verified: bool = False
    status: ProfileStatus = "active"
    taxonomies: list[TaxonomyEntry] = Field(default_factory=list)
    promo_usage: list[PromoUsage] = Field(default_factory=list)
    auth_tokens: list[SessionSummary] = Field(default_factory=list)
    verification_codes: list[CodeSummary] = Field(default_factory=list)
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    phone: str | None = None
    # The phone number's country code (the NewStore dialect's `country_code`).
    country_code: str | None = None
    addresses: list[dict[str, Any]] = Field(default_factory=list)
    extended_attributes: list[ExtendedAttribute] = Field(default_factory=list)
    password_hash: str | None = None
    # A short public id unique per store (a marker item): the Pelcro dialect's integer customer id as digits,
    # or the NewStore dialect's letters and digits (always with a letter, so the two never meet).
    display_id: str | None = None
    # The Pelcro dialect's customer id of a profile whose display id is not a number (one the NewStore dialect
    # made): drawn from the same store counter when its first customer session opens.
    customer_number: int | None = None
    # Unique per store (a marker item, like the email), compared case-insensitively.
    username: str | None = None
    language: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    # The customer's picture: its object key in the stack's bucket (shown as a presigned link).
    photo_key: str | None = None
    # The API client (NewStore dialect) that created the record; none for the other dialects' profiles.
    created_by: str | None = None
    # The session that created the record; an unverified session sees full data only of its own.
    origin_session_id: str | None = None
    # Bumped on every write; writes are conditional on the revision they read.
    revision: int = 1
    created_at: int
    updated_at: int

    PUBLIC_FIELDS: ClassVar[set[str]] = {
        "id", "store_id", "email", "verified", "status", "taxonomies", "promo_usage", "auth_tokens",
        "verification_codes", "created_at", "updated_at",
    }

    def public_view(self) -> dict[str, Any]:
        """The profile as events and the arky dialect show it (no credentials, no revision)."""
        return self.model_dump(mode="json", include=self.PUBLIC_FIELDS)


class ProfileCommerce(Model):
    """What a profile's carts and orders make true of it, for profile find's `has_cart` and `has_activity`.

    `open_carts` counts the profile's carts that hold items and were not checked out; every cart write that
    changes this adds its difference in the cart's own transaction, so the count stays exact however many
    sessions shop at once. The flags only ever turn on (carts and orders are never deleted but with the store).
    """

    open_carts: int = 0
    has_carts: bool = False
    has_orders: bool = False
    # Any activity on its timeline (crm/activities.py): set in the transaction that writes one.
    has_activities: bool = False
    # The profile's uses of each promo code, counted by checkouts (and given back by cancellations).
    promo_usage: list[PromoUsage] = Field(default_factory=list)
    has_form_submissions: bool = False  # set by a form submission's transaction: the detail reads them only then

    @property
    def has_cart(self) -> bool:
        return self.open_carts > 0

    @property
    def has_activity(self) -> bool:
        return self.has_carts or self.has_orders or self.has_activities


def profile_event(type_: str, profile: Profile, **extra: Any) -> OutboxEvent:
    return OutboxEvent.new(type_, profile.store_id, {"profile": profile.public_view(), **extra})
