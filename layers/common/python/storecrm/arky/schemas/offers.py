"""Staff's view of a store's offers (plans, coupons, product SKUs) and their segments."""

from __future__ import annotations

from storecrm.crm.models.offers import Offer


class OfferOut(Offer):
    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        return cls.model_validate(offer.model_dump())
