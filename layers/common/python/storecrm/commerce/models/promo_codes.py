"""Promo codes in the arky client's shapes (arky-sdk 0.9.1 src/types: PromoCode, Discount, Condition,
PromoCodeValidation, OrderPaymentPromoCode)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, NotFound
from storecrm.kernel.models.base import Entity

PROMO_CODE_NOT_FOUND = NotFound("Promo code not found", "PROMO_CODE.NOT_FOUND")
PROMO_CODE_CHANGED = Conflict("The promo code changed or was used meanwhile; read it again and retry",
                              "PROMO_CODE.CONFLICT")
# A checkout whose code was used up (max_uses, max_uses_per_user) or withdrawn since its quote: nothing is written.
PROMO_CODE_EXHAUSTED = Conflict("The promo code was used up or withdrawn meanwhile; quote the cart again",
                                "CART.PROMO_CODE_EXHAUSTED")

PromoCodeStatus = Literal["active", "draft", "archived"]
BPS = 10_000
MarketRef = Annotated[str, Field(min_length=1, max_length=64, description="The market's id or key")]


class ItemsPercentage(Model):
    type: Literal["items_percentage"] = "items_percentage"
    market_id: MarketRef
    bps: int = Field(ge=1, le=BPS, description="Off the items, in basis points (10000 = all of it)")


class ItemsFixed(Model):
    type: Literal["items_fixed"] = "items_fixed"
    market_id: MarketRef
    amount: int = Field(ge=1, le=10**12, description="Off the items, in the market's minor units")


class ShippingPercentage(Model):
    type: Literal["shipping_percentage"] = "shipping_percentage"
    market_id: MarketRef
    bps: int = Field(ge=1, le=BPS, description="Off the shipping, in basis points")


Discount = Annotated[ItemsPercentage | ItemsFixed | ShippingPercentage, Field(discriminator="type")]


class IdsValue(Model):
    type: Literal["ids"] = "ids"
    value: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=100)


class AmountValue(Model):
    type: Literal["amount"] = "amount"
    value: int = Field(ge=0, le=10**12)


class CountValue(Model):
    type: Literal["count"] = "count"
    value: int = Field(ge=1, le=10**9)


class DateSpan(Model):
    start: int | None = Field(default=None, ge=0, le=10**10, description="Unix seconds, inclusive")
    end: int | None = Field(default=None, ge=0, le=10**10, description="Unix seconds, exclusive")

    @model_validator(mode="after")
    def _ordered(self) -> DateSpan:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class DateRangeValue(Model):
    type: Literal["date_range"] = "date_range"
    value: DateSpan


ConditionValue = Annotated[IdsValue | AmountValue | CountValue | DateRangeValue, Field(discriminator="type")]
ConditionType = Literal["products", "services", "min_order_amount", "date_range", "max_uses", "max_uses_per_user"]
# The value each condition carries.
VALUE_OF: dict[str, str] = {"products": "ids", "services": "ids", "min_order_amount": "amount",
                            "date_range": "date_range", "max_uses": "count", "max_uses_per_user": "count"}


class Condition(Model):
    type: ConditionType
    value: ConditionValue

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        if self.value.type != VALUE_OF[self.type]:
            raise ValueError(f"a {self.type} condition takes a value of type {VALUE_OF[self.type]}")
        return self


class PromoCode(Entity):
    id: str
    store_id: str
    code: str
    discounts: list[Discount] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    status: PromoCodeStatus = "active"
    uses: int = 0
    # Staff changes write on the revision read; checkouts only ADD to `uses`.
    revision: int = 1
    created_at: int
    updated_at: int

    def condition(self, type_: ConditionType) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    def limit(self, type_: Literal["max_uses", "max_uses_per_user"]) -> int | None:
        found = self.condition(type_)
        return found.value.value if found is not None and isinstance(found.value, CountValue) else None


class PromoCodeValidation(Model):
    """The code a quote applied (the client's PromoCodeValidation)."""

    promo_code_id: str
    code: str
    discounts: list[Discount]
    conditions: list[Condition]


class OrderPaymentPromoCode(Model):
    """The code an order's payment was discounted with (the client's OrderPaymentPromoCode): `type` and `value`
    are its first discount in the order's market (bps for percentages, minor units for a fixed amount)."""

    id: str
    code: str
    type: str
    value: int
