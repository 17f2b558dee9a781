"""Products (arky-sdk 0.9.1 eshop): staff CRUD and find, storefront reads of active products, bad input that
names the field and changes nothing, other stores kept out, events in the change's transaction."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, counting_calls

SHIRT = {
    "key": "tee-shirt",
    "slug": {"en": "tee-shirt", "fr": "t-shirt"},
    "blocks": [{"id": "b1", "key": "name", "type": "localized_text", "value": {"en": "Tee shirt"}}],
    "taxonomies": [{"taxonomy_id": "catalog", "fields": [{"key": "category", "type": "text", "value": "tops"},
                                                         {"key": "rating", "type": "number", "value": 4.5}]}],
    "variants": [{
        "sku": "TEE-S",
        "prices": [{"currency": "USD", "market": "us", "amount": 2500, "compare_at": 3000},
                   {"currency": "EUR", "market": "eu", "amount": 2300}],
        "inventory": [{"location_id": "main", "available": 12}],
        "attributes": [{"id": "a1", "key": "size", "type": "text", "value": "S"}],
        "weight": 180,
    }],
}


def _base(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/products"


def _create(api: Api, token: str, store: dict[str, Any], **changes: Any) -> dict[str, Any]:
    reply = api.call("POST", _base(store), {**SHIRT, **changes}, token=token)
    assert reply.status == 200, reply.body
    return reply.body


def _outbox(store_id: str, type_: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    return [i for i in default_table().query_all(f"STORE#{store_id}#EVENT") if i["type"] == type_]


def _rival(api: Api) -> tuple[str, dict[str, Any]]:
    token = login(api, "rival@example.com")["access_token"]
    rival = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=token)
    assert rival.status == 200, rival.body
    return token, rival.body


def test_product_crud_in_the_clients_shape(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    product = _create(api, token, store)
    assert product["store_id"] == store["id"] and product["status"] == "draft" and product["key"] == "tee-shirt"
    assert product["slug"] == SHIRT["slug"] and product["blocks"] == [{**SHIRT["blocks"][0], "properties": None}]
    [variant] = product["variants"]
    assert variant["id"] and variant["sku"] == "TEE-S" and variant["weight"] == 180
    assert variant["prices"][0] == {"currency": "USD", "market": "us", "amount": 2500, "compare_at": 3000,
                                    "audience_id": None}
    [stock] = variant["inventory"]
    assert (stock["location_id"], stock["available"], stock["reserved"]) == ("main", 12, 0)
    assert (stock["product_id"], stock["variant_id"], stock["store_id"]) == (product["id"], variant["id"], store["id"])
    assert "revision" not in product

    # Get by id, by {storeId}:{key} and by the client's slug form {storeId}:{language}:{slug}.
    for ref in (product["id"], f"{store['id']}:tee-shirt", f"{store['id']}:fr:t-shirt"):
        assert api.call("GET", f"{base}/{ref}", token=token).body == product, ref

    changed = api.call("PUT", f"{base}/{store['id']}:tee-shirt", {
        "id": product["id"], "status": "active", "slug": {"en": "classic-tee"},
        "variants": [{"id": variant["id"], "inventory": [{"location_id": "main", "available": 7}]},
                     {"sku": "TEE-M", "prices": [{"currency": "USD", "market": "us", "amount": 2600}]}]},
        token=token)
    assert changed.status == 200, changed.body
    updated = changed.body
    assert updated["status"] == "active" and updated["updated_at"] >= product["updated_at"]
    kept, added = updated["variants"]
    assert kept["id"] == variant["id"] and kept["prices"] == variant["prices"] and kept["sku"] == "TEE-S"
    assert kept["inventory"][0]["available"] == 7 and kept["inventory"][0]["id"] == stock["id"]
    assert added["id"] not in (variant["id"], None) and added["sku"] == "TEE-M" and added["inventory"] == []
    # The old slug is free again; the new one names the product.
    assert api.call("GET", f"{base}/{store['id']}:fr:t-shirt", token=token).status == 404
    assert api.call("GET", f"{base}/{store['id']}:en:classic-tee", token=token).body["id"] == product["id"]

    assert api.call("DELETE", f"{base}/{product['id']}", token=token).body == {"deleted": True}
    assert api.call("GET", f"{base}/{product['id']}", token=token).status == 404
    assert api.call("GET", f"{base}/{store['id']}:tee-shirt", token=token).status == 404
    assert _create(api, token, store)["key"] == "tee-shirt"  # key and slugs are free again

    assert product["id"] in [e["data"]["product"]["id"] for e in _outbox(store["id"], "product.created")]
    assert [e["data"]["product"]["status"] for e in _outbox(store["id"], "product.updated")] == ["active"]
    assert [e["data"] for e in _outbox(store["id"], "product.deleted")] == [{"product_id": product["id"],
                                                                               "key": "tee-shirt"}]


def test_keys_and_slugs_are_unique_per_store(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = _create(api, token, store)
    taken = api.call("POST", _base(store), {**SHIRT, "slug": {}}, token=token)
    assert taken.status == 409 and taken.error == "PRODUCT.KEY_TAKEN"
    slug_taken = api.call("POST", _base(store), {**SHIRT, "key": "other"}, token=token)
    assert slug_taken.status == 409 and slug_taken.error == "PRODUCT.SLUG_TAKEN"
    second = _create(api, token, store, key="hoodie", slug={"en": "hoodie"})
    renamed = api.call("PUT", f"{_base(store)}/{second['id']}", {"key": first["key"]}, token=token)
    assert renamed.status == 409 and renamed.error == "PRODUCT.KEY_TAKEN"
    assert api.call("GET", f"{_base(store)}/{second['id']}", token=token).body == second
    # Another store may use the same key and slugs.
    rival_token, rival = _rival(api)
    assert api.call("POST", f"/v1/stores/{rival['id']}/products", SHIRT, token=rival_token).status == 200


def test_bad_input_names_the_field_and_changes_nothing(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    variant = SHIRT["variants"][0]
    cases = [
        ({"key": "no spaces"}, "key"),
        ({"key": None}, "key"),
        ({"status": "live"}, "status"),
        ({"slug": {"en": "Not A Slug"}}, "slug.en"),
        ({"variants": [{**variant, "prices": [{"currency": "USD", "market": "mars", "amount": 1}]}]},
         "variants.0.prices.0.market"),
        ({"variants": [{**variant, "prices": [{"currency": "GBP", "market": "us", "amount": 1}]}]},
         "variants.0.prices.0.currency"),
        ({"variants": [{**variant, "prices": [{"currency": "USD", "market": "us", "amount": -5}]}]},
         "variants.0.prices.0.amount"),
        ({"variants": [{**variant, "prices": [{"currency": "USD", "market": "us", "amount": 9.99}]}]},
         "variants.0.prices.0.amount"),
        ({"variants": [{**variant, "prices": [{"currency": "USD", "market": "us", "amount": 1},
                                              {"currency": "USD", "market": "us", "amount": 2}]}]},
         "variants.0.prices.1"),
        ({"variants": [{**variant, "inventory": [{"location_id": "main", "available": -1}]}]},
         "variants.0.inventory.0.available"),
        ({"variants": [{**variant, "inventory": [{"location_id": "main", "available": 1},
                                                 {"location_id": "main", "available": 2}]}]}, "variants.0.inventory"),
        ({"variants": [variant, variant]}, "variants"),
        ({"variants": [{**variant, "weight": "heavy"}]}, "variants.0.weight"),
    ]
    for body, field in cases:
        reply = api.call("POST", base, {**SHIRT, **body}, token=token)
        assert reply.status == 400, (body, reply.body)
        assert field in [e["field"] for e in reply.body["validationErrors"]], (body, reply.body)
    assert api.call("GET", base, token=token).body == {"items": [], "cursor": None}
    assert _outbox(store["id"], "product.created") == []

    product = _create(api, token, store)
    path = f"{base}/{product['id']}"
    for body, field in [({"variants": [{"id": "not-a-variant", "sku": "X"}]}, "variants.0.id"),
                        ({"variants": [{"id": product["variants"][0]["id"],
                                        "prices": [{"currency": "EUR", "market": "us", "amount": 1}]}]},
                         "variants.0.prices.0.currency"),
                        ({"id": "another-id"}, "id"), ({"variants": None}, "variants")]:
        reply = api.call("PUT", path, body, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, (body, reply.body)
    assert api.call("GET", path, token=token).body == product
    assert api.call("GET", f"{base}/not-a-product", token=token).status == 404
    assert api.call("PUT", f"{base}/not-a-product", {"status": "active"}, token=token).status == 404
    assert api.call("DELETE", f"{base}/not-a-product", token=token).status == 404
    assert api.call("GET", base, token=token, query={"cursor": "garbage"}).status == 400
    bad_query = api.call("GET", base, token=token, query={"taxonomy_query": "[{\"taxonomy_id\": \"catalog\"}]"})
    assert bad_query.status == 400 and bad_query.body["validationErrors"][0]["field"].startswith("taxonomy_query")


def test_other_stores_cannot_see_or_change_products(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    product = _create(api, owner["access_token"], store, status="active")
    rival_token, rival = _rival(api)
    path = f"{_base(store)}/{product['id']}"
    for method, body in [("GET", None), ("PUT", {"status": "archived"}), ("DELETE", None)]:
        assert api.call(method, path, body, token=rival_token).status == 404
    assert api.call("GET", _base(store), token=rival_token).status == 404
    assert api.call("POST", _base(store), {**SHIRT, "key": "mine"}, token=rival_token).status == 404
    # Through the rival's own store the product is unknown, by id, by key and in finds by ids.
    rival_base = f"/v1/stores/{rival['id']}/products"
    assert api.call("GET", f"{rival_base}/{product['id']}", token=rival_token).status == 404
    assert api.call("GET", f"{rival_base}/{store['id']}:tee-shirt", token=rival_token).status == 404
    assert api.call("PUT", f"{rival_base}/{product['id']}", {"status": "archived"}, token=rival_token).status == 404
    found = api.call("GET", rival_base, token=rival_token, query={"ids": json.dumps([product["id"]])}).body
    assert found["items"] == []
    assert api.call("GET", f"/v1/storefront/{rival['id']}/products/{product['id']}").status == 404
    # A price may not name another store's market.
    rival_market = api.call("POST", f"/v1/stores/{rival['id']}/markets", {"key": "jp", "currency": "JPY"},
                            token=rival_token)
    assert rival_market.status == 200
    reply = api.call("POST", _base(store), {**SHIRT, "key": "yen", "slug": {}, "variants": [
        {"prices": [{"currency": "JPY", "market": "jp", "amount": 100}]}]}, token=owner["access_token"])
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "variants.0.prices.0.market"
    assert api.call("GET", path, token=owner["access_token"]).body == product


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each product write 10 s after the previous one, so time orders are strict."""
    from storecrm.catalog import products

    ticks = itertools.count(1_800_000_000, 10)
    monkeypatch.setattr(products, "now", lambda: next(ticks))
    yield


def test_find_by_status_sort_query_taxonomy_and_pages(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                      ticking_clock: None) -> None:
    token, base = owner["access_token"], _base(store)
    made = []
    for i, (key, status, category) in enumerate([("cap", "active", "hats"), ("beanie", "draft", "hats"),
                                                 ("tee", "active", "tops"), ("polo", "archived", "tops"),
                                                 ("tank", "active", "tops")]):
        made.append(_create(api, token, store, key=key, status=status, slug={"en": f"slug-{i}"},
                            taxonomies=[{"taxonomy_id": "catalog", "fields": [
                                {"key": "category", "type": "text", "value": category}]}]))
    by_key = api.call("GET", base, token=token, query={"sort_field": "key"}).body["items"]
    assert [p["key"] for p in by_key] == ["beanie", "cap", "polo", "tank", "tee"]
    newest_active = api.call("GET", base, token=token, query={"status": "active"}).body["items"]
    assert [p["key"] for p in newest_active] == ["tank", "tee", "cap"]
    assert [p["key"] for p in api.call("GET", base, token=token, query={"query": "t"}).body["items"]] == ["tank", "tee"]
    tops = json.dumps([{"taxonomy_id": "catalog", "query": [{"key": "category", "type": "text", "value": "tops"}]}])
    found = api.call("GET", base, token=token, query={"taxonomy_query": tops, "sort_field": "key",
                                                      "sort_direction": "desc"}).body["items"]
    assert [p["key"] for p in found] == ["tee", "tank", "polo"]
    ids = json.dumps([made[0]["id"], made[1]["id"], "unknown"])
    assert {p["key"] for p in api.call("GET", base, token=token, query={"ids": ids}).body["items"]} == {"cap", "beanie"}

    # Pages: a cursor continues the same list, and another list's cursor is refused.
    seen, cursor = [], None
    while True:
        page = api.call("GET", base, token=token, query={"sort_field": "key", "limit": 2,
                                                         **({"cursor": cursor} if cursor else {})}).body
        seen += [p["key"] for p in page["items"]]
        cursor = page["cursor"]
        if cursor is None:
            break
        assert api.call("GET", base, token=token, query={"sort_field": "created_at", "cursor": cursor}).status == 400
    assert seen == ["beanie", "cap", "polo", "tank", "tee"]
    window = api.call("GET", base, token=token, query={"created_at_from": made[1]["created_at"],
                                                       "created_at_to": made[3]["created_at"], "sort_direction": "asc"})
    assert [p["key"] for p in window.body["items"]] == ["beanie", "tee", "polo"]

    # A page is one Query on an index (plus the access check), never a Scan.
    with counting_calls() as calls:
        assert api.call("GET", base, token=token, query={"status": "active", "sort_field": "updated_at"}).status == 200
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]


def test_storefront_sees_active_products_only(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, shop = owner["access_token"], f"/v1/storefront/{store['id']}/products"
    active = _create(api, token, store, status="active")
    draft = _create(api, token, store, key="draft-one", slug={"en": "draft-one"})
    archived = _create(api, token, store, key="old-one", slug={"en": "old-one"}, status="archived")
    listing = api.call("GET", shop)
    assert listing.status == 200 and [p["id"] for p in listing.body["items"]] == [active["id"]]
    assert api.call("GET", shop, query={"status": "draft"}).body["items"] == []
    everyone = json.dumps([active["id"], draft["id"], archived["id"]])
    assert [p["id"] for p in api.call("GET", shop, query={"ids": everyone}).body["items"]] == [active["id"]]
    for ref in (active["id"], f"{store['id']}:tee-shirt", f"{store['id']}:en:tee-shirt"):
        assert api.call("GET", f"{shop}/{ref}").body == active, ref
    for hidden in (draft, archived):
        assert api.call("GET", f"{shop}/{hidden['id']}").status == 404
    # Archiving hides it at once; an unknown store is a 404.
    api.call("PUT", f"{_base(store)}/{active['id']}", {"status": "archived"}, token=token)
    assert api.call("GET", f"{shop}/{active['id']}").status == 404
    assert api.call("GET", shop).body["items"] == []
    assert api.call("GET", "/v1/storefront/no-such-store/products").status == 404
    for query in ({"cursor": "garbage"}, {"taxonomy_query": "not json"}, {"sort_field": "price"}, {"limit": 0}):
        reply = api.call("GET", shop, query=query)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == next(iter(query)), reply.body
    with counting_calls() as calls:
        api.call("GET", f"{shop}/{draft['id']}")
    assert calls.calls == ["dynamodb.BatchGetItem"]


def test_admins_manage_products_and_shoppers_cannot(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    admin = login(api, "admin@example.com")["access_token"]
    assert api.call("POST", f"/v1/stores/{store['id']}/members", {"email": "admin@example.com"},
                    token=owner["access_token"]).status == 200
    product = _create(api, admin, store)
    assert api.call("PUT", f"{_base(store)}/{product['id']}", {"status": "active"}, token=admin).status == 200
    shopper = api.call("POST", f"/v1/storefront/{store['id']}/profiles/identify", {"market": "us"}).body
    reply = api.call("POST", _base(store), {**SHIRT, "key": "x", "slug": {}}, token=shopper["token"]["token"])
    assert reply.status in (401, 403)
    assert api.call("GET", _base(store)).status == 401


def test_deleting_the_store_purges_its_products(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table

    product = _create(api, owner["access_token"], store, status="active")
    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"]).status == 200
    table = default_table()
    assert list(table.query_all(keys.store_partition(store["id"]))) == []
    for index, scope in (("GSI1", keys.ALL), ("GSI2", "active"), ("GSI5", keys.ALL)):
        assert list(table.query_all(keys.products_of(store["id"], scope), index=index)) == [], index
    assert api.call("GET", f"/v1/storefront/{store['id']}/products/{product['id']}").status == 404
