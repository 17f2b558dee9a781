"""A live stack can be upgraded (issue 25, part 5): profiles and orders written before the NewStore dialect lack
entries later versions write beside them (the store's profile count share, the `q`/filter entries, the list-order
entries, the orders' list keys). The first data migration backfills them, in pages, resumably and idempotently, so
the NewStore totals, searches, filters and a profile's orders answer as for freshly written records."""

from __future__ import annotations

from typing import Any

from tests.integration.test_newstore_profiles import BASE, create, token  # noqa: F401 - a fixture
from tests.support import Api

# The partitions of the entries the NewStore dialect and its deep offsets added beside a profile.
NEWSTORE_ENTRIES = ("#CONTACT#", "#CREATEDBY#", "#XATTR#", "#ORDER#")


def make_old(profile_id: str) -> None:
    """The profile as a version before the NewStore dialect left it: without its contact-term, creator,
    extended-attribute and list-order entries, and without its share of the store's profile count."""
    from storecrm.repositories.base import default_table
    from storecrm.repositories.profiles import ProfileRepository, _index_items, count_change
    from storecrm.repositories.table import delete

    profile = ProfileRepository().get(profile_id)
    assert profile is not None
    added = [key for key in _index_items(profile) if any(part in key[0] for part in NEWSTORE_ENTRIES)]
    assert added
    default_table().transact([*[delete(key) for key in added], count_change(profile, -1)])


def total(api: Api, token: str) -> int:  # noqa: F811
    reply = api.call("GET", BASE, token=token)
    assert reply.status == 200, reply.body
    return int(reply.body["pagination_info"]["total"])


def test_erasing_a_profile_the_count_never_had_gives_nothing_back(
        api: Api, owner: dict[str, Any], store: dict[str, Any], token: str) -> None:  # noqa: F811
    kept = create(api, token, "kept@example.com")["id"]
    old = create(api, token, "old@example.com")["id"]
    make_old(old)
    assert total(api, token) == 1  # the old one was never counted
    assert api.call("DELETE", f"{BASE}/{old}", token=token).status == 202
    assert total(api, token) == 1
    # A merge's source the count never had: the same.
    source = create(api, token, "source@example.com")["id"]
    make_old(source)
    merged = api.call("POST", f"/v1/stores/{store['id']}/profiles/{kept}/merge", {"source_id": source},
                      token=owner["access_token"])
    assert merged.status == 200, merged.body
    assert total(api, token) == 1
    # Counted profiles give their share back as before.
    assert api.call("DELETE", f"{BASE}/{kept}", token=token).status == 202
    assert total(api, token) == 0
