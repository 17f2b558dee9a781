"""A back office's consumer profile over HTTP against the local runner (the NewStore dialect): create, find
with q and a filter, update on the right and a stale revision, an address added and edited, the orders, and
the deletion request, after which the arky admin route answers 404 and the scheduler erases the profile. The
token comes from an API client the owner creates, through POST /v0/token."""

from __future__ import annotations

from typing import Any

import boto3
import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _store
from tests.e2e.test_storefront_client_calls import _owner_token


def _runner_aws(base: str, service: str) -> tuple[Any, dict[str, Any]]:
    """A client of the runner's moto, and the runner's resources."""
    resources = requests.get(f"{base}/_dev/resources", timeout=15).json()
    client = boto3.client(service, endpoint_url=resources["aws_endpoint_url"], region_name=resources["region"],
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return client, resources


def _client_token(base: str, store_id: str, owner: str) -> str:
    client = requests.post(f"{base}/v1/stores/{store_id}/api-clients", timeout=15, headers={
        "Authorization": f"Bearer {owner}"}, json={
        "name": "Back office", "scopes": ["profiles:read", "profiles:write", "profiles:delete"]})
    assert client.status_code == 200, client.text
    issued = requests.post(f"{base}/v0/token", timeout=15, auth=(client.json()["client_id"],
                                                                 client.json()["client_secret"]),
                           data={"grant_type": "client_credentials"})
    assert issued.status_code == 200, issued.text
    return str(issued.json()["access_token"])


def _call(method: str, url: str, token: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
    return requests.request(method, url, json=body, params=query, timeout=15,
                            headers={"Authorization": f"Bearer {token}"})


def test_consumer_profile_life(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "newstore-shop")
    owner = _owner_token(runner_url, mailbox, "newstore-shop")
    token = _client_token(runner_url, store_id, owner)
    base = f"{runner_url}/v0/consumer_profiles"

    made = _call("POST", base, token, {"email": "jay@example.com", "first_name": "Jay", "last_name": "DoubleYou",
                                       "extended_attributes": [{"name": "shirt_fit", "value": "slim"}]})
    assert made.status_code == 200, made.text
    profile = made.json()
    found = _call("GET", base, token, query={"q": "doub"}).json()
    assert [p["id"] for p in found["items"]] == [profile["id"]]
    filtered = _call("GET", f"{base}/simplified", token, query={"filter[extended_attributes.name]": "shirt_fit",
                                                                "filter[extended_attributes.value]": "slim"}).json()
    assert [p["display_id"] for p in filtered["items"]] == [profile["display_id"]]

    update = {"first_name": "Jay", "last_name": "Double", "extended_attributes": [], "revision": 1}
    assert _call("PUT", f"{base}/{profile['id']}", token, update).json()["revision"] == 2
    stale = _call("PUT", f"{base}/{profile['id']}", token, update)
    assert stale.status_code == 409 and set(stale.json()) == {"error_code", "message", "request_id"}

    added = _call("POST", f"{base}/{profile['id']}/addresses", token, {"type": "shipping", "city": "NYC",
                                                                        "profile_revision": 2}).json()
    edited = _call("PUT", f"{base}/{profile['id']}/addresses/{added['id']}", token,
                   {"city": "Boston", "profile_revision": added["profile_revision"]})
    assert edited.status_code == 200 and edited.json()["city"] == "Boston", edited.text
    orders = _call("GET", f"{base}/{profile['id']}/orders", token).json()
    assert (orders["count"], orders["total"], orders["items"]) == (0, 0, [])

    assert _call("DELETE", f"{base}/{profile['id']}", token).status_code == 202
    admin = _call("GET", f"{runner_url}/v1/stores/{store_id}/profiles/{profile['id']}", owner)
    assert admin.status_code == 404, admin.text
    dynamodb, resources = _runner_aws(runner_url, "dynamodb")
    job = {"PK": {"S": f"PROFILEDELETION#{profile['id']}"}, "SK": {"S": "PROFILEDELETION"}}
    # The runner's own timer may get there first; either way the job is done after this run.
    assert requests.post(f"{runner_url}/_dev/schedule/SchedulerFunction", timeout=60).json()["ok"] is True
    assert "Item" not in dynamodb.get_item(TableName=resources["refs"]["Table"], Key=job)
