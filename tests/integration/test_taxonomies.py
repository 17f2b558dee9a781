"""Taxonomies in the arky-sdk 0.9.1 shape (`src/api/taxonomy.ts`): create, get by id or `{storeId}:{key}`, find,
children, update, delete; no cycles in the parent chain; a taxonomy in use is not deleted (409 naming its users);
values of profiles, products and services checked against its schema; isolation; round-trip budgets."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.api_client_support import client_token, new_client
from tests.integration.conftest import login
from tests.support import Api, counting_calls

SIZES = {"key": "sizes", "schema": [
    {"id": "f1", "key": "size", "type": "text", "value": ["S", "M", "L"]},
    {"id": "f2", "key": "weight", "type": "number", "min": 0, "max": 500, "required": True},
    {"id": "f3", "key": "vegan", "type": "boolean"}]}


def _base(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/stores/{store['id']}/taxonomies{tail}"


def _create(api: Api, token: str, store: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("POST", _base(store), body, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_create_get_find_update_delete(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    sizes = _create(api, token, store, SIZES)
    assert sizes == {"id": sizes["id"], "key": "sizes", "store_id": store["id"], "parent_id": None,
                     "schema": [{**SIZES["schema"][0], "min": None, "max": None, "required": False},
                                {**SIZES["schema"][1], "value": None},
                                {**SIZES["schema"][2], "value": None, "min": None, "max": None, "required": False}],
                     "status": "active", "created_at": sizes["created_at"], "updated_at": sizes["created_at"]}
    for ref in (sizes["id"], f"{store['id']}:sizes", "sizes"):
        assert api.call("GET", _base(store, f"/{ref}"), token=token).body == sizes, ref
    child = _create(api, token, store, {"key": "shirt-sizes", "parent_id": sizes["id"]})
    assert child["parent_id"] == sizes["id"] and child["schema"] == []
    assert api.call("GET", _base(store, f"/{sizes['id']}/children"), token=token).body == {
        "items": [child], "cursor": None}
    assert api.call("GET", _base(store), token=token, query={"parent_id": sizes["id"]}).body["items"] == [child]
    found = api.call("GET", _base(store), token=token).body
    assert [t["key"] for t in found["items"]] == ["shirt-sizes", "sizes"]
    assert api.call("GET", _base(store), token=token, query={"key": "sizes"}).body["items"] == [sizes]
    assert api.call("GET", _base(store), token=token, query={"ids": json.dumps([child["id"]])}).body["items"] == [child]
    # The key is unique per store.
    taken = api.call("POST", _base(store), {"key": "sizes"}, token=token)
    assert taken.status == 409 and taken.error == "TAXONOMY.KEY_TAKEN"
    # Only what the client sent changes; the child's copy under its parent follows.
    updated = api.call("PUT", _base(store, f"/{child['id']}"), {"id": child["id"], "key": "tee-sizes"}, token=token)
    assert updated.status == 200, updated.body
    assert updated.body == {**child, "key": "tee-sizes", "updated_at": updated.body["updated_at"]}
    assert api.call("GET", _base(store, f"/{sizes['id']}/children"), token=token).body["items"] == [updated.body]
    # A parent with children is not deleted; the child is, then the parent.
    refused = api.call("DELETE", _base(store, f"/{sizes['id']}"), token=token)
    assert refused.status == 409 and refused.error == "TAXONOMY.HAS_CHILDREN"
    moved = api.call("PUT", _base(store, f"/{child['id']}"), {"parent_id": None}, token=token).body
    assert moved["parent_id"] is None
    assert api.call("GET", _base(store, f"/{sizes['id']}/children"), token=token).body["items"] == []
    assert api.call("DELETE", _base(store, f"/{sizes['id']}"), token=token).body == {"deleted": True}
    assert api.call("GET", _base(store, f"/{sizes['id']}"), token=token).status == 404
    assert api.call("GET", _base(store, f"/{store['id']}:sizes"), token=token).status == 404
    assert api.call("POST", _base(store), {"key": "sizes"}, token=token).status == 200


def test_no_cycles_in_the_parent_chain(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    top = _create(api, token, store, {"key": "top"})
    middle = _create(api, token, store, {"key": "middle", "parent_id": top["id"]})
    bottom = _create(api, token, store, {"key": "bottom", "parent_id": middle["id"]})
    for node, parent in [(top, bottom), (top, middle), (middle, middle)]:
        reply = api.call("PUT", _base(store, f"/{node['id']}"), {"parent_id": parent["id"]}, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "parent_id", reply.body
    assert api.call("GET", _base(store, f"/{top['id']}"), token=token).body["parent_id"] is None
    # A parent must be one of this store's taxonomies.
    unknown = api.call("POST", _base(store), {"key": "x", "parent_id": "nope"}, token=token)
    assert unknown.status == 400 and unknown.body["validationErrors"][0]["field"] == "parent_id"
    # Moving a subtree elsewhere is fine.
    assert api.call("PUT", _base(store, f"/{bottom['id']}"), {"parent_id": top["id"]}, token=token).status == 200


def test_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    for body, field in [({"key": ""}, "key"), ({"key": "a#b"}, "key"), ({}, "key"),
                        ({"key": "k", "schema": [{"key": "a", "type": "colour"}]}, "schema.0.type"),
                        ({"key": "k", "schema": [{"key": "a", "type": "text"}, {"key": "a", "type": "number"}]},
                         "schema"),
                        ({"key": "k", "status": "gone"}, "status")]:
        reply = api.call("POST", _base(store), body, token=token)
        assert reply.status == 400, (body, reply.body)
        assert reply.body["validationErrors"][0]["field"] == field, (body, reply.body)
    sizes = _create(api, token, store, SIZES)
    for body, field in [({"id": "other"}, "id"), ({"key": None}, "key")]:
        reply = api.call("PUT", _base(store, f"/{sizes['id']}"), body, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, reply.body
    assert api.call("GET", _base(store), token=token, query={"cursor": "bad"}).status == 400
    assert api.call("GET", _base(store, f"/{sizes['id']}/children"), token=token,
                    query={"cursor": "bad"}).status == 400


def test_values_are_checked_against_the_schema(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    sizes = _create(api, token, store, SIZES)
    profiles = f"/v1/stores/{store['id']}/profiles"

    def entry(*fields: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"taxonomy_id": sizes["id"], "fields": list(fields)}]

    good = entry({"key": "size", "type": "text", "value": "M"}, {"key": "weight", "type": "number", "value": 12})
    created = api.call("POST", profiles, {"email": "ada@example.com", "taxonomies": good}, token=token)
    assert created.status == 200, created.body
    for fields, field in [
        (entry({"key": "size", "type": "text", "value": "XL"}, {"key": "weight", "type": "number", "value": 1}),
         "taxonomies.0.fields.0.value"),
        (entry({"key": "weight", "type": "number", "value": 501}), "taxonomies.0.fields.0.value"),
        (entry({"key": "weight", "type": "text", "value": "1"}), "taxonomies.0.fields.0.type"),
        (entry({"key": "colour", "type": "text", "value": "red"}, {"key": "weight", "type": "number", "value": 1}),
         "taxonomies.0.fields.0.key"),
        (entry({"key": "size", "type": "text", "value": "S"}), "taxonomies.0.fields"),
    ]:
        reply = api.call("POST", profiles, {"email": "bob@example.com", "taxonomies": fields}, token=token)
        assert reply.status == 400, (fields, reply.body)
        assert [e["field"] for e in reply.body["validationErrors"]] == [field], reply.body
        reply = api.call("PUT", f"{profiles}/{created.body['id']}", {"taxonomies": fields}, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, reply.body
    # A taxonomy id without a definition (or without a schema) takes any values, as before.
    free = [{"taxonomy_id": "legacy", "fields": [{"key": "anything", "type": "text", "value": "x"}]}]
    assert api.call("POST", profiles, {"email": "cy@example.com", "taxonomies": free}, token=token).status == 200
    # The search index keeps working for checked values.
    hits = api.call("GET", profiles, token=token, query={"taxonomy_query": json.dumps([
        {"taxonomy_id": sizes["id"], "query": [{"key": "size", "type": "text", "value": "M"}]}])}).body
    assert [p["id"] for p in hits["items"]] == [created.body["id"]]
    # Products and services are checked the same way.
    product = {"key": "tee", "slug": {"en": "tee"}, "variants": [{"key": "v", "prices": []}]}
    bad = api.call("POST", f"/v1/stores/{store['id']}/products", {**product, "taxonomies": entry(
        {"key": "weight", "type": "number", "value": -1})}, token=token)
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "taxonomies.0.fields.0.value", bad.body
    service = {"key": "massage", "slug": {"en": "massage"}}
    bad = api.call("POST", f"/v1/stores/{store['id']}/services", {**service, "taxonomies": entry(
        {"key": "vegan", "type": "boolean", "value": True})}, token=token)
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "taxonomies.0.fields", bad.body


def test_a_taxonomy_in_use_is_not_deleted(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    sizes = _create(api, token, store, {"key": "sizes"})
    profiles = f"/v1/stores/{store['id']}/profiles"
    values = [{"taxonomy_id": sizes["id"], "fields": [{"key": "size", "type": "text", "value": "M"}]}]
    profile = api.call("POST", profiles, {"email": "ada@example.com", "taxonomies": values}, token=token).body
    refused = api.call("DELETE", _base(store, f"/{sizes['id']}"), token=token)
    assert refused.status == 409 and refused.error == "TAXONOMY.IN_USE", refused.body
    assert f"profile {profile['id']}" in refused.body["message"]
    # Archiving is the way out while in use; once no profile carries it, it can go.
    archived = api.call("PUT", _base(store, f"/{sizes['id']}"), {"status": "archived"}, token=token)
    assert archived.status == 200 and archived.body["status"] == "archived"
    assert api.call("PUT", f"{profiles}/{profile['id']}", {"taxonomies": []}, token=token).status == 200
    assert api.call("DELETE", _base(store, f"/{sizes['id']}"), token=token).body == {"deleted": True}


def test_other_stores_profiles_and_clients_cannot_reach_taxonomies(api: Api, owner: dict[str, Any],
                                                                   store: dict[str, Any]) -> None:
    taxonomy = _create(api, owner["access_token"], store, SIZES)
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    routes = [("GET", _base(store), None), ("POST", _base(store), {"key": "mine"}),
              ("GET", _base(store, f"/{taxonomy['id']}"), None),
              ("GET", _base(store, f"/{taxonomy['id']}/children"), None),
              ("PUT", _base(store, f"/{taxonomy['id']}"), {"key": "mine"}),
              ("DELETE", _base(store, f"/{taxonomy['id']}"), None)]
    for method, path, body in routes:
        reply = api.call(method, path, body, token=rival)
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", (method, path, reply.body)
    for method, path, body in [("GET", _base(own, f"/{taxonomy['id']}"), None),
                               ("PUT", _base(own, f"/{taxonomy['id']}"), {"key": "mine"}),
                               ("DELETE", _base(own, f"/{taxonomy['id']}"), None)]:
        reply = api.call(method, path, body, token=rival)
        assert reply.status == 404 and reply.error == "TAXONOMY.NOT_FOUND", (method, path, reply.body)
    assert api.call("GET", _base(own), token=rival, query={"ids": json.dumps([taxonomy["id"]])}).body["items"] == []
    # Another store's taxonomy is not a parent here.
    assert api.call("POST", _base(own), {"key": "k", "parent_id": taxonomy["id"]}, token=rival).status == 400
    # A customer's session and an API client (profile scopes only) are not staff; no token is no access.
    shopper = api.call("POST", f"/v1/stores/{store['id']}/profiles/connect", {"email": "s@example.com"}).body
    client = client_token(api, new_client(api, owner["access_token"], store["id"]))
    for method, path, body in routes:
        assert api.call(method, path, body, token=shopper["access_token"]).status == 403, (method, path)
        denied = api.call(method, path, body, token=client)
        assert denied.status == 403 and denied.error == "GENERAL.INSUFFICIENT_SCOPE", (method, path, denied.body)
        assert api.call(method, path, body).status == 401, (method, path)
    assert api.call("GET", _base(store, f"/{taxonomy['id']}"), token=owner["access_token"]).body == taxonomy


def test_budgets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    with counting_calls() as calls:
        taxonomy = api.call("POST", base, SIZES, token=token).body
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    with counting_calls() as calls:
        api.call("GET", f"{base}/{taxonomy['id']}", token=token)
    assert calls.calls == ["dynamodb.BatchGetItem"]
    with counting_calls() as calls:
        api.call("GET", f"{base}/{taxonomy['id']}/children", token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    with counting_calls() as calls:
        api.call("GET", base, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    # A child: its parent comes with the access check, the parent's copy with the transaction.
    with counting_calls() as calls:
        api.call("POST", base, {"key": "child", "parent_id": taxonomy["id"]}, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    # A profile's values are checked against taxonomies read with its access check: no extra call.
    values = [{"taxonomy_id": taxonomy["id"], "fields": [{"key": "weight", "type": "number", "value": 3}]}]
    with counting_calls() as unchecked:
        api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "a@example.com"}, token=token)
    with counting_calls() as checked:
        reply = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "b@example.com",
                                                                         "taxonomies": values}, token=token)
    assert reply.status == 200, reply.body
    assert checked.calls == unchecked.calls


def test_storefronts_read_active_taxonomies(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    sizes = _create(api, token, store, SIZES)
    shirts = _create(api, token, store, {"key": "shirts", "parent_id": sizes["id"]})
    _create(api, token, store, {"key": "hidden", "parent_id": sizes["id"], "status": "draft"})
    public = f"/v1/storefront/{store['id']}/taxonomies"
    for ref in (sizes["id"], f"{store['id']}:sizes"):
        assert api.call("GET", f"{public}/{ref}").body == sizes, ref
    assert api.call("GET", f"{public}/{sizes['id']}/children").body == {"items": [shirts], "cursor": None}
    assert api.call("PUT", _base(store, f"/{sizes['id']}"), {"status": "draft"}, token=token).status == 200
    assert api.call("GET", f"{public}/{sizes['id']}").status == 404
    assert api.call("GET", f"{public}/{sizes['id']}/children").status == 404
    # Another store's taxonomy is not found through this store.
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    assert api.call("GET", f"/v1/storefront/{own['id']}/taxonomies/{shirts['id']}").status == 404
    with counting_calls() as calls:
        api.call("GET", f"{public}/{shirts['id']}")
    assert calls.calls == ["dynamodb.BatchGetItem"]
