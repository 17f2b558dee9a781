"""Clienteling opt-ins per store location (NewStore dialect): set a consumer's state, list a location's
consumers; opting out at one location opts out at all; scopes, tenants and gone profiles."""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest

from tests.integration.api_client_support import client_token, new_client
from tests.integration.conftest import login
from tests.support import Api, counting_calls


def _counts(listed: dict[str, Any]) -> dict[str, int]:
    return {name: listed[name] for name in ("count", "total", "offset")}


def _location(api: Api, token: str, store_id: str, key: str) -> str:
    reply = api.call("POST", f"/v1/stores/{store_id}/locations", {"key": key, "address": {"country": "US"}},
                     token=token)
    assert reply.status == 200, reply.body
    return str(reply.body["id"])


def _profile(api: Api, token: str, store_id: str, email: str) -> str:
    reply = api.call("POST", f"/v1/stores/{store_id}/profiles", {"email": email}, token=token)
    assert reply.status == 200, reply.body
    return str(reply.body["id"])


def _set(api: Api, token: str, location_id: str, profile_id: str, state: Any) -> Any:
    return api.call("PUT", f"/v0/clienteling/stores/{location_id}/consumers/{profile_id}", {"state": state},
                    token=token)


def _list(api: Api, token: str, location_id: str, **query: Any) -> Any:
    return api.call("GET", f"/v0/clienteling/stores/{location_id}/consumers", token=token, query=query)


def _states(api: Api, token: str, location_id: str) -> dict[str, str]:
    return {c["id"]: c["state"] for c in _list(api, token, location_id, count=500).body["consumers"]}


def test_consent_per_location_and_opting_out_everywhere(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    staff = owner["access_token"]
    token = client_token(api, new_client(api, staff, store["id"]))
    fifth, soho, mall = (_location(api, staff, store["id"], key) for key in ("NYC_5th", "NYC_Soho", "NJ_Mall"))
    ada = _profile(api, staff, store["id"], "ada@example.com")

    accepted = _set(api, token, fifth, ada, "accepted")
    assert accepted.status == 200, accepted.body
    assert {k: accepted.body[k] for k in ("id", "email", "store_id", "store_name", "state")} == {
        "id": ada, "email": "ada@example.com", "store_id": fifth, "store_name": "NYC_5th", "state": "accepted"}
    assert accepted.body["opt_in_date"].endswith("Z") and accepted.body["updated_at"].endswith("Z")
    assert _set(api, token, soho, ada, "waiting").body["opt_in_date"] is None
    # Setting the same state again changes nothing a list shows, and counts the consumer once.
    assert _set(api, token, fifth, ada, "accepted").body["opt_in_date"] == accepted.body["opt_in_date"]
    listed = _list(api, token, fifth)
    assert listed.status == 200, listed.body
    assert _counts(listed.body) == {"count": 1, "total": 1, "offset": 0}
    assert listed.body["consumers"][0]["id"] == ada and listed.body["consumers"][0]["state"] == "accepted"
    assert _list(api, token, mall).body == {"count": 0, "total": 0, "offset": 0, "consumers": []}

    # Opting out at one location opts out at every location the profile has a state at.
    rejected = _set(api, token, soho, ada, "rejected")
    assert rejected.status == 200 and rejected.body["state"] == "rejected", rejected.body
    assert _states(api, token, fifth) == {ada: "rejected"} and _states(api, token, soho) == {ada: "rejected"}
    assert _list(api, token, fifth).body["consumers"][0]["opt_in_date"] is None
    # Consent given again afterwards is for that location only.
    assert _set(api, token, mall, ada, "accepted").status == 200
    assert (_states(api, token, fifth), _states(api, token, mall)) == ({ada: "rejected"}, {ada: "accepted"})


def test_consumer_list_pages_by_offset_and_count(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    staff = owner["access_token"]
    token = client_token(api, new_client(api, staff, store["id"]))
    shop = _location(api, staff, store["id"], "shop")
    profiles = sorted(_profile(api, staff, store["id"], f"p{i}@example.com") for i in range(3))
    for profile_id in profiles:
        assert _set(api, token, shop, profile_id, "accepted").status == 200
    with counting_calls() as calls:
        page = _list(api, token, shop, offset=1, count=1).body
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query", "dynamodb.BatchGetItem"]
    assert _counts(page) == {"count": 1, "total": 3, "offset": 1}
    assert [c["id"] for c in page["consumers"]] == [profiles[1]]
    assert _counts(_list(api, token, shop, offset=3).body) == {"count": 0, "total": 3, "offset": 3}
    with counting_calls() as calls:
        assert _set(api, token, shop, profiles[0], "waiting").status == 200
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]


def test_clienteling_bad_input_and_scopes(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    staff = owner["access_token"]
    token = client_token(api, new_client(api, staff, store["id"]))
    shop = _location(api, staff, store["id"], "shop")
    ada = _profile(api, staff, store["id"], "ada@example.com")
    cases = [
        (_set(api, token, shop, ada, "maybe"), 400, "GENERAL.VALIDATION_ERROR"),
        (api.call("PUT", f"/v0/clienteling/stores/{shop}/consumers/{ada}", {}, token=token), 400,
         "GENERAL.VALIDATION_ERROR"),
        (_list(api, token, shop, count=501), 400, "GENERAL.VALIDATION_ERROR"),
        (_list(api, token, shop, count=0), 400, "GENERAL.VALIDATION_ERROR"),
        (_list(api, token, shop, offset=-1), 400, "GENERAL.VALIDATION_ERROR"),
        (_list(api, token, shop, offset=9_600, count=500), 400, "GENERAL.VALIDATION_ERROR"),
        (_set(api, token, "no-such-location", ada, "accepted"), 404, "LOCATION.NOT_FOUND"),
        (_set(api, token, shop, "no-such-profile", "accepted"), 404, "PROFILE.NOT_FOUND"),
        (_list(api, token, "no-such-location"), 404, "LOCATION.NOT_FOUND"),
        (_set(api, "not-a-token", shop, ada, "accepted"), 401, "GENERAL.INVALID_TOKEN"),
        (_list(api, staff, shop), 401, "GENERAL.INVALID_TOKEN"),  # a staff login is not an API client
    ]
    reader = client_token(api, new_client(api, staff, store["id"], ["profiles:read"]))
    writer = client_token(api, new_client(api, staff, store["id"], ["profiles:write"]))
    cases += [(_set(api, reader, shop, ada, "accepted"), 403, "GENERAL.INSUFFICIENT_SCOPE"),
              (_list(api, writer, shop), 403, "GENERAL.INSUFFICIENT_SCOPE")]
    for reply, status, code in cases:
        assert (reply.status, reply.body["error_code"]) == (status, code), reply.body
        assert set(reply.body) == {"error_code", "message", "request_id"}
    assert _set(api, writer, shop, ada, "accepted").status == 200
    assert _states(api, reader, shop) == {ada: "accepted"}  # nothing the refused calls did stuck


def test_another_stores_client_sees_none_of_it(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    staff = owner["access_token"]
    token = client_token(api, new_client(api, staff, store["id"]))
    shop = _location(api, staff, store["id"], "shop")
    ada = _profile(api, staff, store["id"], "ada@example.com")
    assert _set(api, token, shop, ada, "accepted").status == 200

    rival_staff = login(api, "rival@example.com")["access_token"]
    rival = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                     token=rival_staff).body
    rival_token = client_token(api, new_client(api, rival_staff, rival["id"]))
    rival_shop = _location(api, rival_staff, rival["id"], "their-shop")
    for reply, code in [(_list(api, rival_token, shop), "LOCATION.NOT_FOUND"),
                        (_set(api, rival_token, shop, ada, "rejected"), "LOCATION.NOT_FOUND"),
                        (_set(api, rival_token, rival_shop, ada, "accepted"), "PROFILE.NOT_FOUND"),
                        (_set(api, token, rival_shop, ada, "accepted"), "LOCATION.NOT_FOUND")]:
        assert (reply.status, reply.body["error_code"]) == (404, code), reply.body
    assert _states(api, token, shop) == {ada: "accepted"}
    assert _list(api, rival_token, rival_shop).body["total"] == 0


def test_a_gone_profile_leaves_every_list(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    staff = owner["access_token"]
    token = client_token(api, new_client(api, staff, store["id"]))
    shop, other = _location(api, staff, store["id"], "shop"), _location(api, staff, store["id"], "other")
    kept, merged = _profile(api, staff, store["id"], "kept@example.com"), _profile(api, staff, store["id"],
                                                                                   "dup@example.com")
    for location_id in (shop, other):
        for profile_id in (kept, merged):
            assert _set(api, token, location_id, profile_id, "accepted").status == 200
    merge = api.call("POST", f"/v1/stores/{store['id']}/profiles/{kept}/merge", {"source_id": merged}, token=staff)
    assert merge.status == 200, merge.body
    page = _list(api, token, shop).body
    assert [c["id"] for c in page["consumers"]] == [kept] and page["total"] == 1
    # Its opt-ins went everywhere at once: the other location counts it no more either.
    assert _counts(_list(api, token, other).body) == {"count": 1, "total": 1, "offset": 0}
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(os.environ["TABLE_NAME"])
    assert "Item" not in table.get_item(Key={"PK": f"STORE#{store['id']}", "SK": f"CLIENTELINGPROFILE#{merged}"})
    assert _set(api, token, shop, merged, "accepted").status == 404


def test_a_lapsed_store_keeps_reading_but_not_writing(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    staff = owner["access_token"]
    token = client_token(api, new_client(api, staff, store["id"]))
    shop = _location(api, staff, store["id"], "shop")
    ada = _profile(api, staff, store["id"], "ada@example.com")
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=os.environ["TABLE_NAME"], Key={"PK": {"S": f"STORE#{store['id']}"}, "SK": {"S": "STORE"}},
        UpdateExpression="SET subscription = :s",
        ExpressionAttributeValues={":s": {"M": {"plan_id": {"S": "plan_pro"}, "status": {"S": "expired"}}}})
    refused = _set(api, token, shop, ada, "accepted")
    assert (refused.status, refused.body["error_code"]) == (402, "BILLING.SUBSCRIPTION_LAPSED")
    assert _list(api, token, shop).status == 200


def test_a_profile_has_states_at_a_bounded_number_of_locations(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Opting out rewrites every location of the profile in one transaction, so their number is capped.
    monkeypatch.setattr("storecrm.crm.clienteling.MAX_LOCATIONS_PER_PROFILE", 2)
    staff = owner["access_token"]
    token = client_token(api, new_client(api, staff, store["id"]))
    first, second, third = (_location(api, staff, store["id"], key) for key in ("one", "two", "three"))
    ada = _profile(api, staff, store["id"], "ada@example.com")
    assert _set(api, token, first, ada, "accepted").status == 200
    assert _set(api, token, second, ada, "waiting").status == 200
    refused = _set(api, token, third, ada, "accepted")
    assert (refused.status, refused.body["error_code"]) == (400, "GENERAL.VALIDATION_ERROR"), refused.body
    assert _set(api, token, second, ada, "rejected").status == 200  # a location it has a state at still works
    assert _list(api, token, third).body["total"] == 0
