"""The client-shape check (tests/arky_types.py) reads the client's TypeScript types and catches what typed client
code would trip on: a missing field, null where a number is required, a wrong literal, a wrong nesting."""

from __future__ import annotations

from tests.arky_types import client_shape_errors, declarations

SERVICE = {"id": "s1", "key": "cut", "slug": {"en": "cut"}, "store_id": "st", "blocks": [],
           "taxonomies": [{"taxonomy_id": "style", "fields": [{"id": "k", "key": "k", "type": "text", "value": 1}]}],
           "created_at": 1, "updated_at": 2, "status": "active", "location": None}


def test_the_copy_declares_the_types_the_checks_name() -> None:
    assert {"ProfileDetail", "Order", "Cart", "Service", "Provider", "PaginatedResponse", "AudienceSubscription",
            "StoreSubscription", "PaymentMethodType"} <= set(declarations())


def test_a_matching_answer_passes_with_extra_fields() -> None:
    assert client_shape_errors(SERVICE, "Service") == []
    assert client_shape_errors({"items": [SERVICE], "cursor": None, "more": 1}, "PaginatedResponse<Service>") == []


def test_missing_null_literal_and_nesting_errors_are_named() -> None:
    assert client_shape_errors({**SERVICE, "created_at": None}, "Service") == ["$.created_at: None is not number"]
    without = {k: v for k, v in SERVICE.items() if k != "key"}
    assert client_shape_errors(without, "Service") == ["$.key: missing"]
    assert client_shape_errors({**SERVICE, "status": "gone"}, "Service")[0].startswith("$.status:")
    bad_field = {**SERVICE, "taxonomies": [{"taxonomy_id": "style", "fields": [{"key": "k"}]}]}
    assert "$.taxonomies[0].fields[0].id: missing" in client_shape_errors(bad_field, "Service")
    assert client_shape_errors({"items": SERVICE, "cursor": None}, "PaginatedResponse<Service>") == [
        "$.items: dict is not an array"]
    # An optional field may be absent or null; a required `number | null` takes null.
    assert client_shape_errors({k: v for k, v in SERVICE.items() if k != "filters"}, "Service") == []
    assert client_shape_errors({"items": [], "cursor": None}, "PaginatedResponse<Order>") == []
    assert client_shape_errors({"items": [], "cursor": 5}, "PaginatedResponse<Order>") != []
    assert client_shape_errors({"x": 1}, "NoSuchClientType") == [
        "$: the client type NoSuchClientType is not in the checked-in types"]
