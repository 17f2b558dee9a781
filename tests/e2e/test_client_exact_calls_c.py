"""arky-sdk 0.9.1 (fe001ba) calls of issue 30 that the two halves' files did not shape-check, over HTTP against the
local runner with the client's paths and bodies, each answer compared field by field with the client's TypeScript
types (tests/arky_types.py): the store's answers (StoreEmails are strings), and values sent without an id (the
client's TaxonomyField and FormField ids are strings) in profiles, services, providers and form submissions, with
the staff service get and a profile session's revocation beside them."""

from __future__ import annotations

import requests
from tests.arky_types import assert_client_shape
from tests.e2e.conftest import LatestCode
from tests.e2e.test_client_exact_calls import _ok, _put, query_string
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token


def test_store_answers_are_the_clients_store(runner_url: str, mailbox: LatestCode) -> None:
    owner = _owner_token(runner_url, mailbox, "exact-c-store")
    # store.createStore({key, timezone, billing_email}): no support address yet
    made = _ok(_post(f"{runner_url}/v1/stores", {"key": "exact-c-store", "timezone": "UTC",
                                                  "billing_email": "owner-exact-c-store@example.com"}, owner))
    assert_client_shape(made, "Store")
    assert made["emails"] == {"billing": "owner-exact-c-store@example.com", "support": ""}
    store_id = made["id"]
    admin = f"{runner_url}/v1/stores/{store_id}"
    # store.getStore({id}), store.getStores({limit}), store.updateStore({id, emails})
    assert_client_shape(_ok(_get(admin, owner)), "Store")
    assert_client_shape(_ok(_get(f"{runner_url}/v1/stores" + query_string({"limit": 20}), owner)),
                        "PaginatedResponse<Store>")
    updated = _ok(_put(admin, {"id": store_id, "emails": {"support": "help@exact-c.example.com"}}, owner))
    assert_client_shape(updated, "Store")
    assert updated["emails"]["support"] == "help@exact-c.example.com"
    # storefront store.getStore(): the billing contact is not for shoppers, so empty
    public = _ok(_get(f"{runner_url}/v1/storefront/{store_id}"))
    assert_client_shape(public, "Store")
    assert public["emails"] == {"billing": "", "support": "help@exact-c.example.com"}

    bad = _put(admin, {"id": store_id, "emails": {"support": "not an email"}}, owner)
    assert bad.status_code == 400 and bad.json()["validationErrors"][0]["field"] == "emails.support"
    stranger = _owner_token(runner_url, mailbox, "exact-c-other")
    assert _get(admin, stranger).status_code == 404
    hijack = _put(admin, {"id": store_id, "emails": {"support": "x@evil.example.com"}}, stranger)
    assert hijack.status_code == 404
    assert _ok(_get(admin, owner))["emails"]["support"] == "help@exact-c.example.com"


def test_values_sent_without_an_id_answer_a_string_id(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "exact-c-values")
    owner = _owner_token(runner_url, mailbox, "exact-c-values")
    admin, front = f"{runner_url}/v1/stores/{store_id}", f"{runner_url}/v1/storefront/{store_id}"
    # Untyped callers (and the client's own normalizers) send fields without an id.
    untagged = [{"taxonomy_id": "style", "fields": [{"key": "kind", "type": "text", "value": "hair"}]}]

    # crm.profile.create({email, taxonomies}), get({id}), find({taxonomy_query}), update({id, taxonomies})
    profile = _ok(_post(f"{admin}/profiles", {"email": "exact-c@example.com", "taxonomies": untagged}, owner))
    assert_client_shape(profile, "Profile")
    assert profile["taxonomies"][0]["fields"][0]["id"] == "kind"
    assert_client_shape(_ok(_get(f"{admin}/profiles/{profile['id']}", owner)), "ProfileDetail")
    found = _ok(_get(f"{admin}/profiles" + query_string({"taxonomy_query": [
        {"taxonomy_id": "style", "query": [{"key": "kind", "type": "text", "value": "hair"}]}]}), owner))
    assert_client_shape(found, "{ items: Profile[]; cursor?: string }")
    assert [p["id"] for p in found["items"]] == [profile["id"]]
    kept = [{"taxonomy_id": "style", "fields": [{"id": "kind-1", "key": "kind", "type": "text", "value": "nails"}]}]
    changed = _ok(_put(f"{admin}/profiles/{profile['id']}", {"id": profile["id"], "taxonomies": kept}, owner))
    assert_client_shape(changed, "Profile")
    assert changed["taxonomies"][0]["fields"][0]["id"] == "kind-1"  # an id sent is kept

    # eshop.createService / updateService / createProvider with untagged fields, storefront getService
    service = _ok(_post(f"{admin}/services", {"key": "trim", "taxonomies": untagged, "status": "active"}, owner))
    assert_client_shape(service, "Service")
    moved = _ok(_put(f"{admin}/services/{service['id']}", {"id": service["id"], "filters": untagged}, owner))
    assert_client_shape(moved, "Service")
    assert_client_shape(_ok(_get(f"{admin}/services/{service['id']}", owner)), "Service")
    assert_client_shape(_ok(_get(f"{front}/services/{service['id']}")), "Service")
    provider = _ok(_post(f"{admin}/providers", {"key": "cleo", "taxonomies": untagged, "status": "active"}, owner))
    assert_client_shape(provider, "Provider")
    assert provider["taxonomies"][0]["fields"][0]["id"] == "kind"

    # form.create, then storefront form.submit({fields}) without field ids, and staff reading the submission
    form = _ok(_post(f"{admin}/forms", {"key": "contact", "schema": [{"key": "name", "type": "text"}]}, owner))
    shopper = _ok(_post(f"{front}/profiles/identify", {"store_id": store_id, "market": None,
                                                       "email": "exact-c-shopper@example.com", "verify": False}))
    bearer = shopper["token"]["token"]
    submitted = _ok(_post(f"{front}/forms/{form['id']}/submissions",
                          {"fields": [{"key": "name", "type": "text", "value": "Ada"}]}, bearer))
    assert_client_shape(submitted, "FormSubmission")
    assert submitted["fields"][0]["id"] == "name"
    assert_client_shape(_ok(_get(f"{admin}/forms/{form['id']}/submissions/{submitted['id']}", owner)),
                        "FormSubmission")

    # crm.profile.revokeToken({id, token_id}): the shopper's live session
    revoked = requests.delete(f"{admin}/profiles/{shopper['profile']['id']}/sessions/{shopper['token']['id']}",
                              headers={"Authorization": f"Bearer {owner}"}, timeout=15)
    assert revoked.status_code == 200, revoked.text
    assert_client_shape(revoked.json(), "{ deleted: boolean }")
    assert _get(f"{front}/profiles/me", bearer).status_code == 401

    # Bad input names the field; another store's staff cannot read the profile.
    bad = _post(f"{admin}/profiles", {"email": "exact-c-bad@example.com", "taxonomies": [
        {"taxonomy_id": "style", "fields": [{"id": "x" * 65, "key": "kind", "type": "text", "value": "hair"}]}]}, owner)
    assert bad.status_code == 400 and bad.json()["validationErrors"][0]["field"] == "taxonomies.0.fields.0.id"
    stranger = _owner_token(runner_url, mailbox, "exact-c-values-other")
    assert _get(f"{admin}/profiles/{profile['id']}", stranger).status_code == 404
