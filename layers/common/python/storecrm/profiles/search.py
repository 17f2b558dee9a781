"""What makes a profile findable: word-prefix terms and ordered taxonomy values.

Both are kept as index items next to the profile and rewritten in the same transaction as every
change, so a search never scans and never sees a half-written profile.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from storecrm.kernel.base_model import Model
from storecrm.profiles.models.taxonomies import GeoPoint, TaxonomyEntry, TaxonomyFieldType

if TYPE_CHECKING:
    from storecrm.profiles.models.profiles import Profile

MIN_QUERY = 2
# Index items are rewritten inside the profile's transaction (at most 100 writes), so a profile
# keeps at most this many search terms (email and id first) and indexed taxonomy values.
MAX_TERMS = 20
MAX_INDEXED_VALUES = 20
_WORD = re.compile(r"[a-z0-9]+")
# Numbers are indexed as fixed-width text whose order is their numeric order.
_NUMBER_OFFSET = 10**15
_NUMBER_MAX = 10**15 - 1


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def search_terms(profile: Profile) -> set[str]:
    """The id, the email whole and word by word, then the words of text and number taxonomy values."""
    ordered: list[str] = [profile.id]
    if profile.email:
        ordered += [profile.email.lower(), *words(profile.email)]
    for entry in profile.taxonomies:
        for f in entry.fields:
            if f.type == "text" and isinstance(f.value, str):
                ordered += words(f.value)
            elif f.type == "number" and not isinstance(f.value, bool | str | GeoPoint):
                ordered.append(_plain_number(f.value))
    kept = [t for t in dict.fromkeys(ordered) if MIN_QUERY <= len(t) <= 200]
    return set(kept[:MAX_TERMS])


# A profile's contact terms for the NewStore dialect's `q`: name words (matched by prefix), the whole email and
# the phone's digits (matched whole). Kept apart from the search terms above, so a name search never meets the
# same profile again through its email words, and a page of one term is exactly the profiles that match it.
ContactKind = Literal["n", "e", "p"]
MAX_CONTACT_TERMS = 10
# An extended attribute value longer than this is kept but not indexed (a sort key holds 1 KB).
MAX_INDEXED_ATTRIBUTE = 500
_PHONE = re.compile(r"^[+\d\s().-]+$")


def phone_digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def contact_terms(profile: Profile) -> set[tuple[ContactKind, str]]:
    ordered: list[tuple[ContactKind, str]] = []
    if profile.email:
        ordered.append(("e", profile.email.lower()))
    if profile.phone and len(digits := phone_digits(profile.phone)) >= MIN_QUERY:
        ordered.append(("p", digits))
    ordered += [("n", w) for name in (profile.first_name, profile.last_name) if name for w in words(name)
                if len(w) >= MIN_QUERY]
    return set(list(dict.fromkeys(ordered))[:MAX_CONTACT_TERMS])


def contact_query(q: str) -> tuple[ContactKind, str, list[str]]:
    """The term a `q` is looked up by, and the other words every match must also start a name word with.

    An email is matched whole, a phone number by its digits, else the longest word is a name-word prefix."""
    stripped = q.strip().lower()
    if "@" in stripped:
        return "e", stripped, []
    if _PHONE.match(stripped) and len(digits := phone_digits(stripped)) >= MIN_QUERY:
        return "p", digits, []
    found = words(stripped)
    if not found or min(len(w) for w in found) < MIN_QUERY:
        raise ValueError(f"search words need at least {MIN_QUERY} characters")
    driver = max(found, key=len)
    return "n", driver, [w for w in found if w != driver]


def name_words_match(profile: Profile, wanted: list[str]) -> bool:
    names = [w for name in (profile.first_name, profile.last_name) if name for w in words(name)]
    return all(any(n.startswith(w) for n in names) for w in wanted)


def extended_attribute_values(profile: Profile) -> set[tuple[str, str]]:
    """(name, lower-case value) of every indexed extended attribute of the profile."""
    return {(a.name, a.value.lower()) for a in profile.extended_attributes if len(a.value) <= MAX_INDEXED_ATTRIBUTE}


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def encode_value(type_: TaxonomyFieldType, value: object) -> str | None:
    """An index value that sorts like the value itself; None for what is not indexed (geo)."""
    if type_ == "boolean":
        return "b:1" if value else "b:0"
    if type_ == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        clamped = max(-_NUMBER_MAX, min(_NUMBER_MAX, float(value)))
        return f"n:{clamped + _NUMBER_OFFSET:032.6f}"
    if type_ == "text" and isinstance(value, str):
        return "s:" + value.strip().lower()
    return None


def check_indexable(taxonomies: list[TaxonomyEntry]) -> list[TaxonomyEntry]:
    count = sum(len(entry.fields) for entry in taxonomies)
    if count > MAX_INDEXED_VALUES:
        raise ValueError(f"a profile holds at most {MAX_INDEXED_VALUES} taxonomy field values, got {count}")
    return taxonomies


def taxonomy_values(profile: Profile) -> set[tuple[str, str, str]]:
    """(taxonomy_id, field key, encoded value) for every indexed field value of the profile."""
    found = set()
    for entry in profile.taxonomies:
        for f in entry.fields:
            encoded = encode_value(f.type, f.value)
            if encoded is not None:
                found.add((entry.taxonomy_id, f.key, encoded))
    return found


# ---------------------------------------------------------------- taxonomy_query
Operation = Literal["eq", "gt", "gte", "lt", "lte"]


class TaxonomyCondition(Model):
    key: str = Field(min_length=1, max_length=64)
    type: TaxonomyFieldType
    operation: Operation = "eq"
    value: bool | float | str | None = None
    center: GeoPoint | None = None
    radius: float | None = None

    @model_validator(mode="after")
    def _supported(self) -> TaxonomyCondition:
        if self.type == "geo_location":
            raise ValueError("geo_location filters are not supported yet; filter on text, number or boolean fields")
        if self.operation != "eq" and self.type != "number":
            raise ValueError(f"'{self.operation}' works on number fields only")
        if encode_value(self.type, self.value) is None:
            raise ValueError(f"value must be a {self.type}")
        return self

    def sort_key_range(self) -> tuple[str, str]:
        """The inclusive range of index sort keys (`{encoded value}#{profileId}`) this selects."""
        encoded = encode_value(self.type, self.value)
        assert encoded is not None
        # "#" sorts before every id character and "~" after, so "{v}#" .. "{v}#~" is exactly value v.
        below, above = "n:", "n:~"
        return {
            "eq": (f"{encoded}#", f"{encoded}#~"),
            "gt": (f"{encoded}#~", above),
            "gte": (f"{encoded}#", above),
            "lt": (below, f"{encoded}#"),
            "lte": (below, f"{encoded}#~"),
        }[self.operation]

    def matches(self, type_: str, value: object) -> bool:
        wanted = encode_value(self.type, self.value)
        actual = encode_value(self.type, value) if type_ == self.type else None
        if actual is None or wanted is None:
            return False
        return {"eq": actual == wanted, "gt": actual > wanted, "gte": actual >= wanted, "lt": actual < wanted,
                "lte": actual <= wanted}[self.operation]


class TaxonomyQuery(Model):
    taxonomy_id: str = Field(min_length=1, max_length=64)
    query: list[TaxonomyCondition] = Field(min_length=1, max_length=10)


def profile_matches(profile: Profile, filters: list[TaxonomyQuery]) -> bool:
    return taxonomies_match(profile.taxonomies, filters)


def taxonomies_match(taxonomies: list[TaxonomyEntry], filters: list[TaxonomyQuery], *, match_all: bool = True) -> bool:
    """Every condition of a query holds on some field with that key in that taxonomy; every query (or, without
    `match_all`, at least one) holds."""

    def holds(tq: TaxonomyQuery) -> bool:
        fields = [f for entry in taxonomies if entry.taxonomy_id == tq.taxonomy_id for f in entry.fields]
        return all(any(f.key == condition.key and condition.matches(f.type, f.value) for f in fields)
                   for condition in tq.query)

    return all(map(holds, filters)) if match_all else any(map(holds, filters))


def query_matches(profile: Profile, query: str) -> bool:
    """Every word of the query is the prefix of one of the profile's terms."""
    terms = search_terms(profile)
    return all(any(t.startswith(w) for t in terms) for w in query_words(query))


def query_words(query: str) -> list[str]:
    stripped = query.strip().lower()
    # An email or id is looked up whole; otherwise word by word.
    return [stripped] if "@" in stripped or "-" in stripped else words(stripped)
