"""Stores, their team memberships and markets."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field, model_validator

from storecrm.kernel.base_model import Model
from storecrm.kernel.models.base import Entity
from storecrm.stores.permissions import Role


class Language(Model):
    id: str


class StoreEmails(Model):
    billing: str | None = None
    support: str | None = None


StoreStatus = Literal["DRAFT", "ACTIVE", "ARCHIVED"]
# The arky client's StoreSubscriptionStatus.
StoreSubscriptionStatus = Literal["pending", "active", "cancellation_scheduled", "cancelled", "expired"]


class StoreSubscription(Model):
    """The store's plan as the operator's Stripe last reported it."""

    plan_id: str
    status: StoreSubscriptionStatus
    current_period_end: int | None = None
    cancel_at_period_end: bool = False
    stripe_subscription_id: str | None = None
    # Stripe's `start_date` of the subscription (else when it was first seen); the arky client's start_date.
    start_date: int | None = None


class Store(Entity):
    id: str
    key: str
    timezone: str
    languages: list[Language] = Field(default_factory=list)
    emails: StoreEmails = Field(default_factory=StoreEmails)
    status: StoreStatus = "ACTIVE"
    is_network: bool = False
    subscription: StoreSubscription | None = None
    # The store as a customer of the operator's Stripe account: created on the first subscribe, then kept.
    stripe_customer_id: str | None = None
    # Stripe's `created` of the last billing event applied; older ones arrive late and are ignored.
    billing_event_at: int | None = None
    # Kept on the store so "never remove the last owner" holds under concurrent removals.
    owner_count: int = 0
    # How long an unpaid card order holds its stock before the scheduler puts it back on sale.
    payment_hold_minutes: int = 30
    # A cart with items and an email left this long gets one recovery mail.
    abandoned_cart_minutes: int = 4 * 60
    # Where callers' URLs may send people, in mails and redirects (storecrm.stores.link_origins).
    allowed_origins: list[str] = Field(default_factory=list)
    # How long a profile's activities stay (their TTL, crm/activities.py).
    activity_retention_days: int = 365
    created_at: int
    updated_at: int


class Membership(Entity):
    store_id: str
    account_id: str
    email: str
    role: Role
    created_at: int
    updated_at: int


TaxMode = Literal["exclusive", "inclusive"]
PaymentMethodId = Literal["cash", "credit_card"]
# Zones stored before zones had ids get a stable one derived from the market id and their position.
ZONE_IDS = uuid.UUID("0b6c1f5e-8d2a-4f7b-9c3e-5a1d7e4b2f60")


class PaymentMethod(Model):
    """How a market's shoppers may pay; `credit_card` goes through the store's Stripe integration."""

    id: PaymentMethodId
    integration_id: str | None = None


class ShippingWeightTier(Model):
    up_to_grams: int
    amount: int


class ShippingMethod(Model):
    id: str
    taxable: bool = True
    eta_text: str = ""
    location_id: str | None = None
    integration_id: str | None = None
    amount: int
    free_above: int | None = None
    weight_tiers: list[ShippingWeightTier] = Field(default_factory=list)


class Zone(Model):
    """Where in a market an address is (an empty list matches any value), its tax rate in basis points
    and its shipping methods."""

    id: str
    store_id: str
    market_id: str
    countries: list[str] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list)
    postal_codes: list[str] = Field(default_factory=list)
    tax_bps: int = 0
    shipping_methods: list[ShippingMethod] = Field(default_factory=list)


class Market(Entity):
    id: str
    store_id: str
    key: str
    currency: str
    tax_mode: TaxMode
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    zones: list[Zone] = Field(default_factory=list)
    created_at: int
    updated_at: int

    @model_validator(mode="before")
    @classmethod
    def _earlier_shape(cls, data: Any) -> Any:
        """Markets stored before payment methods were objects and zones had ids read in today's shape."""
        if not isinstance(data, dict):
            return data
        # Earlier methods were free text; only the two there are now mean anything to checkout.
        methods = [{"id": m} if isinstance(m, str) else m for m in data.get("payment_methods") or []
                   if not isinstance(m, str) or m in ("cash", "credit_card")]
        zones = [z if not isinstance(z, dict) or "id" in z else {
                     **z, "id": str(uuid.uuid5(ZONE_IDS, f"{data.get('id')}:{i}")), "store_id": data.get("store_id"),
                     "market_id": data.get("id")}
                 for i, z in enumerate(data.get("zones") or [])]
        return {**data, "payment_methods": methods, "zones": zones}
