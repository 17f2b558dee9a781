"""Who an offer is for: no segments means everyone; otherwise any one segment, all of whose queries hold."""

from __future__ import annotations

from typing import Any

from storecrm.crm.models.offers import Offer
from storecrm.crm.offers import is_eligible
from storecrm.profiles.models.profiles import Profile


def segment(name: str, *queries: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "taxonomy_query": [{"taxonomy_id": t, "query": [q]} for t, q in queries]}


GOLD = ("loyalty", {"key": "tier", "type": "text", "value": "gold"})
ADULT = ("facts", {"key": "age", "type": "number", "operation": "gte", "value": 18})


def offer(*segments: dict[str, Any]) -> Offer:
    return Offer.model_validate({"id": "o", "store_id": "s", "kind": "coupon", "name": "n", "segments": segments,
                                 "created_at": 1, "updated_at": 1})


def profile(tier: str | None = None, age: int | None = None) -> Profile:
    taxonomies = []
    if tier:
        taxonomies.append({"taxonomy_id": "loyalty", "fields": [{"key": "tier", "type": "text", "value": tier}]})
    if age is not None:
        taxonomies.append({"taxonomy_id": "facts", "fields": [{"key": "age", "type": "number", "value": age}]})
    return Profile.model_validate({"id": "p", "store_id": "s", "taxonomies": taxonomies, "created_at": 1,
                                   "updated_at": 1})


def test_without_segments_everyone_is_eligible() -> None:
    assert is_eligible(offer(), profile())


def test_any_segment_selects() -> None:
    either = offer(segment("gold", GOLD), segment("adults", ADULT))
    assert is_eligible(either, profile(tier="GOLD"))  # text compares without case
    assert is_eligible(either, profile(age=18))
    assert not is_eligible(either, profile(tier="silver", age=17))


def test_every_query_of_a_segment_must_hold() -> None:
    both = offer(segment("gold adults", GOLD, ADULT))
    assert is_eligible(both, profile(tier="gold", age=40))
    assert not is_eligible(both, profile(tier="gold", age=12))
    assert not is_eligible(both, profile(age=40))
