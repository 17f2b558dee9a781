"""The NewStore dialect's offset pages in a big store: DynamoDB items read per page, through the real handler,
against moto.

The store's N profiles are loaded straight into moto's table as bench.find does (every one has a first name
word `jo0`..`jo3`, an extended attribute `fit` of slim or regular, and the bench client as its creator). Each
case asks for a page at offset 0 and at offset 9,500. "read" is what DynamoDB read for the page: Query
ScannedCount (the entries passed over with Select=COUNT included) plus the items BatchGetItem returned (the
store and its profile count, and a filtered page's profiles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import table
from bench.calls import Flow, operations, provisioned
from bench.find import BENCH_CLIENT, load, measured_get

if TYPE_CHECKING:
    pass

OFFSETS = (0, 9_500)
COUNTS = (10, 500)
CASES: list[tuple[str, dict[str, str]]] = [
    ("list, created_at desc", {}),
    ("list, email asc", {"sort": "email|asc"}),
    ("q=jo (a first-name prefix)", {"q": "jo"}),
    ("filter[created_by]", {"filter[created_by]": BENCH_CLIENT}),
    ("filter[extended_attributes] fit=slim", {"filter[extended_attributes.name]": "fit",
                                              "filter[extended_attributes.value]": "slim"}),
]


def client_token(store_id: str) -> str:
    from storecrm.clock import now
    from storecrm.identity.auth import Principal, issue_access_token
    from storecrm.identity.gateways.signing_keys import token_signing_keys

    principal = Principal(kind="client", subject=BENCH_CLIENT, store_id=store_id, scopes=frozenset({"profiles:read"}))
    return issue_access_token(principal, token_signing_keys(), now(), 900)[0]


def run(count: int) -> None:
    from tests.support import Api

    rows = [["list", "offset", "count", "calls", "operations", "read = Query + Batch", "returned", "total", "ms"]]
    with provisioned() as prov:
        flow = Flow(prov)
        flow.owner = flow.login("owner@bench.example.com")
        flow.store_id = flow.create_store()
        load(prov, flow.store_id, count)
        api, token = Api(), client_token(flow.store_id)
        for label, params in CASES:
            for size in COUNTS:
                for offset in OFFSETS:
                    body, calls, r, millis = measured_get(api, "/v0/consumer_profiles/simplified", token,
                                                         {**params, "offset": offset, "count": size})
                    info = body["pagination_info"]
                    rows.append([label, str(offset), str(size), str(len(calls)), operations(calls),
                                 f"{r.query + r.batch} = {r.query} + {r.batch}", str(info["count"]),
                                 str(info["total"]), f"{millis:.0f}"])
    print()
    print(f"NewStore consumer profile pages among {count} profiles (GET /v0/consumer_profiles/simplified); read = "
          "items DynamoDB read for the page (Query ScannedCount, with the entries passed over by Select=COUNT, + "
          "BatchGetItem items: the store and its count, a filtered page's profiles); ms informational")
    print(table(rows, right=frozenset({1, 2, 3, 6, 7, 8})))
