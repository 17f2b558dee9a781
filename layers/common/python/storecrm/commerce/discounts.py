"""A promo code applied to a priced cart (pure rules, no reads): whether it holds for this cart, market, time and
profile, and what it takes off each line and off the shipping.

DECISIONS (the client names the kinds, not their arithmetic):
- `products` / `services` conditions name the lines the item discounts apply to (either list matching is enough
  when both are given); a code none of whose lines is in the cart does not apply. Without them every line counts.
- `min_order_amount` compares with the items' subtotal before any discount.
- `date_range` is Unix seconds, `start` inclusive and `end` exclusive; the refusal names the date in the store's
  timezone.
- The item percentages of the market add up (at most all of it) and come off each eligible line, rounded half to
  even per line; the fixed amounts then come off what is left, shared in proportion to each line's remainder
  (largest remainder, so the shares add up exactly) and never more than what is left. The shipping percentages
  come off the shipping. A discount names its market by id or key.
- Tax is computed after the discount (storecrm.catalog.tax), so a line's tax is on what the shopper pays for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from storecrm.catalog.tax import round_half_even
from storecrm.commerce.models.promo_codes import (
    BPS,
    DateRangeValue,
    IdsValue,
    ItemsFixed,
    ItemsPercentage,
    OrderPaymentPromoCode,
    PromoCode,
    PromoCodeValidation,
    ShippingPercentage,
)
from storecrm.kernel.errors import ValidationFailed
from storecrm.stores.models.stores import Market

FIELD = "promo_code"
UTC_ZONE = ZoneInfo("UTC")
LineKind = Literal["product", "service"]


@dataclass(frozen=True)
class PricedLine:
    """What a discount needs of a quote line: what it sells (a product or a service, by id) and its subtotal."""

    kind: LineKind
    ref_id: str
    subtotal: int


@dataclass(frozen=True)
class PromoRead:
    """What applying a cart's code read with the cart's other items: the code (None: no such code in the store),
    how often the cart's profile used it, the store's timezone and the time now."""

    promo: PromoCode | None
    at: int
    used_by_profile: int = 0
    zone: ZoneInfo = UTC_ZONE


@dataclass(frozen=True)
class Discounted:
    """A code that holds for the cart: what it takes off each line (in the quote's line order) and the shipping."""

    promo: PromoCode
    market: Market
    lines: list[int]
    shipping: int

    @property
    def total(self) -> int:
        return sum(self.lines) + self.shipping

    def validation(self) -> PromoCodeValidation:
        return PromoCodeValidation(promo_code_id=self.promo.id, code=self.promo.code,
                                   discounts=self.promo.discounts, conditions=self.promo.conditions)

    def payment_code(self) -> OrderPaymentPromoCode:
        first = _in_market(self.promo, self.market)[0]
        return OrderPaymentPromoCode(id=self.promo.id, code=self.promo.code, type=first.type,
                                     value=first.amount if isinstance(first, ItemsFixed) else first.bps)


def refused(reason: str) -> ValidationFailed:
    return ValidationFailed.on(FIELD, reason)


def _in_market(promo: PromoCode, market: Market) -> list[ItemsPercentage | ItemsFixed | ShippingPercentage]:
    return [d for d in promo.discounts if d.market_id in (market.id, market.key)]


def _day(at: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def check(promo: PromoCode | None, code: str, market: Market, subtotal: int, *, at: int, used_by_profile: int,
          zone: ZoneInfo) -> PromoCode:
    """The code when it holds for this cart now, else a 400 naming `promo_code` with the reason (the line
    conditions are checked by `apply`). `used_by_profile`: how many orders of the profile used it already."""
    if promo is None:
        raise refused(f"no promo code '{code}' in this store")
    if promo.status != "active":
        raise refused(f"the code '{promo.code}' is not active")
    if not _in_market(promo, market):
        raise refused(f"the code '{promo.code}' does not apply in the '{market.key}' market")
    span = promo.condition("date_range")
    if span is not None and isinstance(span.value, DateRangeValue):
        start, end = span.value.value.start, span.value.value.end
        if start is not None and at < start:
            raise refused(f"the code '{promo.code}' is valid from {_day(start, zone)}")
        if end is not None and at >= end:
            raise refused(f"the code '{promo.code}' expired on {_day(end, zone)}")
    minimum = promo.condition("min_order_amount")
    if minimum is not None and subtotal < int(minimum.value.value):  # type: ignore[arg-type]
        raise refused(f"the code '{promo.code}' needs an order of at least {minimum.value.value} "
                      f"{market.currency} (items before discounts)")
    most = promo.limit("max_uses")
    if most is not None and promo.uses >= most:
        raise refused(f"the code '{promo.code}' has been used up")
    per_profile = promo.limit("max_uses_per_user")
    if per_profile is not None and used_by_profile >= per_profile:
        raise refused(f"the code '{promo.code}' was used as often as one customer may")
    return promo


def eligible(promo: PromoCode, line: PricedLine) -> bool:
    """Whether the item discounts apply to the line (the `products` / `services` conditions)."""
    named = {c.type: set(c.value.value) for c in promo.conditions
             if c.type in ("products", "services") and isinstance(c.value, IdsValue)}
    if not named:
        return True
    wanted = named.get("products" if line.kind == "product" else "services", set())
    return line.ref_id in wanted


def apply(promo: PromoCode, market: Market, lines: Sequence[PricedLine], shipping: int) -> Discounted:
    """What the code (checked already) takes off each line and off the shipping."""
    discounts = _in_market(promo, market)
    taken = [eligible(promo, line) for line in lines]
    if lines and not any(taken) and any(isinstance(d, ItemsPercentage | ItemsFixed) for d in discounts):
        raise refused(f"the code '{promo.code}' applies to none of the cart's lines")
    percent = min(BPS, sum(d.bps for d in discounts if isinstance(d, ItemsPercentage)))
    off = [round_half_even(line.subtotal * percent, BPS) if ok else 0 for line, ok in zip(lines, taken, strict=True)]
    fixed = sum(d.amount for d in discounts if isinstance(d, ItemsFixed))
    if fixed:
        left = [line.subtotal - o if ok else 0 for line, o, ok in zip(lines, off, taken, strict=True)]
        off = [o + share for o, share in zip(off, shared(min(fixed, sum(left)), left), strict=True)]
    shipping_percent = min(BPS, sum(d.bps for d in discounts if isinstance(d, ShippingPercentage)))
    return Discounted(promo, market, off, round_half_even(shipping * shipping_percent, BPS))


def shared(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` (at most the weights' sum) split in proportion to the weights; the shares add up to it exactly
    (largest remainder, earlier lines first on ties) and none is more than its weight."""
    whole = sum(weights)
    if whole <= 0 or amount <= 0:
        return [0] * len(weights)
    shares = [amount * w // whole for w in weights]
    rest = amount - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % whole), i))
    for i in order[:rest]:
        shares[i] += 1
    return shares
