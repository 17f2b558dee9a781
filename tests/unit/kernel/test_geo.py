"""The one rule for country, state and currency codes (storecrm.kernel.geo), over pycountry's ISO lists."""

from __future__ import annotations

import pytest

from storecrm.kernel import geo


def test_countries_states_and_currencies_come_from_iso() -> None:
    codes = {c.code for c in geo.countries()}
    assert {"US", "DE", "JP"} <= codes and len(codes) == 249
    us = geo.country("us")
    assert us is not None and geo.State("IL", "Illinois") in us.states
    assert geo.country("XX") is None
    assert {"USD", "EUR", "JPY"} <= set(geo.currencies())


@pytest.mark.parametrize(("sent", "kept"), [("us", "US"), (" de ", "DE")])
def test_country_codes_in_any_case(sent: str, kept: str) -> None:
    assert geo.check_country(sent) == kept


@pytest.mark.parametrize("sent", ["XX", "USA", "United States", ""])
def test_unknown_countries_are_refused(sent: str) -> None:
    with pytest.raises(ValueError):
        geo.check_country(sent)


@pytest.mark.parametrize("sent", ["IL", "il", "US-IL", "Illinois", "illinois"])
def test_a_state_by_code_or_name_is_kept_as_its_short_code(sent: str) -> None:
    assert geo.check_state("US", sent) == "IL"


def test_a_state_of_another_country_is_refused() -> None:
    with pytest.raises(ValueError, match="not a state of US"):
        geo.check_state("US", "ON")


def test_a_country_without_subdivisions_keeps_the_state_sent() -> None:
    assert not geo.country("AQ").states  # type: ignore[union-attr]
    assert geo.check_state("AQ", "Somewhere") == "Somewhere"


def test_zone_states_need_their_countries() -> None:
    assert geo.check_states(["CA", "US"], ["qc", "US-IL"]) == ["QC", "IL"]
    with pytest.raises(ValueError, match="need the countries"):
        geo.check_states([], ["IL"])
    with pytest.raises(ValueError):
        geo.check_states(["CA"], ["IL"])


@pytest.mark.parametrize(("sent", "kept"), [("usd", "USD"), ("EUR", "EUR")])
def test_currencies_in_any_case(sent: str, kept: str) -> None:
    assert geo.check_currency(sent) == kept


def test_unknown_currencies_are_refused() -> None:
    with pytest.raises(ValueError):
        geo.check_currency("XYZ")
