"""The NewStore-style consumer profiles (v0): lists, search and filters, create, full update on a revision,
addresses on the profile's revision, orders, and erasure on request, over the profiles the arky routes show."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import login
from tests.integration.test_carts import make_product, set_up_market
from tests.integration.test_profile_commerce import _checkout, _identify
from tests.support import Api, Reply, counting_calls

BASE = "/v0/consumer_profiles"
ALL_SCOPES = ("profiles:read", "profiles:write", "profiles:delete")


def client_token(store_id: str, *scopes: str, client_id: str = "client-7") -> str:
    from storecrm.clock import now
    from storecrm.identity.auth import Principal, issue_access_token
    from storecrm.identity.gateways.signing_keys import token_signing_keys

    token, _ = issue_access_token(Principal(kind="client", subject=client_id, store_id=store_id,
                                            scopes=frozenset(scopes or ALL_SCOPES)), token_signing_keys(), now(), 900)
    return token


@pytest.fixture
def token(store: dict[str, Any]) -> str:
    return client_token(store["id"])


@pytest.fixture
def rival(api: Api) -> dict[str, Any]:
    """Another owner's store."""
    owner_token = login(api, "rival@example.com")["access_token"]
    reply = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=owner_token)
    assert reply.status == 200, reply.body
    return {"store": reply.body}


@pytest.fixture
def shop(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    """A market and a product to check out."""
    set_up_market(api, owner["access_token"], store, [{"id": "cash"}])
    product = make_product(api, owner["access_token"], store, variants=[
        {"sku": "TEE-S", "prices": [{"currency": "USD", "market": "us", "amount": 2500}],
         "inventory": [{"location_id": "main", "available": 500}]}])
    return {"product": product, "small": product["variants"][0]}


def assert_error(reply: Reply, status: int, code: str | None = None) -> None:
    assert reply.status == status, reply.body
    assert set(reply.body) == {"error_code", "message", "request_id"}, reply.body
    if code:
        assert reply.body["error_code"] == code, reply.body


def create(api: Api, token: str, email: str = "jay@example.com", **fields: Any) -> dict[str, Any]:
    body = {"email": email, "first_name": "Jay", "last_name": "DoubleYou", "phone_number": "202-555-0182",
            "extended_attributes": [{"name": "shirt_fit", "value": "slim"}], **fields}
    reply = api.call("POST", BASE, body, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def run_scheduler() -> Any:
    from storecrm import services
    from tests.support import HOSTS

    services.reset()
    return HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})


# ---------------------------------------------------------------------------- create, get
def test_create_renders_the_seed_shape_and_the_arky_view_shows_the_same_profile(
        api: Api, owner: dict[str, Any], store: dict[str, Any], token: str) -> None:
    made = create(api, token, "  Jay@Example.com ", country_code="US",
                  billing_address={"type": "billing", "first_name": "Jay", "address_1": "137 W 67th St",
                                   "country_code": "US"})
    assert made["email"] == "jay@example.com" and made["first_name"] == "Jay" and made["revision"] == 1
    assert made["created_by"] == "client-7" and made["store_id"] == store["id"] and made["store_name"] == "acme-shop"
    assert made["extended_attributes"] == [{"name": "shirt_fit", "value": "slim"}]
    assert made["created_at"].endswith("Z") and "T" in made["created_at"]
    display_id = made["display_id"]
    assert len(display_id) == 6 and display_id.isalnum() and display_id == display_id.upper()
    assert not display_id.isdigit()
    [address] = made["addresses"]
    assert address["type"] == "billing" and address["address_1"] == "137 W 67th St" and address["id"]
    got = api.call("GET", f"{BASE}/{made['id']}", token=token)
    assert got.status == 200 and got.body == made
    arky = api.call("GET", f"/v1/stores/{store['id']}/profiles/{made['id']}", token=owner["access_token"])
    assert arky.status == 200 and arky.body["profile"]["email"] == "jay@example.com"


def test_create_refuses_a_known_email_and_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                    token: str) -> None:
    # An email the arky dialect registered is the same store's profile.
    assert api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "ada@example.com"},
                    token=owner["access_token"]).status == 200
    assert_error(api.call("POST", BASE, {"email": "ADA@example.com"}, token=token), 409, "PROFILE.EMAIL_TAKEN")
    assert_error(api.call("POST", BASE, {"first_name": "No email"}, token=token), 400)
    assert_error(api.call("POST", BASE, {"email": "not-an-email"}, token=token), 400)
    too_many = [{"name": f"a{i}", "value": "x"} for i in range(21)]
    assert_error(api.call("POST", BASE, {"email": "x@example.com", "extended_attributes": too_many}, token=token), 400)
    assert_error(api.call("POST", BASE, {"email": "y@example.com", "billing_address": {"type": "home"}}, token=token),
                 400)
    listed = api.call("GET", BASE, token=token)
    assert listed.body["pagination_info"]["total"] == 1  # only the arky one: nothing refused was written


def test_tokens_scopes_and_stores(api: Api, store: dict[str, Any], token: str, rival: dict[str, Any]) -> None:
    made = create(api, token)
    other = client_token(rival["store"]["id"])
    assert_error(api.call("GET", f"{BASE}/{made['id']}", token=other), 404, "PROFILE.NOT_FOUND")
    assert_error(api.call("PUT", f"{BASE}/{made['id']}", {"first_name": "A", "last_name": "B",
                                                          "extended_attributes": [], "revision": 1}, token=other), 404)
    assert_error(api.call("DELETE", f"{BASE}/{made['id']}", token=other), 404)
    assert api.call("GET", BASE, token=other).body["items"] == []
    read_only = client_token(store["id"], "profiles:read")
    assert_error(api.call("POST", BASE, {"email": "z@example.com"}, token=read_only), 403,
                 "GENERAL.INSUFFICIENT_SCOPE")
    assert_error(api.call("DELETE", f"{BASE}/{made['id']}", token=client_token(store["id"], "profiles:write")), 403)
    assert_error(api.call("GET", BASE, token=client_token(store["id"], "profiles:write")), 403)
    assert_error(api.call("GET", BASE, token="not-a-token"), 401)
    assert_error(api.call("GET", BASE), 401)


# ---------------------------------------------------------------------------- update
def test_full_update_on_the_current_revision(api: Api, store: dict[str, Any], token: str) -> None:
    made = create(api, token)
    body = {"first_name": "Jane", "last_name": "Doe", "extended_attributes": [{"name": "tier", "value": "gold"}],
            "revision": 1}
    updated = api.call("PUT", f"{BASE}/{made['id']}", body, token=token)
    assert updated.status == 200, updated.body
    assert (updated.body["first_name"], updated.body["revision"], updated.body["phone_number"]) == ("Jane", 2, "")
    assert updated.body["extended_attributes"] == [{"name": "tier", "value": "gold"}]
    assert updated.body["display_id"] == made["display_id"] and updated.body["email"] == made["email"]
    stale = api.call("PUT", f"{BASE}/{made['id']}", {**body, "first_name": "Late"}, token=token)
    assert_error(stale, 409, "PROFILE.REVISION_MISMATCH")
    assert api.call("GET", f"{BASE}/{made['id']}", token=token).body["first_name"] == "Jane"


def test_update_bad_input(api: Api, token: str) -> None:
    made = create(api, token)
    path = f"{BASE}/{made['id']}"
    assert_error(api.call("PUT", path, {"last_name": "D", "extended_attributes": [], "revision": 1}, token=token), 400)
    assert_error(api.call("PUT", path, {"first_name": "A", "last_name": "B", "revision": 1}, token=token), 400)
    assert_error(api.call("PUT", path, {"first_name": "A", "last_name": "B", "extended_attributes": []}, token=token),
                 400)
    many = [{"name": f"n{i}", "value": "v"} for i in range(21)]
    assert_error(api.call("PUT", path, {"first_name": "A", "last_name": "B", "extended_attributes": many,
                                        "revision": 1}, token=token), 400)
    assert_error(api.call("PUT", f"{BASE}/missing", {"first_name": "A", "last_name": "B", "extended_attributes": [],
                                                     "revision": 1}, token=token), 404)
    other = create(api, token, "taken@example.com")
    assert_error(api.call("PUT", path, {"first_name": "A", "last_name": "B", "extended_attributes": [],
                                        "email": other["email"], "revision": 1}, token=token), 409)
    assert api.call("GET", path, token=token).body["revision"] == 1


def test_a_profile_from_another_dialect_gets_a_display_id_on_its_first_update(
        api: Api, owner: dict[str, Any], store: dict[str, Any], token: str) -> None:
    made = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "arky@example.com"},
                    token=owner["access_token"]).body
    got = api.call("GET", f"{BASE}/{made['id']}", token=token).body
    assert got["display_id"] is None and got["first_name"] == ""
    updated = api.call("PUT", f"{BASE}/{made['id']}", {"first_name": "Ar", "last_name": "Ky", "extended_attributes": [],
                                                       "revision": got["revision"]}, token=token).body
    assert updated["display_id"] and not updated["display_id"].isdigit()


def test_a_display_id_met_before_is_drawn_again(api: Api, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.crm import consumer_profiles

    first = create(api, token, "one@example.com")
    drawn = iter([first["display_id"], "B2C3D4"])
    monkeypatch.setattr(consumer_profiles, "new_display_id", lambda: next(drawn))
    second = create(api, token, "two@example.com")
    assert second["display_id"] == "B2C3D4"


# ---------------------------------------------------------------------------- lists
def test_lists_page_by_offset_with_the_store_total(api: Api, store: dict[str, Any], token: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.crm import consumer_profiles

    ticks = iter(range(1_700_000_000, 1_700_000_100))
    monkeypatch.setattr(consumer_profiles, "now", lambda: next(ticks))
    made = [create(api, token, f"p{i}@example.com", first_name=f"Name{i}") for i in range(5)]
    page = api.call("GET", BASE, token=token, query={"offset": 1, "count": 2})
    assert page.status == 200, page.body
    assert [p["id"] for p in page.body["items"]] == [made[3]["id"], made[2]["id"]]  # newest first
    assert page.body["pagination_info"] == {"count": 2, "total": 5, "offset": 1}
    ascending = api.call("GET", BASE, token=token, query={"sort": "email|asc", "count": 500}).body
    assert [p["email"] for p in ascending["items"]] == sorted(p["email"] for p in made)
    # Each order's offset: created_at and email pass over entries of their own, updated_at over its index.
    for sort, ordered in (("email|desc", sorted(made, key=lambda p: p["email"], reverse=True)),
                          ("created_at|asc", made), ("updated_at|asc", made)):
        page = api.call("GET", BASE, token=token, query={"sort": sort, "offset": 2, "count": 2}).body
        assert [p["id"] for p in page["items"]] == [p["id"] for p in ordered[2:4]], sort
    simple = api.call("GET", f"{BASE}/simplified", token=token, query={"sort": "created_at|asc", "count": 1}).body
    assert simple["items"] == [{"email": "p0@example.com", "id": made[0]["id"], "first_name": "Name0",
                                "last_name": "DoubleYou", "phone_number": "202-555-0182", "country_code": "",
                                "created_by_name": "", "store_name": "acme-shop",
                                "created_at": made[0]["created_at"], "display_id": made[0]["display_id"]}]
    beyond = api.call("GET", BASE, token=token, query={"offset": 5}).body
    assert beyond == {"items": [], "pagination_info": {"count": 0, "total": 5, "offset": 5}}


def test_a_page_reads_no_more_than_offset_plus_count_entries(api: Api, store: dict[str, Any], token: str) -> None:
    for i in range(6):
        create(api, token, f"r{i}@example.com")
    # Profile ids are random: profiles made in the same second list in the order of their ids, whatever it is.
    whole = [p["email"] for p in api.call("GET", BASE, token=token, query={"count": 6}).body["items"]]
    assert sorted(whole) == [f"r{i}@example.com" for i in range(6)]
    with counting_calls() as log:
        reply = api.call("GET", BASE, token=token, query={"offset": 4, "count": 2})
    assert [p["email"] for p in reply.body["items"]] == whole[4:]
    # The store and its count, the four entries passed over (counted), the page.
    assert log.calls == ["dynamodb.BatchGetItem", "dynamodb.Query", "dynamodb.Query"]


def test_list_bad_input(api: Api, token: str) -> None:
    for query in ({"count": 501}, {"count": 0}, {"offset": -1}, {"offset": 9_991, "count": 10},
                  {"sort": "email"}, {"sort": "email|up"}, {"sort": "password|asc"},
                  {"filter[extended_attributes.value]": "slim"}, {"q": "a"}, {"q": "jay", "sort": "email|asc"}):
        for path in (BASE, f"{BASE}/simplified"):
            assert_error(api.call("GET", path, token=token, query=query), 400)
    refused = api.call("GET", BASE, token=token, query={"sort": "password|asc"})
    assert "created_at, updated_at, email" in refused.body["message"]
    assert api.call("GET", BASE, token=token, query={"offset": 9_990, "count": 10}).status == 200


def test_q_matches_name_prefixes_whole_emails_and_phone_numbers(api: Api, token: str) -> None:
    jay = create(api, token, "jay@example.com", first_name="Jay", last_name="Smithers")
    create(api, token, "jo@example.com", first_name="Jo", last_name="Jayne", phone_number="+1 (212) 555-0100")
    create(api, token, "amy@example.com", first_name="Amy", last_name="Stone")

    def found(q: str) -> list[str]:
        reply = api.call("GET", BASE, token=token, query={"q": q})
        assert reply.status == 200, reply.body
        return sorted(p["email"] for p in reply.body["items"])

    assert found("ja") == ["jay@example.com", "jo@example.com"]  # Jay, and Jayne
    assert found("smith") == ["jay@example.com"]
    assert found("jay smith") == ["jay@example.com"]
    assert found("JAY@example.com") == ["jay@example.com"]
    assert found("jay@example") == []  # the email matches whole only
    assert found("12125550100") == ["jo@example.com"]
    assert found("example") == []  # email words are not name words
    # A rename moves the profile's terms in its own transaction.
    api.call("PUT", f"{BASE}/{jay['id']}", {"first_name": "Ray", "last_name": "Smithers", "extended_attributes": [],
                                            "revision": 1}, token=token)
    assert found("ja") == ["jo@example.com"]


def test_filters_by_creator_and_extended_attribute(api: Api, store: dict[str, Any], token: str) -> None:
    mine = create(api, token, "a@example.com", extended_attributes=[{"name": "shirt_fit", "value": "Slim"}])
    create(api, token, "b@example.com", extended_attributes=[{"name": "shirt_fit", "value": "regular"}])
    theirs = create(api, client_token(store["id"], client_id="client-9"), "c@example.com",
                    extended_attributes=[{"name": "shirt_fit", "value": "slim"}])

    def found(**query: str) -> list[str]:
        reply = api.call("GET", BASE, token=token, query=query)
        assert reply.status == 200, reply.body
        return sorted(p["id"] for p in reply.body["items"])

    assert found(**{"filter[created_by]": "client-9"}) == [theirs["id"]]
    assert found(**{"filter[extended_attributes.name]": "shirt_fit",
                    "filter[extended_attributes.value]": "slim"}) == sorted([mine["id"], theirs["id"]])
    assert found(**{"filter[extended_attributes.name]": "shirt_fit", "filter[extended_attributes.value]": "slim",
                    "filter[created_by]": "client-7"}) == [mine["id"]]
    assert len(found(**{"filter[extended_attributes.name]": "shirt_fit"})) == 3
    paged = api.call("GET", BASE, token=token, query={"filter[extended_attributes.name]": "shirt_fit", "count": 2})
    assert paged.body["pagination_info"]["count"] == 2 and paged.body["pagination_info"]["total"] == 3
    # Past the end, the entries passed over are all there are.
    past = api.call("GET", BASE, token=token, query={"filter[created_by]": "client-7", "offset": 50}).body
    assert past == {"items": [], "pagination_info": {"count": 0, "total": 2, "offset": 50}}


# ---------------------------------------------------------------------------- deletion
def test_deletion_hides_the_profile_at_once_and_the_scheduler_erases_it(
        api: Api, owner: dict[str, Any], store: dict[str, Any], token: str) -> None:
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table

    made = create(api, token)
    reply = api.call("DELETE", f"{BASE}/{made['id']}", token=token)
    assert reply.status == 202, reply.body
    assert_error(api.call("GET", f"{BASE}/{made['id']}", token=token), 404)
    assert api.call("GET", f"/v1/stores/{store['id']}/profiles/{made['id']}", token=owner["access_token"]).status == 404
    assert api.call("GET", BASE, token=token, query={"q": "jay"}).body["items"] == []
    assert api.call("GET", BASE, token=token).body["pagination_info"]["total"] == 0
    assert_error(api.call("DELETE", f"{BASE}/{made['id']}", token=token), 404)
    # The email is free again at once.
    create(api, token)
    table = default_table()
    assert table.get(keys.profile_deletion(made["id"])) is not None
    assert run_scheduler()["erased_profiles"] == 1
    assert table.get(keys.profile_deletion(made["id"])) is None
    events = [e for e in table.query_all(keys.store_events(store["id"])) if e["type"] == "profile.deleted"]
    assert [e["data"]["profile_id"] for e in events] == [made["id"]]
    assert run_scheduler()["erased_profiles"] == 0


def test_erasure_takes_the_profiles_clienteling_consents_and_picture(
        api: Api, owner: dict[str, Any], store: dict[str, Any], token: str) -> None:
    import boto3

    from storecrm.config import settings
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table

    made = create(api, token)
    location = api.call("POST", f"/v1/stores/{store['id']}/locations", {"key": "soho", "address": {"country": "US"}},
                        token=owner["access_token"])
    assert location.status == 200, location.body
    consent = f"/v0/clienteling/stores/{location.body['id']}/consumers"
    assert api.call("PUT", f"{consent}/{made['id']}", {"state": "accepted"}, token=token).status == 200
    # A picture, as the Pelcro picture upload leaves it: an object, and its key on the profile.
    photo_key = f"stores/{store['id']}/profiles/{made['id']}/photo-1.png"
    s3 = boto3.client("s3")
    s3.put_object(Bucket=settings().media_bucket, Key=photo_key, Body=b"picture")
    table = default_table()
    boto3.client("dynamodb").update_item(TableName=table.name, Key={"PK": {"S": keys.profile(made["id"])[0]},
                                                                     "SK": {"S": keys.profile(made["id"])[1]}},
                                         UpdateExpression="SET photo_key = :k",
                                         ExpressionAttributeValues={":k": {"S": photo_key}})

    assert api.call("DELETE", f"{BASE}/{made['id']}", token=token).status == 202
    assert run_scheduler()["erased_profiles"] == 1
    assert table.get(keys.clienteling(store["id"], location.body["id"], made["id"])) is None
    assert table.get(keys.clienteling_of_profile(store["id"], made["id"])) is None
    assert api.call("GET", consent, token=token).body["total"] == 0
    assert s3.list_objects_v2(Bucket=settings().media_bucket, Prefix=photo_key).get("KeyCount") == 0


def test_merge_keeps_the_count(api: Api, owner: dict[str, Any], store: dict[str, Any], token: str) -> None:
    first, second = create(api, token, "m1@example.com"), create(api, token, "m2@example.com")
    reply = api.call("POST", f"/v1/stores/{store['id']}/profiles/{first['id']}/merge", {"source_id": second["id"]},
                     token=owner["access_token"])
    assert reply.status == 200, reply.body
    assert api.call("GET", BASE, token=token).body["pagination_info"]["total"] == 1
    # The source's display id marker went with it: the id may be drawn again.
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table

    assert default_table().get(keys.profile_display_id(store["id"], second["display_id"])) is None


# ---------------------------------------------------------------------------- addresses
def test_addresses_on_the_profile_revision(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                           token: str) -> None:
    made = create(api, token)
    path = f"{BASE}/{made['id']}/addresses"
    added = api.call("POST", path, {"type": "shipping", "address_1": "1 Main St", "city": "NYC", "country_code": "US",
                                    "state": "US-NY", "profile_revision": 1}, token=token)
    assert added.status == 200, added.body
    assert added.body["state"] == "NY"  # the short code zones match on
    assert added.body["profile_revision"] == 2 and added.body["city"] == "NYC" and added.body["company"] == ""
    address_path = f"{path}/{added.body['id']}"
    assert api.call("GET", address_path, token=token).body == added.body
    assert_error(api.call("PUT", address_path, {"city": "Boston", "profile_revision": 1}, token=token), 409,
                 "PROFILE.REVISION_MISMATCH")
    edited = api.call("PUT", address_path, {"city": "Boston", "profile_revision": 2}, token=token)
    assert edited.status == 200, edited.body
    assert (edited.body["city"], edited.body["address_1"]) == ("Boston", "1 Main St")
    assert edited.body["profile_revision"] == 3
    # The Pelcro dialect reads the same record's addresses.
    from storecrm.profiles.repositories.profiles import ProfileRepository

    stored = ProfileRepository().get(made["id"])
    assert stored is not None and stored.addresses[0]["city"] == "Boston"
    assert_error(api.call("DELETE", address_path, {"profile_revision": 2}, token=token), 409)
    deleted = api.call("DELETE", address_path, {"profile_revision": 3}, token=token)
    assert deleted.status == 200 and deleted.body == {"profile_revision": 4}
    assert_error(api.call("GET", address_path, token=token), 404, "ADDRESS.NOT_FOUND")


def test_address_bad_input_scopes_and_stores(api: Api, store: dict[str, Any], token: str,
                                             rival: dict[str, Any]) -> None:
    made = create(api, token)
    path = f"{BASE}/{made['id']}/addresses"
    assert_error(api.call("POST", path, {"address_1": "no type"}, token=token), 400)
    assert_error(api.call("POST", path, {"type": "billing", "country_code": "usa"}, token=token), 400)
    # ISO codes, against the lists every address is checked with (storecrm.kernel.geo)
    assert_error(api.call("POST", path, {"type": "billing", "country_code": "XX"}, token=token), 400)
    assert_error(api.call("POST", path, {"type": "billing", "country_code": "US", "state": "Bavaria"}, token=token),
                 400)
    assert_error(api.call("POST", path, {"type": "billing", "profile_revision": -1}, token=token), 400)
    added = api.call("POST", path, {"type": "billing"}, token=token).body
    assert_error(api.call("DELETE", f"{path}/{added['id']}", {}, token=token), 400)
    assert_error(api.call("PUT", f"{path}/{added['id']}", {"type": "office"}, token=token), 400)
    assert_error(api.call("GET", f"{path}/nope", token=token), 404)
    other = client_token(rival["store"]["id"])
    assert_error(api.call("GET", f"{path}/{added['id']}", token=other), 404)
    assert_error(api.call("POST", path, {"type": "billing"}, token=other), 404)
    assert_error(api.call("PUT", f"{path}/{added['id']}", {"city": "X"}, token=other), 404)
    assert_error(api.call("DELETE", f"{path}/{added['id']}", {"profile_revision": 2}, token=other), 404)
    read_only = client_token(store["id"], "profiles:read")
    assert_error(api.call("POST", path, {"type": "billing"}, token=read_only), 403)
    assert_error(api.call("GET", f"{path}/{added['id']}", token=client_token(store["id"], "profiles:write")), 403)


# ---------------------------------------------------------------------------- orders
def test_orders_in_the_order_summary_shape(api: Api, store: dict[str, Any], shop: dict[str, Any], token: str,
                                           rival: dict[str, Any]) -> None:
    bearer, profile_id = _identify(api, store, "buyer@example.com")
    first = _checkout(api, store, shop, bearer)
    second = _checkout(api, store, shop, bearer)
    reply = api.call("GET", f"{BASE}/{profile_id}/orders", token=token)
    assert reply.status == 200, reply.body
    assert (reply.body["count"], reply.body["total"], reply.body["offset"]) == (2, 2, 0)
    newest = reply.body["items"][0]
    assert newest["order_uuid"] == second["order_id"] and newest["order_id"] == second["number"]
    assert newest["customer_uuid"] == profile_id and newest["totals"]["currency"] == "USD"
    assert newest["ordered_products"][0]["quantity"] == 1 and newest["created_at"].endswith("Z")
    paged = api.call("GET", f"{BASE}/{profile_id}/orders", token=token, query={"offset": 1, "count": 1}).body
    assert [o["order_uuid"] for o in paged["items"]] == [first["order_id"]] and paged["total"] == 2
    assert_error(api.call("GET", f"{BASE}/{profile_id}/orders", token=token, query={"count": 501}), 400)
    assert_error(api.call("GET", f"{BASE}/{profile_id}/orders", token=client_token(rival["store"]["id"])), 404)
    assert_error(api.call("GET", f"{BASE}/{profile_id}/orders", token=client_token(store["id"], "profiles:write")),
                 403)


def test_the_store_purge_removes_the_profiles_index_items_and_count(api: Api, owner: dict[str, Any],
                                                                    store: dict[str, Any], token: str) -> None:
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table

    create(api, token, "gone@example.com", first_name="Gwen")
    table = default_table()
    partitions = [keys.contact_partition(store["id"], "gwen"), keys.profiles_created_by(store["id"], "client-7"),
                  keys.extended_attribute_partition(store["id"], "shirt_fit")]
    assert all(list(table.query_all(p)) for p in partitions)
    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"]).status == 200
    assert [list(table.query_all(p)) for p in partitions] == [[], [], []]
    assert all(table.get(keys.profile_count(store["id"], shard)) is None for shard in range(keys.PROFILE_COUNT_SHARDS))


# ---------------------------------------------------------------------------- every route: scope and store
# (method, path after /v0/consumer_profiles, body, the scope it needs); {id} and {address} are filled in.
ROUTES = [
    ("GET", "", None, "profiles:read"),
    ("GET", "/simplified", None, "profiles:read"),
    ("POST", "", {"email": "new@example.com"}, "profiles:write"),
    ("GET", "/{id}", None, "profiles:read"),
    ("PUT", "/{id}", {"first_name": "A", "last_name": "B", "extended_attributes": [], "revision": 2}, "profiles:write"),
    ("DELETE", "/{id}", None, "profiles:delete"),
    ("POST", "/{id}/addresses", {"type": "billing"}, "profiles:write"),
    ("GET", "/{id}/addresses/{address}", None, "profiles:read"),
    ("PUT", "/{id}/addresses/{address}", {"city": "X"}, "profiles:write"),
    ("DELETE", "/{id}/addresses/{address}", {"profile_revision": 2}, "profiles:write"),
    ("GET", "/{id}/orders", None, "profiles:read"),
]


@pytest.mark.parametrize(("method", "tail", "body", "scope"), ROUTES)
def test_every_route_needs_its_scope_and_its_store(api: Api, store: dict[str, Any], token: str,
                                                   rival: dict[str, Any], method: str, tail: str, body: Any,
                                                   scope: str) -> None:
    made = create(api, token)
    address = api.call("POST", f"{BASE}/{made['id']}/addresses", {"type": "billing"}, token=token).body
    path = BASE + tail.format(id=made["id"], address=address["id"])
    others = [s for s in ALL_SCOPES if s != scope]
    assert_error(api.call(method, path, body, token=client_token(store["id"], *others)), 403,
                 "GENERAL.INSUFFICIENT_SCOPE")
    elsewhere = api.call(method, path, body, token=client_token(rival["store"]["id"]))
    if "{id}" in tail:
        assert_error(elsewhere, 404)
    else:
        assert elsewhere.status == 200, elsewhere.body  # the other store's own (empty) list, or its new profile
    assert api.call("GET", f"{BASE}/{made['id']}", token=token).body["revision"] == 2  # nothing changed


def test_erasure_ends_sessions_and_subscriptions(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                 token: str) -> None:
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository

    bearer, profile_id = _identify(api, store, "shopper@example.com")
    audience = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "news"}, token=owner["access_token"])
    added = api.call("POST", f"/v1/stores/{store['id']}/audiences/{audience.body['id']}/subscribers",
                     {"profile_id": profile_id}, token=owner["access_token"])
    assert added.status == 200, added.body
    assert ProfileRepository().session_keys(profile_id) and AudienceRepository().subscriptions_of(profile_id)
    assert api.call("DELETE", f"{BASE}/{profile_id}", token=token).status == 202
    assert api.call("GET", f"/v1/storefront/{store['id']}/profiles/me", token=bearer).status in (401, 404)
    assert run_scheduler()["erased_profiles"] == 1
    assert ProfileRepository().session_keys(profile_id) == []
    assert AudienceRepository().subscriptions_of(profile_id) == []
    assert api.call("GET", f"/v1/stores/{store['id']}/audiences/{audience.body['id']}/subscribers",
                    token=owner["access_token"]).body["items"] == []


def test_an_id_no_profile_can_have_is_not_found(api: Api, token: str) -> None:
    made = create(api, token)
    long_id = "x" * 3000
    assert_error(api.call("GET", f"{BASE}/{long_id}", token=token), 404)
    assert_error(api.call("GET", f"{BASE}/{long_id}/orders", token=token), 404)
    assert_error(api.call("GET", f"{BASE}/{made['id']}/addresses/{long_id}", token=token), 404)


def test_a_newstore_profile_gets_a_pelcro_customer_number_beside_its_display_id(api: Api, store: dict[str, Any],
                                                                                token: str) -> None:
    from tests.support import latest_code

    made = create(api, token, "both@example.com")
    sdk = "/api/v1/sdk"
    assert api.call("POST", f"{sdk}/auth/passwordless/request", {"site_id": store["id"],
                                                                 "email": "both@example.com"}).status == 200
    logged = api.call("POST", f"{sdk}/auth/passwordless/login", {"site_id": store["id"], "email": "both@example.com",
                                                                 "token": latest_code("both@example.com")})
    assert logged.status == 200, logged.body
    assert isinstance(logged.body["data"]["id"], int)
    again = api.call("GET", f"{BASE}/{made['id']}", token=token).body
    assert again["display_id"] == made["display_id"] and again["email"] == "both@example.com"
    customer = api.call("POST", f"{sdk}/customer", {"site_id": store["id"]}, token=logged.body["data"]["token"])
    assert customer.status == 200 and customer.body["data"]["id"] == logged.body["data"]["id"]


def test_the_count_is_kept_by_every_dialects_creates(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                     token: str) -> None:
    create(api, token, "ns@example.com")
    assert api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "arky@example.com"},
                    token=owner["access_token"]).status == 200
    _identify(api, store)  # a storefront guest: a profile of its own
    assert api.call("POST", "/api/v1/sdk/auth/passwordless/request", {"site_id": store["id"],
                                                                      "email": "pel@example.com"}).status == 200
    from tests.support import latest_code

    assert api.call("POST", "/api/v1/sdk/auth/passwordless/login", {
        "site_id": store["id"], "email": "pel@example.com", "token": latest_code("pel@example.com")}).status == 200
    page = api.call("GET", BASE, token=token, query={"count": 500}).body
    assert page["pagination_info"]["total"] == len(page["items"]) == 4
