"""A live stack can be upgraded (issue 25, part 5): profiles and orders written before the NewStore dialect lack
entries later versions write beside them (the store's profile count share, the `q`/filter entries, the list-order
entries, the orders' list keys). The first data migration backfills them, in pages, resumably and idempotently, so
the NewStore totals, searches, filters and a profile's orders answer as for freshly written records."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_newstore_profiles import BASE, create, shop, token  # noqa: F401 - fixtures
from tests.support import Api

# The partitions of the entries the NewStore dialect and its deep offsets added beside a profile.
NEWSTORE_ENTRIES = ("#CONTACT#", "#CREATEDBY#", "#XATTR#", "#ORDER#")


def make_old(profile_id: str) -> None:
    """The profile as a version before the NewStore dialect left it: without its contact-term, creator,
    extended-attribute and list-order entries, and without its share of the store's profile count."""
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.table import delete
    from storecrm.profiles.repositories.profiles import ProfileRepository, _index_items, count_change

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


def strip_order(store_id: str, order_id: str) -> None:
    """The order as a version before its list indexes left it: none of its list keys."""
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.table import update

    names = [f"GSI{i}{part}" for i in range(1, 7) for part in ("PK", "SK")]
    default_table().write(update(keys.order(store_id, order_id), "REMOVE " + ", ".join(names)))


def answers(api: Api, token: str, profile_ids: list[str]) -> dict[str, Any]:  # noqa: F811
    """What the NewStore routes answer about the store's profiles: the list and its total, a deep offset page in
    two orders, `q` by name, email and phone, the filters, and each profile's orders."""
    def page(**query: Any) -> Any:
        reply = api.call("GET", BASE, token=token, query={"count": 500, **query})
        assert reply.status == 200, reply.body
        return [p["id"] for p in reply.body["items"]], reply.body["pagination_info"]["total"]

    def orders(profile_id: str) -> Any:
        reply = api.call("GET", f"{BASE}/{profile_id}/orders", token=token)
        assert reply.status == 200, reply.body
        return [o["order_uuid"] for o in reply.body["items"]], reply.body["total"]

    return {"all": page(), "oldest first": page(sort="created_at|asc"),
            "deep by email": page(sort="email|asc", offset=3, count=2),
            "deep by created": page(sort="created_at|desc", offset=2, count=2),
            "q name": page(q="doubleyou"), "q email": page(q="old.1@example.com"), "q phone": page(q="202-555-0101"),
            "created by": page(**{"filter[created_by]": "client-7"}),
            "attribute": page(**{"filter[extended_attributes.name]": "shirt_fit",
                                 "filter[extended_attributes.value]": "slim"}),
            "orders": [orders(p) for p in profile_ids]}


def run_migrations(pages: int | None = None) -> Any:
    """One run of the stack's migrations, four items a page; with `pages`, its time is up after that many."""
    from storecrm.kernel.migrations import Migrations
    from storecrm.services import migrations

    looks = iter(range(10**6))
    runner = Migrations(migrations().repository, migrations().migrations, page_items=4,
                        clock=(lambda: float(next(looks))) if pages is not None else None)
    return runner.run(float(pages) if pages is not None else float("inf"))


def cursor_item() -> dict[str, Any] | None:
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table

    return default_table().get(keys.migration("0001-profile-entries"), consistent=True)


def test_the_backfill_makes_old_profiles_and_orders_answer_as_fresh_ones(
        api: Api, store: dict[str, Any], shop: dict[str, Any], token: str,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.migrations import MigrationRepository
    from storecrm.kernel.repositories.table import delete
    from tests.integration.test_profile_commerce import _checkout, _identify

    made = [create(api, token, f"{name}@example.com", phone_number=f"202-555-01{n:02d}",
                   last_name="DoubleYou" if n % 2 else "Smith",
                   extended_attributes=[{"name": "shirt_fit", "value": "slim" if n % 3 else "loose"}])["id"]
            for n, name in enumerate(["fresh.0", "old.1", "fresh.2", "old.3", "old.4", "fresh.5"])]
    bearer, buyer = _identify(api, store, "old.buyer@example.com")
    bought = _checkout(api, store, shop, bearer)["order_id"]
    profiles = [*made, buyer]
    fresh = answers(api, token, profiles)
    assert fresh["all"][1] == 7 and fresh["orders"][-1] == ([bought], 1)
    old = [made[1], made[3], made[4], buyer]
    for profile_id in old:
        make_old(profile_id)
    strip_order(store["id"], bought)
    stale = answers(api, token, profiles)
    for name in ("all", "q name", "q email", "q phone", "created by", "attribute"):
        assert stale[name] != fresh[name], name
    assert stale["orders"][-1] == ([], 0)

    # Interrupted after two pages: what it did is kept, and the next run goes on from there.
    first = run_migrations(pages=2)
    assert first.pages == 2 and first.pending == ["0001-profile-entries"]
    saved = cursor_item()
    assert saved is not None and saved["pages"] == 2 and saved["cursor"] and "finished_at" not in saved
    # A run that dies after a page's writes, before its cursor is saved: that page is done again.
    def crash(self: MigrationRepository, state: Any, seen_pages: int) -> bool:
        raise RuntimeError("the run was stopped")

    save = MigrationRepository.save
    monkeypatch.setattr(MigrationRepository, "save", crash)
    with pytest.raises(RuntimeError):
        run_migrations(pages=1)
    monkeypatch.setattr(MigrationRepository, "save", save)
    rest = run_migrations()
    assert rest.finished == ["0001-profile-entries"] and rest.pending == []
    done = cursor_item()
    assert done is not None and done["finished_at"] and "cursor" not in done
    # Four profiles and the order; the page done again after the crash found its records done already.
    assert 0 < done["changed"] <= len(old) + 1
    assert answers(api, token, profiles) == fresh

    # Finished: a later run reads nothing; run again from the start, it changes nothing and counts nobody twice.
    assert run_migrations().pages == 0
    default_table().write(delete(keys.migration("0001-profile-entries")))
    again = run_migrations()
    assert again.finished == ["0001-profile-entries"] and again.changed == 0
    assert answers(api, token, profiles) == fresh


def test_the_scheduler_runs_a_deploys_migrations_and_tells_of_their_progress(
        api: Api, store: dict[str, Any], token: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    import json

    from tests.integration.test_scheduler_jobs import run_scheduler

    made = [create(api, token, f"p{n}@example.com")["id"] for n in range(3)]
    for profile_id in made[:2]:
        make_old(profile_id)
    assert total(api, token) == 1
    capsys.readouterr()
    run_scheduler()
    assert total(api, token) == 3
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    changed = [d["MigrationItems"] for d in documents if "MigrationItems" in d and d.get("outcome") == "changed"]
    assert sum(sum(v) if isinstance(v, list) else v for v in changed) == 2
    finished = cursor_item()
    assert finished is not None and finished["finished_at"]
    run_scheduler()
    assert total(api, token) == 3
