"""What a store offers, as its staff see it: offers (plans, coupons, product SKUs) and their segments, and promo codes
(arky-sdk 0.9.1 PromoCode); both are served by the offers function."""

from __future__ import annotations

from storecrm.arky.schemas.common import Out
from storecrm.commerce.models.promo_codes import Condition, Discount, PromoCode, PromoCodeStatus
from storecrm.crm.models.offers import Offer


class OfferOut(Offer):
    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        return cls.model_validate(offer.model_dump())


class PromoCodeOut(Out):
    id: str
    store_id: str
    code: str
    discounts: list[Discount]
    conditions: list[Condition]
    status: PromoCodeStatus
    uses: int
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, promo: PromoCode) -> PromoCodeOut:
        return cls.model_validate(promo.model_dump(exclude={"revision"}))
