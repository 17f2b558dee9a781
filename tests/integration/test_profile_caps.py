"""limits.profiles: every way a profile is made (staff, the NewStore and Pelcro dialects, a shopper's initialize,
connect and code login) stops at the plan's cap with the 402, and the cap holds when creates run at the same
moment: the store's count is split over shards and so is the cap (domain/plan_limits.ProfileSlot)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.api_client_support import client_token, new_client
from tests.integration.test_store_billing import PLANS, _at_once
from tests.support import Api


@pytest.fixture
def serialized_table(provisioned: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """test_checkout's serialized_transactions, reads included: moto keeps a table's partitions in a defaultdict,
    so reading a partition nobody wrote yet (a new email's marker) adds to it while another thread's transaction
    copies the table to restore it on failure. Each call still runs on its own, so creates interleave between
    their read and their write, where the cap's race is."""
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("transact_write_items", "update_item", "get_item", "batch_get_item", "put_item", "delete_item",
                 "query"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self: DynamoDBBackend, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)


@pytest.fixture
def capped(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every store without a paid plan is on the base plan, here one that caps profiles at `cap`."""
    from storecrm import services

    def cap(profiles: int) -> None:
        monkeypatch.setenv("BILLING_PLANS", json.dumps([{**PLANS[0], "limits": {"profiles": profiles}},
                                                        *PLANS[1:]]))
        services.reset()

    return cap


def _count(store_id: str) -> int:
    from storecrm.kernel.repositories.base import default_table
    from storecrm.profiles.repositories.profiles import ProfileRepository

    return ProfileRepository.count_from_items(store_id, default_table().get_many(ProfileRepository.count_keys(
        store_id)))


def _staff_creates(owner: dict[str, Any], store: dict[str, Any], emails: list[str]) -> list[str]:
    from storecrm import services
    from storecrm.crm.profiles import NewProfile
    from storecrm.identity.auth import read_access_token
    from storecrm.identity.gateways.signing_keys import token_verify_keys

    staff = read_access_token(owner["access_token"], token_verify_keys())
    return _at_once([lambda email=email: services.profile_service().create(staff, store["id"],  # type: ignore[misc]
                                                                           NewProfile(email=email))
                     for email in emails])


@pytest.mark.usefixtures("serialized_table")
def test_concurrent_profile_creates_cannot_pass_the_cap(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                        capped: Any) -> None:
    capped(3)
    outcomes = _staff_creates(owner, store, [f"shopper{n}@example.com" for n in range(10)])
    assert sorted(outcomes) == ["BILLING.LIMIT_REACHED"] * 7 + ["ok"] * 3, outcomes
    assert _count(store["id"]) == 3
    found = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=owner["access_token"]).body["items"]
    assert len(found) == 3


@pytest.mark.usefixtures("serialized_table")
def test_the_cap_holds_exactly_where_a_shard_is_over_its_part(api: Api, owner: dict[str, Any],
                                                              store: dict[str, Any], capped: Any) -> None:
    """Two profiles counted on one shard before the cap (a smaller plan now gives it no part of the cap): the
    creates then check every shard, and exactly two more fit under a cap of four."""
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.table import put

    pk, sk = keys.profile_count(store["id"], keys.PROFILE_COUNT_SHARDS - 1)
    default_table().write(put({"PK": pk, "SK": sk, "entity": "PROFILECOUNT", "count": 2}))
    capped(4)
    outcomes = _staff_creates(owner, store, [f"late{n}@example.com" for n in range(6)])
    assert sorted(outcomes) == ["BILLING.LIMIT_REACHED"] * 4 + ["ok"] * 2, outcomes
    assert _count(store["id"]) == 4


def test_every_way_of_making_a_profile_stops_at_the_cap_and_erasure_gives_one_back(
        api: Api, owner: dict[str, Any], store: dict[str, Any], capped: Any) -> None:
    from tests.support import latest_code

    token, site = owner["access_token"], store["id"]
    client = client_token(api, new_client(api, token, site))
    capped(4)
    made = [api.call("POST", f"/v1/stores/{site}/profiles/initialize", {}),
            api.call("POST", f"/v1/stores/{site}/profiles", {"email": "staff@example.com"}, token=token),
            api.call("POST", "/v0/consumer_profiles", {"email": "back.office@example.com", "first_name": "Bo",
                                                       "last_name": "Office"}, token=client),
            api.call("POST", "/api/v1/sdk/auth/register", {"site_id": site, "email": "reader@example.com",
                                                           "password": "a long passphrase 1"})]
    assert [r.status for r in made] == [200] * 4, [r.body for r in made]
    assert _count(site) == 4
    # Full: each dialect answers its own 402; a known email still gets its profile.
    assert api.call("POST", f"/v1/stores/{site}/profiles/initialize", {}).status == 402
    refused = api.call("POST", f"/v1/stores/{site}/profiles/connect", {"email": "new@example.com"})
    assert (refused.status, refused.error) == (402, "BILLING.LIMIT_REACHED") and "limits.profiles" in \
        refused.body["message"]
    assert api.call("POST", f"/v1/stores/{site}/profiles", {"email": "other@example.com"}, token=token).status == 402
    assert api.call("POST", f"/v1/stores/{site}/profiles", {"email": "staff@example.com"}, token=token).status == 200
    newstore = api.call("POST", "/v0/consumer_profiles", {"email": "late@example.com", "first_name": "La",
                                                          "last_name": "Te"}, token=client)
    assert newstore.status == 402 and newstore.body["error_code"] == "BILLING.LIMIT_REACHED"
    pelcro = api.call("POST", "/api/v1/sdk/auth/register", {"site_id": site, "email": "late@example.com",
                                                            "password": "a long passphrase 1"})
    assert pelcro.status == 402 and pelcro.body["error"]["status"] == 402
    assert api.call("POST", f"/v1/stores/{site}/profiles/auth/code", {"email": "coded@example.com"}).status == 200
    coded = api.call("POST", f"/v1/stores/{site}/profiles/auth/verify",
                     {"email": "coded@example.com", "code": latest_code("coded@example.com")})
    assert coded.status == 402, coded.body
    assert _count(site) == 4

    # Erasing one gives its place back at once.
    assert api.call("DELETE", f"/v0/consumer_profiles/{made[2].body['id']}", token=client).status == 202
    assert _count(site) == 3
    assert api.call("POST", f"/v1/stores/{site}/profiles/connect", {"email": "new@example.com"}).status == 200
    assert api.call("POST", f"/v1/stores/{site}/profiles/initialize", {}).status == 402
