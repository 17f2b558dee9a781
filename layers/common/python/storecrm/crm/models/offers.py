"""What a store offers its customers through the Pelcro-style API: plans, coupons and product SKUs, each shown
only to the customers its segments select."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import NotFound
from storecrm.kernel.models.base import Entity
from storecrm.profiles.search import TaxonomyQuery

OfferKind = Literal["plan", "coupon", "product_sku"]
Interval = Literal["day", "week", "month", "year"]
CouponDuration = Literal["once", "repeating", "forever"]

OFFER_NOT_FOUND = NotFound("Offer not found", "OFFER.NOT_FOUND")


class Segment(Model):
    """Customers whose profile taxonomies match every query (CONTRACTS.md section 2, DECISION)."""

    name: str = Field(min_length=1, max_length=100)
    taxonomy_query: list[TaxonomyQuery] = Field(min_length=1, max_length=10)


class Offer(Entity):
    """One stored shape for the three kinds; the fields of the other kinds stay empty (`crm.offers`
    checks each kind's own on the way in)."""

    id: str
    store_id: str
    kind: OfferKind
    name: str
    description: str | None = None
    segments: list[Segment] = Field(default_factory=list, description="None: every customer is eligible")
    # plan and product_sku
    amount: int | None = Field(default=None, description="Smallest currency unit (cents)")
    currency: str | None = None
    # plan
    interval: Interval | None = None
    interval_count: int | None = None
    trial_period_days: int | None = None
    # coupon (amount_off is in `currency`)
    code: str | None = None
    percent_off: float | None = None
    amount_off: int | None = None
    duration: CouponDuration | None = None
    duration_in_months: int | None = None
    # product_sku
    sku: str | None = None
    created_at: int
    updated_at: int
