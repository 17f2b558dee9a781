"""A store's counters of what its plan caps (audiences, webhooks): each create moves its counter in its own
transaction, on the condition that it stays within the cap, and each delete gives one back; see
stores/plan_limits.py. In the store partition, so the store purge removes them."""

from __future__ import annotations

from storecrm.kernel.errors import Conflict, DomainError, PaymentRequired
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.table import Item, Write, put, update
from storecrm.stores.plan_limits import COUNT_CHANGED, CountedAdd

# Another create started the store's counter between this one's read and its write: it reads again.
COUNTER_STARTED = Conflict("The store's count changed meanwhile; try again", COUNT_CHANGED)

# What a create met at the cap is told when its caller named nothing better.
COUNT_REFUSED = PaymentRequired("The store's plan has no room for one more; choose a larger plan",
                                "BILLING.LIMIT_REACHED")


def counter_key(store_id: str, what: str) -> keys.Key:
    return keys.plan_counter(store_id, what)


def count_from(item: Item | None) -> int | None:
    """The counted number, None when the store has no counter yet."""
    return int(item["count"]) if item and "count" in item else None


def added(store_id: str, what: str, change: CountedAdd, refused: DomainError) -> Write:
    """One more: a new counter from `start_from`, or one more on the condition that it stays within the cap
    (else `refused`: the create that took the last place committed first)."""
    key = counter_key(store_id, what)
    if change.start_from is not None:
        return put({"PK": key[0], "SK": key[1], "entity": "PLANCOUNT", "count": change.start_from + 1},
                   unless_exists=COUNTER_STARTED)
    condition, values = None, {":one": 1}
    if change.cap is not None:
        condition, values = "#count < :cap", {":one": 1, ":cap": change.cap}
    return update(key, "ADD #count :one", condition=condition, names={"#count": "count"}, values=values,
                  error=refused)


def removed(store_id: str, what: str) -> Write:
    """One fewer, for a delete of a store that keeps a counter (one without keeps none until a capped create
    starts it from a count)."""
    return update(counter_key(store_id, what), "ADD #count :less", names={"#count": "count"}, values={":less": -1})
