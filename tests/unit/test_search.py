from __future__ import annotations

import pytest
from pydantic import ValidationError

from storecrm.profiles.models.profiles import Profile
from storecrm.profiles.models.taxonomies import TaxonomyEntry, TaxonomyField
from storecrm.profiles.search import (
    MAX_TERMS,
    TaxonomyCondition,
    TaxonomyQuery,
    encode_value,
    profile_matches,
    query_matches,
    search_terms,
    taxonomy_values,
)


def _profile(email: str | None = "Ann.Lee@example.com", **values: object) -> Profile:
    fields = [TaxonomyField(key=k, type="number" if isinstance(v, int | float) and not isinstance(v, bool)
                            else "boolean" if isinstance(v, bool) else "text", value=v) for k, v in values.items()]
    return Profile(id="p-1", store_id="s", email=email, taxonomies=[TaxonomyEntry(taxonomy_id="t", fields=fields)],
                   created_at=1, updated_at=1)


def test_numbers_encode_in_numeric_order() -> None:
    values = [-1e6, -2.5, -1, 0, 0.001, 1, 2, 10, 99.99, 1e12]
    encoded = [encode_value("number", v) for v in values]
    assert encoded == sorted(encoded)  # type: ignore[type-var]


def test_terms_cover_email_words_id_and_values() -> None:
    terms = search_terms(_profile(tier="Gold Member", ltv=12))
    assert {"p-1", "ann.lee@example.com", "ann", "lee", "example", "com", "gold", "member", "12"} <= terms


def test_terms_are_capped() -> None:
    long_text = " ".join(f"w{i}" for i in range(100))
    terms = search_terms(_profile(notes=long_text))
    assert len(terms) == MAX_TERMS and "ann.lee@example.com" in terms


def test_geo_values_are_not_indexed() -> None:
    profile = Profile(id="p", store_id="s", created_at=1, updated_at=1, taxonomies=[TaxonomyEntry(
        taxonomy_id="t", fields=[TaxonomyField(key="home", type="geo_location", value={"lat": 1, "lon": 2})])])
    assert taxonomy_values(profile) == set()


@pytest.mark.parametrize(("operation", "value", "expected"), [
    ("eq", 10, True), ("gt", 9.5, True), ("gt", 10, False), ("gte", 10, True), ("lt", 10, False),
    ("lte", 10, True), ("lt", 11, True)])
def test_number_conditions(operation: str, value: float, expected: bool) -> None:
    condition = TaxonomyCondition(key="ltv", type="number", operation=operation, value=value)  # type: ignore[arg-type]
    assert profile_matches(_profile(ltv=10), [TaxonomyQuery(taxonomy_id="t", query=[condition])]) is expected


def test_sort_key_ranges_select_exactly_the_value() -> None:
    condition = TaxonomyCondition(key="tier", type="text", value="Gold")
    low, high = condition.sort_key_range()
    assert low <= "s:gold#3f2a" <= high
    assert not low <= "s:golden#3f2a" <= high


def test_text_conditions_ignore_case_and_need_eq() -> None:
    tq = TaxonomyQuery(taxonomy_id="t", query=[TaxonomyCondition(key="tier", type="text", value="GOLD")])
    assert profile_matches(_profile(tier="gold"), [tq])
    with pytest.raises(ValidationError):
        TaxonomyCondition(key="tier", type="text", operation="gt", value="a")


def test_query_needs_every_word() -> None:
    profile = _profile(tier="gold")
    assert query_matches(profile, "an go") and not query_matches(profile, "an silver")


# ---------------------------------------------------------------- the NewStore dialect's contact terms
def test_contact_terms_are_name_words_the_whole_email_and_phone_digits() -> None:
    from storecrm.profiles.search import contact_terms

    profile = Profile(id="p-2", store_id="s", email="Jay.W@Example.com", first_name="Jay-Ann", last_name="O'Neil",
                      phone="+1 (202) 555-0182", created_at=1, updated_at=1)
    assert contact_terms(profile) == {("e", "jay.w@example.com"), ("p", "12025550182"), ("n", "jay"), ("n", "ann"),
                                      ("n", "neil")}


@pytest.mark.parametrize(("q", "expected"), [
    ("  Jay@Example.com ", ("e", "jay@example.com", [])),
    ("+1 (202) 555-0182", ("p", "12025550182", [])),
    ("Jay Smithers", ("n", "smithers", ["jay"])),
    ("jo", ("n", "jo", [])),
])
def test_contact_query_picks_the_term_a_page_is_read_by(q: str, expected: tuple[str, str, list[str]]) -> None:
    from storecrm.profiles.search import contact_query

    assert contact_query(q) == expected


@pytest.mark.parametrize("q", ["a", "jo b", "   ", "--"])
def test_contact_query_refuses_words_too_short_to_look_up(q: str) -> None:
    from storecrm.profiles.search import contact_query

    with pytest.raises(ValueError, match="at least"):
        contact_query(q)


def test_extended_attribute_values_are_indexed_without_case_and_long_ones_are_not() -> None:
    from storecrm.profiles.models.profiles import ExtendedAttribute
    from storecrm.profiles.search import MAX_INDEXED_ATTRIBUTE, extended_attribute_values

    long_value = "x" * (MAX_INDEXED_ATTRIBUTE + 1)
    profile = Profile(id="p-3", store_id="s", created_at=1, updated_at=1, extended_attributes=[
        ExtendedAttribute(name="fit", value="Slim"), ExtendedAttribute(name="note", value=long_value)])
    assert extended_attribute_values(profile) == {("fit", "slim")}


def test_extended_attribute_keys_keep_a_value_apart_from_longer_ones() -> None:
    from storecrm.kernel.repositories.keys import extended_attribute, extended_attribute_value

    start = extended_attribute_value("a")
    assert not extended_attribute("s", "n", "a#b", "p-1")[1].startswith(start)
    assert extended_attribute("s", "n", "a", "p-1")[1].startswith(start)
