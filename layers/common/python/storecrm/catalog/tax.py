"""Tax on an order's lines, from the zone the shipping address falls in and the market's tax mode.

Pure rules (no reads), for checkout and quotes. Money is integer minor units; each line's tax is
rounded on its own, half to even (banker's rounding), and the order's tax is the sum of its lines,
so the lines always add up to the total a shopper sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.stores.models.stores import Market, TaxMode, Zone

BPS = 10_000
TaxScope = Literal["item", "shipping"]


class TaxableLine(Model):
    """What is charged for one order line: a unit amount times a quantity."""

    amount: int = Field(ge=0, description="Unit amount in minor units")
    quantity: int = Field(ge=1)
    scope: TaxScope = "item"
    label: str | None = None
    # Taken off the line's amount times quantity by a promo code: tax is on what is paid after it.
    discount: int = Field(default=0, ge=0)


class TaxLine(Model):
    """One line's tax, as the arky client's OrderPaymentTaxLine."""

    rate_bps: int
    amount: int
    label: str | None = None
    scope: TaxScope


class OrderTax(Model):
    """The order's tax, as the arky client's OrderPaymentTax."""

    amount: int
    mode_snapshot: TaxMode
    rate_bps: int
    lines: list[TaxLine]


def _matches(allowed: Sequence[str], value: str | None, *, prefixes: bool = False) -> bool:
    """An empty list allows any value; with `prefixes`, an entry ending in * matches what starts with it."""
    if not allowed:
        return True
    if value is None:
        return False
    wanted = value.strip().upper()
    for entry in allowed:
        entry = entry.strip().upper()
        if entry == wanted or (prefixes and entry.endswith("*") and wanted.startswith(entry[:-1])):
            return True
    return False


def zone_for(market: Market, country: str | None, state: str | None = None,
             postal_code: str | None = None) -> Zone | None:
    """The first of the market's zones (in their order) that the address is in."""
    for zone in market.zones:
        if (_matches(zone.countries, country) and _matches(zone.states, state)
                and _matches(zone.postal_codes, postal_code, prefixes=True)):
            return zone
    return None


def round_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator (both >= 0, denominator > 0) to the nearest integer, ties to even."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def line_tax(total: int, rate_bps: int, mode: TaxMode) -> int:
    """The tax in a line total: added on top (exclusive) or already inside it (inclusive)."""
    if mode == "exclusive":
        return round_half_even(total * rate_bps, BPS)
    return round_half_even(total * rate_bps, BPS + rate_bps)


def order_tax(lines: Sequence[TaxableLine], zone: Zone | None, mode: TaxMode) -> OrderTax:
    """Each line's tax at the zone's rate, on the line after its discount; no zone (the address is outside the
    market) taxes nothing."""
    rate = zone.tax_bps if zone is not None else 0
    taxed = [TaxLine(rate_bps=rate, amount=line_tax(line.amount * line.quantity - line.discount, rate, mode),
                     label=line.label, scope=line.scope) for line in lines]
    return OrderTax(amount=sum(t.amount for t in taxed), mode_snapshot=mode, rate_bps=rate, lines=taxed)
