"""Finding profiles in a big store: DynamoDB items read per page, through the real handler, against moto.

One store gets N profiles, written straight into moto's table as the exact items
ProfileRepository.create_writes makes (the API would take far too long for thousands). Then each
kind of find asks for a page of 20 and of 100, and some follow their cursor. "read" is what
DynamoDB read for the page: Query ScannedCount plus the items BatchGetItem returned (that includes
the store and membership items of the access check), seen with a botocore after-call hook.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench import table
from bench.calls import Flow, operations, provisioned

if TYPE_CHECKING:
    from localrunner.template import Provisioned
    from tests.support import Api

    from storecrm.profiles.models.profiles import Profile

TIERS = ("gold", "silver", "bronze", "platinum")
FITS = ("slim", "regular")
# The API client that "created" every bench profile (the NewStore dialect's filter[created_by]).
BENCH_CLIENT = "bench-client"
PAGE_SIZES = (20, 100)
FOLLOW_PAGES = 3


def _taxonomy(**condition: Any) -> dict[str, str]:
    return {"taxonomy_query": json.dumps([{"taxonomy_id": "segments", "query": [condition]}])}


# (label, query parameters, follow the cursor?)
CASES: list[tuple[str, dict[str, str], bool]] = [
    ("(a) list, default sort", {}, True),
    ("(b) list, email asc, active", {"sort_field": "email", "sort_direction": "asc", "status": "active"}, False),
    ("(c) query=user123", {"query": "user123"}, True),
    ("(d) tier == gold", _taxonomy(key="tier", type="text", value="gold"), True),
    ("(e) ltv >= 4990", _taxonomy(key="ltv", type="number", operation="gte", value=4990), False),
]


# ------------------------------------------------------------------- loading
def make_profile(store_id: str, i: int, at: int) -> Profile:
    from storecrm.profiles.models.profiles import ExtendedAttribute, Profile
    from storecrm.profiles.models.taxonomies import TaxonomyEntry, TaxonomyField

    fields = [TaxonomyField(key="tier", type="text", value=TIERS[i % len(TIERS)]),
              TaxonomyField(key="ltv", type="number", value=i % 5000),
              TaxonomyField(key="vip", type="boolean", value=i % 7 == 0)]
    return Profile(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-profile-{i}")), store_id=store_id,
                   email=f"user{i}@example.com", status="archived" if i % 10 == 9 else "active",
                   taxonomies=[TaxonomyEntry(taxonomy_id="segments", fields=fields)],
                   first_name=f"Jo{i % 4}", last_name=f"Bench{i}", created_by=BENCH_CLIENT,
                   extended_attributes=[ExtendedAttribute(name="fit", value=FITS[i % len(FITS)])],
                   created_at=at + i, updated_at=at + i)


def load(prov: Provisioned, store_id: str, count: int) -> None:
    """Puts every item of `count` profiles straight into moto's table and prints how long it took.

    moto's own put_item works too, but at ~150 us an item (it re-sums the item's size for every
    attribute it adds) 20,000 profiles, ~240,000 items, take ~40 s. Here each moto Item gets its
    attributes in one dict update: the same stored item, without the checks.
    """
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from storecrm.clock import now
    from storecrm.kernel.repositories.table import serialize
    from storecrm.profiles.repositories.profiles import ProfileRepository

    moto_table = dynamodb_backends[prov.account_id][prov.region].get_table(prov.refs["Table"])
    started = time.perf_counter()
    at = now() - count
    raw: list[dict[str, Any]] = []
    for i in range(count):
        for write in ProfileRepository.create_writes(make_profile(store_id, i, at), []):
            if write.kind == "Update":
                continue  # the store's profile count: written once below
            assert write.kind == "Put" and write.item is not None
            raw.append(serialize(write.item))
    count_pk, count_sk = ProfileRepository.count_keys(store_id)[0]
    raw.append(serialize({"PK": count_pk, "SK": count_sk, "entity": "PROFILECOUNT", "count": count}))
    built = time.perf_counter()
    for attrs in raw:
        pk, sk = DynamoType(attrs["PK"]), DynamoType(attrs["SK"])
        item = Item(pk, sk, {})
        item.attrs.update({name: DynamoType(value) for name, value in attrs.items()})
        moto_table.items[pk][sk] = item
    done = time.perf_counter()
    print(f"Loaded {count} profiles ({len(raw)} items) in {done - started:.1f} s "
          f"(building items {built - started:.1f} s, into moto {done - built:.1f} s)")
    # moto's Query sorts every item of the table before it looks at one partition, and then sorts
    # the matches again; at this size that first sort costs seconds per Query. The matches are
    # still sorted, so skipping it changes no result, only the wait.
    moto_table.__dict__["all_items"] = lambda: [i for by_sk in moto_table.items.values() for i in by_sk.values()]


# ------------------------------------------------------------------- measuring
@dataclass
class Reads:
    """Items DynamoDB read: Query ScannedCount and the items of BatchGetItem responses."""

    query: int = 0
    batch: int = 0

    def hook(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            self.query += int(parsed.get("ScannedCount", 0))
        elif model.name == "BatchGetItem":
            self.batch += sum(len(items) for items in parsed.get("Responses", {}).values())


@dataclass
class PageResult:
    calls: list[str]
    reads: Reads
    ids: list[str]
    cursor: str | None
    millis: float


def measured_get(api: Api, path: str, token: str, params: dict[str, Any]) -> tuple[Any, list[str], Reads, float]:
    """A GET that must answer 200: its body, the AWS calls it made, the items they read and its milliseconds."""
    from tests.support import counting_calls

    from storecrm import aws

    reads = Reads()
    events = aws.client("dynamodb").meta.events
    events.register("after-call.dynamodb", reads.hook)
    try:
        with counting_calls() as log:
            started = time.perf_counter()
            reply = api.call("GET", path, token=token, query=params)
            elapsed = time.perf_counter() - started
    finally:
        events.unregister("after-call.dynamodb", reads.hook)
    if reply.status != 200:
        raise RuntimeError(f"GET {path} {params} answered {reply.status}: {reply.body}")
    return reply.body, list(log.calls), reads, elapsed * 1000


def fetch(api: Api, flow: Flow, params: dict[str, Any]) -> PageResult:
    body, calls, reads, millis = measured_get(api, flow.profiles(), flow.token, params)
    return PageResult(calls, reads, [str(p["id"]) for p in body["items"]], body["cursor"], millis)


def row(label: str, limit: int, page: int, result: PageResult, seen: set[str]) -> list[str]:
    r, returned = result.reads, len(result.ids)
    ratio = f"{(r.query + r.batch) / returned:.2f}" if returned else "-"
    again = sum(1 for i in result.ids if i in seen)
    return [label, str(limit), str(page), str(len(result.calls)), operations(result.calls),
            f"{r.query + r.batch} = {r.query} + {r.batch}", str(returned), ratio, str(again),
            "yes" if result.cursor else "no", f"{result.millis:.0f}"]


def run(count: int) -> None:
    from tests.support import Api

    rows = [["find", "limit", "page", "calls", "operations", "read = Query + Batch", "returned", "read/ret",
             "repeats", "cursor", "ms"]]
    with provisioned() as prov:
        flow = Flow(prov)
        flow.owner = flow.login("owner@bench.example.com")
        flow.store_id = flow.create_store()
        load(prov, flow.store_id, count)
        api = Api()
        for label, params, follow in CASES:
            for limit in PAGE_SIZES:
                seen: set[str] = set()
                cursor: str | None = None
                for page in range(1, (FOLLOW_PAGES if follow else 1) + 1):
                    result = fetch(api, flow, {**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
                    rows.append(row(label, limit, page, result, seen))
                    seen.update(result.ids)
                    cursor = result.cursor
                    if not cursor:
                        break
    print()
    print(f"Finding profiles among {count} (tiers cycle {'/'.join(TIERS)}, ltv = i % 5000, every 10th archived); "
          "read = items DynamoDB read for the page (Query ScannedCount + BatchGetItem items, the latter "
          "including the store and membership of the access check); repeats = items already returned by an "
          "earlier page; ms informational")
    print(table(rows, right=frozenset({1, 2, 3, 6, 7, 8, 10})))
