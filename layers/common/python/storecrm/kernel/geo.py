"""ISO countries, their subdivisions (states) and currencies: the platform lists and the one rule that checks
a country, state or currency code, wherever an address, a zone or a market carries one.

The data is pycountry's (ISO 3166-1, 3166-2 and 4217), read on the first call that needs it and kept for the
container's life: a function that never checks a code never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class State:
    code: str  # the part after the country's code: "IL" for ISO's "US-IL"
    name: str


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    states: tuple[State, ...]

    @property
    def state_codes(self) -> dict[str, str]:
        """Upper-cased short code, full ISO code and name, each to the short code."""
        return _state_lookup(self.code)


@lru_cache(maxsize=1)
def _countries() -> dict[str, Country]:
    import pycountry

    states: dict[str, list[State]] = {}
    for subdivision in pycountry.subdivisions:
        country_code, _, short = subdivision.code.partition("-")
        states.setdefault(country_code, []).append(State(code=short, name=subdivision.name))
    return {c.alpha_2: Country(code=c.alpha_2, name=c.name,
                               states=tuple(sorted(states.get(c.alpha_2, []), key=lambda s: s.name)))
            for c in sorted(pycountry.countries, key=lambda c: c.name)}


@lru_cache(maxsize=300)
def _state_lookup(country_code: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for state in _countries()[country_code].states:
        lookup[state.name.upper()] = state.code
    for state in _countries()[country_code].states:  # codes win over a name that reads like another's code
        lookup[state.code.upper()] = state.code
        lookup[f"{country_code}-{state.code}".upper()] = state.code
    return lookup


@lru_cache(maxsize=1)
def _currencies() -> tuple[str, ...]:
    import pycountry

    return tuple(sorted(c.alpha_3 for c in pycountry.currencies))


def countries() -> list[Country]:
    """Every ISO 3166-1 country, by name."""
    return list(_countries().values())


def country(code: str) -> Country | None:
    return _countries().get(code.strip().upper())


def currencies() -> list[str]:
    """Every ISO 4217 currency code, sorted."""
    return list(_currencies())


# ---------------------------------------------------------------- the rule (pydantic validators call these)
def check_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code in any case, answered upper case."""
    found = country(value)
    if found is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code such as 'US'")
    return found.code


def check_state(country_code: str, value: str) -> str:
    """A subdivision of the country by its code ('IL', 'US-IL', any case) or name, answered as the short code.
    A country without ISO subdivisions keeps what was sent."""
    found = country(country_code)
    if found is None or not found.states:
        return value
    code = found.state_codes.get(value.strip().upper())
    if code is None:
        raise ValueError(f"'{value}' is not a state of {found.code}; GET /v1/platform/countries/{found.code} "
                         "lists them")
    return code


def check_states(country_codes: list[str], values: list[str]) -> list[str]:
    """A zone's states: each one a state of one of the zone's countries."""
    if values and not country_codes:
        raise ValueError("states need the countries they are in")
    checked = []
    for value in values:
        for code in country_codes:
            try:
                checked.append(check_state(code, value))
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"'{value}' is not a state of {', '.join(country_codes)}")
    return checked


def check_currency(value: str) -> str:
    """An ISO 4217 code in any case, answered upper case."""
    upper = value.strip().upper()
    if upper not in _currencies():
        raise ValueError("must be an ISO 4217 currency code such as 'USD'")
    return upper
