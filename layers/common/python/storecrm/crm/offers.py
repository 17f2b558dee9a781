"""Plans, coupons and product SKUs a store offers, and which of them a customer is eligible for.

Staff manage them (store settings: owners and admins). A customer is eligible for an offer without
segments, or when the taxonomies of their profile match one of its segments (every taxonomy query
of that segment holds: `search.taxonomies_match`). Eligibility is one read of the customer and one
Query of the store's offers, which each container keeps for OFFERS_CACHE_SECONDS: a change by staff
reaches customers within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from storecrm.clock import new_id, now
from storecrm.crm.models.offers import OFFER_NOT_FOUND, CouponDuration, Interval, Offer, OfferKind, Segment
from storecrm.identity.auth import Principal
from storecrm.kernel.errors import NotFound, ValidationFailed
from storecrm.kernel.fields import Command, Currency, WholeNumber
from storecrm.profiles.models.profiles import Profile
from storecrm.profiles.search import taxonomies_match
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.crm.customers import Customers
    from storecrm.crm.repositories.offers import OfferRepository
    from storecrm.stores.access import StoreGuard

NOTHING_ELIGIBLE = NotFound("No eligible items found", "CUSTOMER.NO_ELIGIBLE_ITEMS")
OFFERS_CACHE_SECONDS = 60

Amount = Annotated[WholeNumber, Field(ge=0, le=100_000_000, description="Smallest currency unit (cents)")]
Segments = Annotated[list[Segment], Field(default_factory=list, max_length=20,
                                          description="Who may see it; none: every customer")]


class _OfferIn(Command):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    segments: Segments


class PlanIn(_OfferIn):
    kind: Literal["plan"]
    amount: Amount
    currency: Currency
    interval: Interval
    interval_count: WholeNumber = Field(default=1, ge=1, le=365)
    trial_period_days: WholeNumber | None = Field(default=None, ge=0, le=730)


class CouponIn(_OfferIn):
    kind: Literal["coupon"]
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    percent_off: float | None = Field(default=None, gt=0, le=100, allow_inf_nan=False)
    amount_off: Amount | None = None
    currency: Currency | None = Field(default=None, description="Required with amount_off")
    duration: CouponDuration = "once"
    duration_in_months: WholeNumber | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def _one_discount(self) -> CouponIn:
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValueError("give either percent_off or amount_off")
        if self.amount_off is not None and self.currency is None:
            raise ValueError("amount_off needs a currency")
        if (self.duration == "repeating") != (self.duration_in_months is not None):
            raise ValueError("duration_in_months goes with a repeating duration, and only with it")
        return self


class ProductSkuIn(_OfferIn):
    kind: Literal["product_sku"]
    sku: str | None = Field(default=None, min_length=1, max_length=100)
    amount: Amount
    currency: Currency


OfferIn = Annotated[PlanIn | CouponIn | ProductSkuIn, Field(discriminator="kind")]


def is_eligible(offer: Offer, profile: Profile) -> bool:
    return not offer.segments or any(taxonomies_match(profile.taxonomies, segment.taxonomy_query)
                                     for segment in offer.segments)


class OfferService:
    """Staff's side: create, list, get, replace and delete a store's offers."""

    def __init__(self, offers: OfferRepository, guard: StoreGuard) -> None:
        self.offers = offers
        self.guard = guard

    def list(self, principal: Principal, store_id: str, kind: OfferKind | None) -> list[Offer]:
        self.guard.enter(principal, store_id, Action.READ_STORE)
        return [o for o in self.offers.all_in_store(store_id) if kind is None or o.kind == kind]

    def get(self, principal: Principal, store_id: str, offer_id: str) -> Offer:
        return self._load(principal, store_id, offer_id, Action.READ_STORE)

    def create(self, principal: Principal, store_id: str, data: PlanIn | CouponIn | ProductSkuIn) -> Offer:
        self.guard.enter(principal, store_id, Action.MANAGE_OFFERS)
        at = now()
        offer = Offer(id=new_id(), store_id=store_id, created_at=at, updated_at=at, **data.model_dump())
        self.offers.create(offer)
        return offer

    def replace(self, principal: Principal, store_id: str, offer_id: str,
                data: PlanIn | CouponIn | ProductSkuIn) -> Offer:
        """Every field is given again (what is left out is cleared); the kind stays what it was."""
        current = self._load(principal, store_id, offer_id, Action.MANAGE_OFFERS)
        if data.kind != current.kind:
            raise ValidationFailed.on("kind", f"this offer is a {current.kind}; its kind cannot change")
        replaced = Offer(id=current.id, store_id=store_id, created_at=current.created_at, updated_at=now(),
                         **data.model_dump())
        self.offers.replace(replaced)
        return replaced

    def delete(self, principal: Principal, store_id: str, offer_id: str) -> None:
        self._load(principal, store_id, offer_id, Action.MANAGE_OFFERS)
        self.offers.delete(store_id, offer_id)

    def _load(self, principal: Principal, store_id: str, offer_id: str, action: Action) -> Offer:
        """Store, membership and offer in one BatchGetItem."""
        key = self.offers.item_key(store_id, offer_id)
        access = self.guard.enter(principal, store_id, action, extra=[key])
        offer = self.offers.from_item(access.view.extras.get(key))
        if offer is None:
            raise OFFER_NOT_FOUND
        return offer


class Eligibility:
    """A customer's side: the offers of one kind their profile is eligible for."""

    def __init__(self, offers: OfferRepository, customers: Customers,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.offers = offers
        self.customers = customers
        self.clock = clock
        self._cached: dict[str, tuple[float, list[Offer]]] = {}

    def eligible(self, store_id: str, caller: Principal, kind: OfferKind) -> list[Offer]:
        """One BatchGetItem for the customer, and a Query of the store's offers unless this container read
        them less than OFFERS_CACHE_SECONDS ago; 404 when none is eligible."""
        profile = self.customers.current(store_id, caller).profile
        found = [o for o in self._store_offers(store_id) if o.kind == kind and is_eligible(o, profile)]
        if not found:
            raise NOTHING_ELIGIBLE
        return found

    def _store_offers(self, store_id: str) -> list[Offer]:
        at = self.clock()
        cached = self._cached.get(store_id)
        if cached is None or at - cached[0] >= OFFERS_CACHE_SECONDS:
            cached = (at, self.offers.all_in_store(store_id))
            # Only fresh entries are worth keeping: the cache never outgrows the stores read in one minute.
            self._cached = {sid: entry for sid, entry in self._cached.items() if at - entry[0] < OFFERS_CACHE_SECONDS}
            self._cached[store_id] = cached
        return cached[1]
