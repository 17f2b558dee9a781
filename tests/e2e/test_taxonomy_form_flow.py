"""Taxonomies and forms the way the arky-sdk 0.9.1 clients drive them, over HTTP against the local runner: staff
define a taxonomy tree and a form (`taxonomy.ts`, `form.ts`), a profile carries checked taxonomy values, a
storefront session reads the form by key and submits it (the storefront's `form`), staff read and correct the
submission and see it in the profile's detail; a taxonomy in use is not deleted.

Each request body and query string is built as the client's source (commit fe001ba) builds it; the client method
is named above each one.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_email_template_flow import ArkyHttp, _staff


def _raw(http: ArkyHttp, method: str, path: str, body: Any = None) -> requests.Response:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if http.token:
        headers["Authorization"] = f"Bearer {http.token}"
    return requests.request(method, f"{http.base_url}{path}", headers=headers,
                            data=json.dumps(body) if body is not None else None, timeout=15)


def test_taxonomies_and_forms_as_the_clients_send_them(runner_url: str, mailbox: LatestCode) -> None:
    admin = _staff(runner_url, mailbox, "owner-forms-shop@example.com")
    store_id = admin.post("/v1/stores", {"key": "forms-shop", "timezone": "UTC",
                                         "billing_email": "billing@forms-shop.example.com"})["id"]
    base = f"/v1/stores/{store_id}"

    # taxonomy.createTaxonomy (store_id is taken out of the payload), twice: a root and a child
    sizes = admin.post(f"{base}/taxonomies", {"key": "sizes", "schema": [
        {"id": "s1", "key": "size", "type": "text", "value": ["S", "M", "L"]},
        {"id": "s2", "key": "chest", "type": "number", "min": 60, "max": 140}]})
    shirts = admin.post(f"{base}/taxonomies", {"key": "shirt-sizes", "parent_id": sizes["id"]})
    # taxonomy.getTaxonomy by key: `${store_id}:${key}`
    assert admin.get(f"{base}/taxonomies/{store_id}:sizes") == sizes
    # taxonomy.getTaxonomyChildren, taxonomy.getTaxonomies({parent_id})
    assert admin.get(f"{base}/taxonomies/{sizes['id']}/children")["items"] == [shirts]
    assert admin.get(f"{base}/taxonomies", {"parent_id": sizes["id"]})["items"] == [shirts]
    # taxonomy.updateTaxonomy cannot close a cycle
    cycle = _raw(admin, "PUT", f"{base}/taxonomies/{sizes['id']}", {"id": sizes["id"], "parent_id": shirts["id"]})
    assert cycle.status_code == 400 and cycle.json()["validationErrors"][0]["field"] == "parent_id"

    # crm createProfile with taxonomy values: the schema decides
    values = [{"taxonomy_id": sizes["id"], "fields": [{"id": "s1", "key": "size", "type": "text", "value": "M"}]}]
    profile = admin.post(f"{base}/profiles", {"email": "ada@forms-shop.example.com", "taxonomies": values})
    wrong = _raw(admin, "POST", f"{base}/profiles", {"email": "bob@forms-shop.example.com", "taxonomies": [
        {"taxonomy_id": sizes["id"], "fields": [{"key": "chest", "type": "number", "value": 200}]}]})
    assert wrong.status_code == 400
    assert wrong.json()["validationErrors"][0]["field"] == "taxonomies.0.fields.0.value"
    # taxonomy.deleteTaxonomy while a profile carries its values
    unused = _raw(admin, "DELETE", f"{base}/taxonomies/{shirts['id']}")
    assert unused.status_code == 200, unused.text  # the child carries no values
    refused = _raw(admin, "DELETE", f"{base}/taxonomies/{sizes['id']}")
    assert refused.status_code == 409 and refused.json()["error"] == "TAXONOMY.IN_USE"

    # form.createForm
    form = admin.post(f"{base}/forms", {"key": "contact", "schema": [
        {"id": "f1", "key": "name", "type": "text", "required": True},
        {"id": "f2", "key": "topic", "type": "select", "options": ["sales", "support"]}]})

    # storefront profile.identify, then storefront form.get by key and form.submit
    identified = ArkyHttp(runner_url).post(f"/v1/storefront/{store_id}/profiles/identify", {
        "store_id": store_id, "market": "us", "email": "cy@forms-shop.example.com", "verify": False})
    shopper = ArkyHttp(runner_url, identified["token"]["token"])
    assert shopper.get(f"/v1/storefront/{store_id}/forms/{store_id}:contact")["id"] == form["id"]
    fields = [{"id": "f1", "key": "name", "type": "text", "value": "Cy"},
              {"id": "f2", "key": "topic", "type": "select", "value": "support"}]
    submission = shopper.post(f"/v1/storefront/{store_id}/forms/{form['id']}/submissions",
                              {"fields": fields, "form_id": form["id"], "store_id": store_id})
    assert submission["profile_id"] == identified["profile"]["id"] and submission["fields"] == fields
    bad = _raw(shopper, "POST", f"/v1/storefront/{store_id}/forms/{form['id']}/submissions",
               {"fields": [{"key": "topic", "type": "select", "value": "press"}], "form_id": form["id"],
                "store_id": store_id})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["validationErrors"]} == {"fields.0.value", "fields"}

    # form.getSubmissions({form_ids}) (arrays JSON-encoded), form.getSubmission, form.updateSubmission
    listed = admin.get(f"{base}/forms/submissions", {"form_ids": [form["id"]]})
    assert [s["id"] for s in listed["items"]] == [submission["id"]]
    path = f"{base}/forms/{form['id']}/submissions/{submission['id']}"
    assert admin.get(path) == submission
    corrected = admin.put(path, {"fields": fields[:1], "form_id": form["id"], "store_id": store_id,
                                 "id": submission["id"]})
    assert corrected["fields"] == fields[:1]

    # crm getProfile: the detail lists the submission
    detail = admin.get(f"{base}/profiles/{identified['profile']['id']}")
    assert [s["id"] for s in detail["form_submissions"]] == [submission["id"]]
    assert admin.get(f"{base}/profiles/{profile['id']}")["form_submissions"] == []
