"""What a store's plan allows (CONTRACTS.md DECISION, limits; issue 16).

- A plan may cap a store's audiences and webhooks (`limits`); creating one past the cap is a 402
  `BILLING.LIMIT_REACHED` naming the limit. It may also cap the bytes of the store's media library
  (`limits.media_bytes`): an upload that would go past it is the same 402. The caps that apply are those
  of the store's subscribed plan while it is paid for (active, or cancelling at period end), else those of
  the base plan: the configured plan without a Stripe Price and of the lowest tier (none configured: no caps).
- A plan caps the mail a store sends a day (`limits.mails_per_day`, storecrm.messaging.store_mail): a store on the
  base plan whose plan sets none (or on a platform with no plans at all) may send DEFAULT_BASE_MAILS_PER_DAY.
- A subscription Stripe gave up collecting (`expired`: unpaid, or never paid) has lapsed: the store's staff
  may still read, manage billing and delete the store, but every other staff write is a 402
  `BILLING.SUBSCRIPTION_LAPSED` until it is paid. Storefront customers never go through these checks.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from storecrm.kernel.errors import Conflict, PaymentRequired, TransactionConflict
from storecrm.stores.models.stores import Store
from storecrm.stores.permissions import Action
from storecrm.stores.plans import SubscriptionPlan, configured_plans, plan_named

Capped = Literal["audiences", "webhooks", "media_bytes", "profiles", "mails_per_day"]
PAID_UP = ("active", "cancellation_scheduled")
LAPSED = ("expired",)
# What staff of a lapsed store may still do: look, pay, or leave.
ALLOWED_WHEN_LAPSED = frozenset({Action.READ_STORE, Action.MANAGE_BILLING, Action.DELETE_STORE})


def lapsed(store: Store) -> bool:
    return store.subscription is not None and store.subscription.status in LAPSED


def check_not_lapsed(store: Store, action: Action, *, reading: bool = False) -> None:
    """Staff reads go on (most rights cover reading and changing alike, so the action alone cannot tell)."""
    if not reading and action not in ALLOWED_WHEN_LAPSED and lapsed(store):
        raise PaymentRequired("The store's subscription has lapsed; pay it in the billing portal to make changes",
                              "BILLING.SUBSCRIPTION_LAPSED")


def effective_plan(store: Store) -> SubscriptionPlan | None:
    if store.subscription is not None and store.subscription.status in PAID_UP:
        subscribed = plan_named(store.subscription.plan_id)
        if subscribed is not None:
            return subscribed
    free = [p for p in configured_plans() if not p.provider_price_id]
    return min(free, key=lambda p: p.tier) if free else None


# Every store's mail goes out under the operator's sender: a store nobody pays for gets a small daily quota
# even when the operator's plans forget to set one.
DEFAULT_BASE_MAILS_PER_DAY = 200


def cap(store: Store, what: Capped) -> int | None:
    plan = effective_plan(store)
    limit: int | None = getattr(plan.limits, what) if plan is not None else None
    if limit is None and what == "mails_per_day" and (plan is None or not plan.provider_price_id):
        return DEFAULT_BASE_MAILS_PER_DAY
    return limit


def check_room(store: Store, what: Capped, count: Callable[[], int]) -> None:
    """One more must fit under the cap; `count` (how many the store has now) is only called when there is
    one. Counted before the write, so two creates at the same moment may both pass: a soft cap, not a quota."""
    limit = cap(store, what)
    if limit is not None and count() >= limit:
        plan = effective_plan(store)
        assert plan is not None
        raise PaymentRequired(f"The {plan.name} plan allows {limit} {what} (limits.{what}); "
                              "choose a larger plan to add more", "BILLING.LIMIT_REACHED")


def check_bytes_room(store: Store, used: int, adding: int) -> int | None:
    """`adding` more bytes of media must fit beside the `used` ones; the cap (None: none) is returned so the
    write can make it a condition too, which makes it a quota even for uploads at the same moment."""
    limit = cap(store, "media_bytes")
    if limit is not None and used + adding > limit:
        plan = effective_plan(store)
        assert plan is not None
        raise PaymentRequired(f"The {plan.name} plan allows {limit} bytes of media (limits.media_bytes), "
                              f"{used} are used and this upload is {adding}; delete media or choose a larger "
                              "plan", "BILLING.LIMIT_REACHED")
    return limit


def limit_reached(store: Store, what: Capped) -> PaymentRequired:
    """The 402 of one more past the cap (the same answer as check_room's)."""
    limit, plan = cap(store, what), effective_plan(store)
    return PaymentRequired(f"The {plan.name if plan else 'current'} plan allows {limit} {what} (limits.{what}); "
                           "choose a larger plan to add more", "BILLING.LIMIT_REACHED")


# ---------------------------------------------------------------- caps counted in the creating transaction
# Tries of a create whose counter another create changed between its read and its write (it reads again).
COUNTED_CREATE_TRIES = 5
COUNT_CHANGED = "BILLING.COUNT_CHANGED"


def recount(error: Exception) -> bool:
    """Whether a refused create should read the count again and retry: another create changed the counter it
    read (or DynamoDB found the two transactions at the same moment), not the cap."""
    return isinstance(error, TransactionConflict) or (isinstance(error, Conflict) and error.code == COUNT_CHANGED)

@dataclass(frozen=True)
class CountedAdd:
    """How a create of a capped kind moves the store's counter of it (audiences, webhooks): by one, on the
    condition that it stays within `cap` (None: no cap, the counter is only kept); `start_from` is set when the
    store has no counter yet (made before counters were kept): it starts from that count, taken by a Query."""

    cap: int | None
    start_from: int | None = None


def counted_add(store: Store, what: Capped, seen: int | None, count: Callable[[], int]) -> CountedAdd | None:
    """The counter change a create writes in its own transaction (None: no cap and no counter, nothing to keep),
    so two creates at the same moment cannot both take the last place. One more than the cap is the 402."""
    limit = cap(store, what)
    if seen is None:
        if limit is None:
            return None
        seen = count()
        if seen >= limit:
            raise limit_reached(store, what)
        return CountedAdd(limit, seen)
    if limit is not None and seen >= limit:
        raise limit_reached(store, what)
    return CountedAdd(limit)


def profiles_capped() -> bool:
    """Whether a configured plan caps profiles: only then does creating one read the store's count first."""
    return any(p.limits.profiles is not None for p in configured_plans())


@dataclass(frozen=True)
class ProfileSlot:
    """Where a new profile is counted under a profile cap. The store's count is split over shards (summed on
    read) so that profile creates do not all write one item; the cap is split over them likewise (`share`: the
    shard's part, the parts summing to the cap), and a create adds to a shard with room on the condition that it
    stays below its part. While every shard is within its part their sum is within the cap, whatever creates run
    at once; only creates that meet on one shard with one place left conflict, and try another. A store with a
    shard above its part (profiles from before the cap, or a smaller plan) gets `seen`: the create then also
    checks that no shard changed since it read them, so it is exact there too, at the price of conflicting with
    any other create meanwhile."""

    shard: int
    share: int
    seen: tuple[int | None, ...] | None = None


def profile_slot(store: Store, counts: Sequence[int | None]) -> ProfileSlot | None:
    """The shard a new profile takes (None: no cap), from the shards' counts as read (None: never written); a
    store at its cap is the 402."""
    limit = cap(store, "profiles")
    if limit is None:
        return None
    found = [c or 0 for c in counts]
    if sum(found) >= limit:
        raise limit_reached(store, "profiles")
    shards = len(found)
    shares = [limit // shards + (1 if n < limit % shards else 0) for n in range(shards)]
    # Below the cap some shard is below its part (the parts sum to the cap); any of them will do, picked at
    # random so that creates at the same moment spread over them.
    shard = random.choice([n for n in range(shards) if found[n] < shares[n]])  # noqa: S311 - not a secret
    over = any(c > share for c, share in zip(found, shares, strict=True))
    return ProfileSlot(shard, shares[shard], tuple(counts) if over else None)
