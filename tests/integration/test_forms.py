"""Forms in the arky-sdk 0.9.1 shape (`src/api/form.ts`, the storefront's `form`): staff create, get by id or
`{storeId}:{key}`, find, update, delete; a profile session submits (checked against the schema); staff list, read
and correct submissions; the submission's `form.submitted` event and the profile detail's `form_submissions`;
isolation (another store's staff, another profile's session, an API client); round-trip budgets."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.integration.api_client_support import client_token, new_client
from tests.integration.conftest import login
from tests.support import Api, counting_calls

CONTACT = {"key": "contact", "schema": [
    {"id": "f1", "key": "name", "type": "text", "required": True, "min": 2, "max": 50},
    {"id": "f2", "key": "topic", "type": "select", "options": ["sales", "support"]},
    {"id": "f3", "key": "guests", "type": "number", "min": 1, "max": 10},
    {"id": "f4", "key": "newsletter", "type": "boolean"}]}
GOOD = [{"id": "f1", "key": "name", "type": "text", "value": "Ada"},
        {"id": "f2", "key": "topic", "type": "select", "value": "sales"},
        {"id": "f3", "key": "guests", "type": "number", "value": 2}]


def _base(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/stores/{store['id']}/forms{tail}"


def _storefront(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/storefront/{store['id']}/forms{tail}"


def _create(api: Api, token: str, store: dict[str, Any], body: dict[str, Any] = CONTACT) -> dict[str, Any]:
    reply = api.call("POST", _base(store), body, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _shopper(api: Api, store: dict[str, Any], email: str) -> dict[str, Any]:
    """A profile session through the storefront's identify (the client's bearer is token.token)."""
    reply = api.call("POST", f"/v1/storefront/{store['id']}/profiles/identify",
                     {"store_id": store["id"], "market": "us", "email": email})
    assert reply.status == 200, reply.body
    return {"token": reply.body["token"]["token"], "profile_id": reply.body["profile"]["id"]}


def _submit(api: Api, store: dict[str, Any], form: dict[str, Any], token: str,
            fields: list[dict[str, Any]] = GOOD) -> Any:
    return api.call("POST", _storefront(store, f"/{form['id']}/submissions"),
                    {"form_id": form["id"], "store_id": store["id"], "fields": fields}, token=token)


def test_create_get_find_update_delete(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    form = _create(api, token, store)
    assert form["key"] == "contact" and form["store_id"] == store["id"] and form["status"] == "active"
    assert [f["key"] for f in form["schema"]] == ["name", "topic", "guests", "newsletter"]
    assert form["schema"][0] == {**CONTACT["schema"][0], "options": None}
    for ref in (form["id"], f"{store['id']}:contact", "contact"):
        assert api.call("GET", _base(store, f"/{ref}"), token=token).body == form, ref
    assert api.call("GET", _base(store), token=token).body == {"items": [form], "cursor": None}
    assert api.call("GET", _base(store), token=token, query={"key": "contact"}).body["items"] == [form]
    assert api.call("GET", _base(store), token=token, query={"ids": json.dumps([form["id"]])}).body["items"] == [form]
    taken = api.call("POST", _base(store), {"key": "contact"}, token=token)
    assert taken.status == 409 and taken.error == "FORM.KEY_TAKEN"
    updated = api.call("PUT", _base(store, f"/{form['id']}"), {"id": form["id"], "key": "hello", "status": "draft"},
                       token=token)
    assert updated.status == 200, updated.body
    assert updated.body == {**form, "key": "hello", "status": "draft", "updated_at": updated.body["updated_at"]}
    # The storefront reads active forms only.
    assert api.call("GET", _storefront(store, f"/{form['id']}")).status == 404
    assert api.call("PUT", _base(store, f"/{form['id']}"), {"status": "active"}, token=token).status == 200
    assert api.call("GET", _storefront(store, f"/{store['id']}:hello")).body["id"] == form["id"]
    assert api.call("DELETE", _base(store, f"/{form['id']}"), token=token).body == {"deleted": True}
    assert api.call("GET", _base(store, f"/{form['id']}"), token=token).status == 404
    assert api.call("GET", _storefront(store, f"/{form['id']}")).status == 404


def test_submit_list_get_correct(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    form = _create(api, token, store)
    other = _create(api, token, store, {"key": "other", "schema": []})
    ada = _shopper(api, store, "ada@example.com")
    submitted = _submit(api, store, form, ada["token"])
    assert submitted.status == 200, submitted.body
    submission = submitted.body
    assert submission == {"id": submission["id"], "form_id": form["id"], "store_id": store["id"],
                          "profile_id": ada["profile_id"], "fields": [{**f} for f in GOOD],
                          "created_at": submission["created_at"], "updated_at": submission["created_at"]}
    # The admin client's submit path works the same with a profile session.
    again = api.call("POST", _base(store, f"/{other['id']}/submissions"), {"fields": []}, token=ada["token"])
    assert again.status == 200, again.body
    listed = api.call("GET", _base(store, "/submissions"), token=token).body
    assert [s["id"] for s in listed["items"]] == [again.body["id"], submission["id"]]
    by_form = api.call("GET", _base(store, "/submissions"), token=token,
                       query={"form_ids": json.dumps([form["id"]])}).body
    assert [s["id"] for s in by_form["items"]] == [submission["id"]]
    by_profile = api.call("GET", _base(store, "/submissions"), token=token,
                          query={"profile_id": ada["profile_id"], "form_ids": json.dumps([other["id"]])}).body
    assert [s["id"] for s in by_profile["items"]] == [again.body["id"]]
    paged = api.call("GET", _base(store, "/submissions"), token=token, query={"limit": 1}).body
    assert len(paged["items"]) == 1 and paged["cursor"]
    rest = api.call("GET", _base(store, "/submissions"), token=token, query={"limit": 1, "cursor": paged["cursor"]})
    assert [s["id"] for s in rest.body["items"]] == [submission["id"]]
    path = _base(store, f"/{form['id']}/submissions/{submission['id']}")
    assert api.call("GET", path, token=token).body == submission
    corrected = api.call("PUT", path, {"id": submission["id"], "form_id": form["id"],
                                       "fields": [{"key": "name", "type": "text", "value": "Ada L."}]}, token=token)
    assert corrected.status == 200, corrected.body
    assert corrected.body["fields"] == [{"id": "name", "key": "name", "type": "text", "value": "Ada L."}]
    bad = api.call("PUT", path, {"fields": [{"key": "name", "type": "text", "value": "A"}]}, token=token)
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "fields.0.value", bad.body
    # The profile's detail shows its submissions, newest first.
    detail = api.call("GET", f"/v1/stores/{store['id']}/profiles/{ada['profile_id']}", token=token).body
    assert [s["id"] for s in detail["form_submissions"]] == [again.body["id"], submission["id"]]
    assert detail["form_submissions"][1]["fields"][0]["value"] == "Ada L."


def test_a_submission_is_a_form_submitted_event(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    form = _create(api, owner["access_token"], store)
    ada = _shopper(api, store, "ada@example.com")
    submission = _submit(api, store, form, ada["token"]).body
    table = boto3.resource("dynamodb").Table(_table_name())
    events = table.query(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={
        ":pk": f"STORE#{store['id']}#EVENT"})["Items"]
    submitted = [e for e in events if e["type"] == "form.submitted"]
    assert len(submitted) == 1
    data = submitted[0]["data"]
    assert data["profile"] == {"id": ada["profile_id"]} and data["form"] == {"id": form["id"], "key": "contact"}
    assert data["submission"]["id"] == submission["id"]
    # Indexed under the profile, so its erasure finds it.
    assert submitted[0]["GSI2PK"] == f"STORE#{store['id']}#PROFILEEVENTS#{ada['profile_id']}"


def _table_name() -> str:
    from storecrm.config import settings

    return settings().table_name


def test_submissions_are_checked_against_the_schema(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    form = _create(api, owner["access_token"], store)
    ada = _shopper(api, store, "ada@example.com")
    for fields, field in [
        ([], "fields"),
        ([{"key": "name", "type": "text", "value": "A"}], "fields.0.value"),
        ([GOOD[0], {"key": "topic", "type": "select", "value": "press"}], "fields.1.value"),
        ([GOOD[0], {"key": "guests", "type": "number", "value": 11}], "fields.1.value"),
        ([GOOD[0], {"key": "guests", "type": "text", "value": "2"}], "fields.1.type"),
        ([GOOD[0], {"key": "newsletter", "type": "boolean", "value": "yes"}], "fields.1.value"),
        ([GOOD[0], {"key": "cv", "type": "file", "value": "media-id"}], "fields.1.key"),
        ([{"key": "name", "type": "text", "value": {"data": "base64..."}}], "fields.0.value"),
        ([{"key": "name", "type": "text", "value": "x" * 51}], "fields.0.value"),
    ]:
        reply = _submit(api, store, form, ada["token"], fields)
        assert reply.status == 400, (fields, reply.body)
        assert [e["field"] for e in reply.body["validationErrors"]] == [field], (fields, reply.body)
    # Files only where the schema has a file field.
    with_file = _create(api, owner["access_token"], store, {"key": "apply", "schema": [
        {"key": "cv", "type": "file", "required": True}]})
    assert _submit(api, store, with_file, ada["token"], [{"key": "cv", "type": "file", "value": "m-1"}]).status == 200
    # The body may repeat the path's ids, never others; bad schemas are refused.
    wrong = api.call("POST", _storefront(store, f"/{form['id']}/submissions"),
                     {"form_id": with_file["id"], "fields": GOOD}, token=ada["token"])
    assert wrong.status == 400 and wrong.body["validationErrors"][0]["field"] == "form_id"
    for body, field in [({"key": "s", "schema": [{"key": "a", "type": "select"}]}, "schema"),
                        ({"key": "s", "schema": [{"key": "a", "type": "colour"}]}, "schema.0.type"),
                        ({"key": "s#"}, "key"), ({}, "key")]:
        reply = api.call("POST", _base(store), body, token=owner["access_token"])
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, (body, reply.body)
    assert api.call("GET", _base(store, "/submissions"), token=owner["access_token"],
                    query={"cursor": "bad"}).status == 400


def test_isolation(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    form = _create(api, token, store)
    ada = _shopper(api, store, "ada@example.com")
    submission = _submit(api, store, form, ada["token"]).body
    sub_path = _base(store, f"/{form['id']}/submissions/{submission['id']}")
    staff_routes = [("GET", _base(store), None), ("POST", _base(store), {"key": "mine"}),
                    ("GET", _base(store, f"/{form['id']}"), None), ("PUT", _base(store, f"/{form['id']}"), {}),
                    ("DELETE", _base(store, f"/{form['id']}"), None), ("GET", _base(store, "/submissions"), None),
                    ("GET", sub_path, None), ("PUT", sub_path, {"fields": GOOD})]
    # Another store's staff: the 404 of a store that does not exist; its own store does not have the form.
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    for method, path, body in staff_routes:
        reply = api.call(method, path, body, token=rival)
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", (method, path, reply.body)
    assert api.call("GET", _base(own, f"/{form['id']}"), token=rival).status == 404
    assert api.call("GET", _base(own, f"/{form['id']}/submissions/{submission['id']}"), token=rival).status == 404
    assert api.call("GET", _base(own, "/submissions"), token=rival).body["items"] == []
    # Profile sessions and API clients (profile scopes only) are not staff; no token is no access.
    client = client_token(api, new_client(api, token, store["id"]))
    for method, path, body in staff_routes:
        assert api.call(method, path, body, token=ada["token"]).status == 403, (method, path)
        denied = api.call(method, path, body, token=client)
        assert denied.status == 403 and denied.error == "GENERAL.INSUFFICIENT_SCOPE", (method, path, denied.body)
        assert api.call(method, path, body).status == 401, (method, path)
    # A submission is the session's own profile's: another profile's session submits as itself, and another
    # store's session, a staff token or no token cannot submit here.
    bob = _shopper(api, store, "bob@example.com")
    assert _submit(api, store, form, bob["token"]).body["profile_id"] == bob["profile_id"]
    elsewhere = _shopper(api, own, "ada@example.com")
    assert _submit(api, store, form, elsewhere["token"]).status == 401
    assert _submit(api, store, form, token).status == 401
    assert api.call("POST", _storefront(store, f"/{form['id']}/submissions"), {"fields": GOOD}).status == 401
    # A logged-out session cannot submit.
    assert api.call("POST", f"/v1/storefront/{store['id']}/profiles/logout", {}, token=ada["token"]).status == 200
    assert _submit(api, store, form, ada["token"]).status == 401
    # Another store's form is not found through this store.
    own_form = _create(api, rival, own, {"key": "theirs"})
    assert _submit(api, store, own_form, bob["token"]).status == 404


def test_budgets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    form = _create(api, token, store)
    ada = _shopper(api, store, "ada@example.com")
    with counting_calls() as calls:
        submission = _submit(api, store, form, ada["token"]).body
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    with counting_calls() as calls:
        api.call("GET", _base(store, f"/{form['id']}/submissions/{submission['id']}"), token=token)
    assert calls.calls == ["dynamodb.BatchGetItem"]
    with counting_calls() as calls:
        api.call("GET", _base(store, "/submissions"), token=token, query={"profile_id": ada["profile_id"]})
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    with counting_calls() as calls:
        api.call("GET", _storefront(store, f"/{form['id']}"))
    assert calls.calls == ["dynamodb.BatchGetItem"]


def test_cart_forms_are_checked_against_the_store_forms(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    form = _create(api, owner["access_token"], store)
    ada = _shopper(api, store, "ada@example.com")
    cart = api.call("POST", f"/v1/storefront/{store['id']}/carts/current", {"store_id": store["id"], "market": "us"},
                    token=ada["token"]).body
    path = f"/v1/storefront/{store['id']}/carts/{cart['id']}"
    good = [{"form_id": form["id"], "fields": GOOD}]
    reply = api.call("PUT", path, {"forms": good}, token=ada["token"])
    assert reply.status == 200, reply.body
    assert reply.body["forms"] == good
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    foreign = _create(api, rival, own, {"key": "theirs"})
    for forms, field in [
        ([{"form_id": "unknown", "fields": []}], "forms.0.form_id"),
        ([{"form_id": foreign["id"], "fields": []}], "forms.0.form_id"),
        ([{"fields": GOOD}], "forms.0.form_id"),
        ([{"form_id": form["id"], "fields": [GOOD[0], {"key": "guests", "type": "number", "value": 99}]}],
         "forms.0.fields.1.value"),
        ([{"form_id": form["id"], "fields": "name=Ada"}], "forms.0.fields"),
        ([good[0], good[0]], "forms.1.form_id"),
    ]:
        reply = api.call("PUT", path, {"forms": forms}, token=ada["token"])
        assert reply.status == 400, (forms, reply.body)
        assert reply.body["validationErrors"][0]["field"] == field, (forms, reply.body)
    assert api.call("GET", path, token=ada["token"]).body["forms"] == good
    # The forms are read with the cart: no extra AWS call.
    with counting_calls() as plain:
        api.call("PUT", path, {"forms": []}, token=ada["token"])
    with counting_calls() as checked:
        api.call("PUT", path, {"forms": good}, token=ada["token"])
    assert checked.calls == plain.calls


def test_a_profiles_erasure_deletes_its_submissions(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from tests.integration.test_newstore_profiles import BASE, run_scheduler
    from tests.integration.test_newstore_profiles import client_token as v0_token

    form = _create(api, owner["access_token"], store)
    ada, bob = _shopper(api, store, "ada@example.com"), _shopper(api, store, "bob@example.com")
    _submit(api, store, form, ada["token"])
    _submit(api, store, form, ada["token"])
    kept = _submit(api, store, form, bob["token"]).body
    assert api.call("DELETE", f"{BASE}/{ada['profile_id']}", token=v0_token(store["id"])).status == 202
    assert run_scheduler()["erased_profiles"] == 1
    listed = api.call("GET", _base(store, "/submissions"), token=owner["access_token"]).body
    assert [s["id"] for s in listed["items"]] == [kept["id"]]
    table = boto3.resource("dynamodb").Table(_table_name())
    left = table.query(IndexName="GSI2", KeyConditionExpression="GSI2PK = :pk", ExpressionAttributeValues={
        ":pk": f"STORE#{store['id']}#FORMSUBS#PROFILE#{ada['profile_id']}"})["Items"]
    assert left == []


def test_a_merge_moves_the_sources_submissions_to_the_target(api: Api, owner: dict[str, Any],
                                                              store: dict[str, Any]) -> None:
    token = owner["access_token"]
    form = _create(api, token, store)
    ada, dup = _shopper(api, store, "ada@example.com"), _shopper(api, store, "dup@example.com")
    moved = _submit(api, store, form, dup["token"]).body
    profiles = f"/v1/stores/{store['id']}/profiles"
    merged = api.call("POST", f"{profiles}/{ada['profile_id']}/merge", {"source_id": dup["profile_id"]}, token=token)
    assert merged.status == 200, merged.body
    detail = api.call("GET", f"{profiles}/{ada['profile_id']}", token=token).body
    assert [(s["id"], s["profile_id"]) for s in detail["form_submissions"]] == [(moved["id"], ada["profile_id"])]
    listed = api.call("GET", _base(store, "/submissions"), token=token, query={"profile_id": dup["profile_id"]})
    assert listed.body["items"] == []
