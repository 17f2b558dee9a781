"""Promo codes as the arky-style API answers them (arky-sdk 0.9.1 PromoCode)."""

from __future__ import annotations

from storecrm.arky.schemas.common import Out
from storecrm.commerce.models.promo_codes import Condition, Discount, PromoCode, PromoCodeStatus


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
