"""Tax from a zone: exclusive adds, inclusive extracts, banker's rounding per line in minor units."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from storecrm.catalog.tax import TaxableLine, line_tax, order_tax, round_half_even, zone_for
from storecrm.stores.models.stores import Market, Zone


def _zone(zone_id: str = "z", tax_bps: int = 2000, **where: list[str]) -> Zone:
    return Zone(id=zone_id, store_id="s", market_id="m", tax_bps=tax_bps, **where)


def _market(*zones: Zone) -> Market:
    return Market(id="m", store_id="s", key="eu", currency="EUR", tax_mode="inclusive", zones=list(zones),
                  created_at=0, updated_at=0)


def test_half_ties_go_to_the_even_neighbour() -> None:
    assert [round_half_even(n, 2) for n in (1, 3, 5, 7)] == [0, 2, 2, 4]
    assert round_half_even(26, 10) == 3 and round_half_even(24, 10) == 2 and round_half_even(0, 7) == 0


def test_exclusive_tax_is_added_on_top() -> None:
    assert line_tax(1000, 2000, "exclusive") == 200
    assert line_tax(25, 1000, "exclusive") == 2  # 2.5 -> 2 (even)
    assert line_tax(35, 1000, "exclusive") == 4  # 3.5 -> 4 (even)
    assert line_tax(999, 0, "exclusive") == 0


def test_inclusive_tax_is_extracted_from_the_price() -> None:
    assert line_tax(1200, 2000, "inclusive") == 200  # 1200 = 1000 net + 200 tax
    assert line_tax(1000, 2000, "inclusive") == 167  # 166.67
    assert line_tax(105, 500, "inclusive") == 5  # 105 = 100 + 5 exactly
    assert line_tax(21, 10_000, "inclusive") == 10  # 10.5 -> 10 (even)


def test_each_line_is_rounded_on_its_own_and_the_total_is_their_sum() -> None:
    lines = [TaxableLine(amount=25, quantity=1, label="a"), TaxableLine(amount=25, quantity=1, label="b"),
             TaxableLine(amount=15, quantity=3, label="c"), TaxableLine(amount=500, quantity=1, scope="shipping")]
    tax = order_tax(lines, _zone(tax_bps=1000), "exclusive")
    assert [t.amount for t in tax.lines] == [2, 2, 4, 50]  # 2.5, 2.5, 4.5 -> even; rounding the sum would give 59
    assert tax.amount == 58 and tax.rate_bps == 1000 and tax.mode_snapshot == "exclusive"
    assert tax.lines[3].scope == "shipping" and tax.lines[0].label == "a"
    assert tax.model_dump()["lines"][0] == {"rate_bps": 1000, "amount": 2, "label": "a", "scope": "item"}


def test_no_zone_means_no_tax() -> None:
    tax = order_tax([TaxableLine(amount=1000, quantity=2)], None, "inclusive")
    assert tax.amount == 0 and tax.rate_bps == 0 and tax.lines[0].amount == 0


def test_lines_need_a_positive_quantity_and_no_negative_amount() -> None:
    with pytest.raises(ValidationError):
        TaxableLine(amount=100, quantity=0)
    with pytest.raises(ValidationError):
        TaxableLine(amount=-1, quantity=1)


def test_the_first_zone_an_address_is_in_wins() -> None:
    texas = _zone("tx", 825, countries=["US"], states=["TX"])
    nyc = _zone("nyc", 888, countries=["US"], postal_codes=["100*", "11201"])
    rest_of_us = _zone("us", 0, countries=["US"])
    market = _market(texas, nyc, rest_of_us)
    assert zone_for(market, "US", "TX", "73301") == texas
    assert zone_for(market, "us", "NY", "10001") == nyc
    assert zone_for(market, "US", "NY", "11201") == nyc
    assert zone_for(market, "US", "NY", "11202") == rest_of_us
    assert zone_for(market, "US", None, None) == rest_of_us  # no state: only zones open to any state
    assert zone_for(market, "CA", "ON", "M5V") is None
    assert zone_for(_market(_zone("anywhere")), "FR") is not None  # no countries listed: any address
