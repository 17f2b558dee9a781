"""Time and identifiers in one place, so tests can move the clock."""

from __future__ import annotations

import hashlib
import os
import time
import uuid

# The local runner's --clock-rate: from the second it started (CLOCK_START), its time runs CLOCK_RATE times faster
# than real time, so a reminder due in ten minutes arrives in one. Lambda sets neither: real time.
CLOCK_RATE = "STORECRM_CLOCK_RATE"
CLOCK_START = "STORECRM_CLOCK_START"


def now() -> int:
    """Unix seconds: the wire format for every timestamp."""
    real = time.time()
    rate = os.environ.get(CLOCK_RATE)
    if rate is None:
        return int(real)
    start = float(os.environ[CLOCK_START])
    return int(start + (real - start) * float(rate))


def new_id() -> str:
    """A UUID version 7 (RFC 9562): the millisecond it was made, then 74 random bits. Lists sorted by a
    timestamp in seconds break ties by id, so records made within the same second still list in the order
    they were made."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return str(uuid.UUID(int=value))


def derived_id(made_after: str, *names: str) -> str:
    """A UUID version 7 that a retried request makes again rather than anew (a checkout's order for one cart
    revision): the millisecond of `made_after` (a UUID version 7 made before it, the cart's id), then bits of a hash
    of `names`. Records that list by the second they were made break ties by id: a profile's orders placed within
    one second then list in the order of their carts, as its carts are made one after another."""
    digest = hashlib.sha256("\n".join(names).encode()).digest()
    millisecond = uuid.UUID(made_after).int >> 80
    value = millisecond << 80 | int.from_bytes(digest[:10], "big")
    value = value & ~(0xF << 76) | 0x7 << 76
    value = value & ~(0x3 << 62) | 0x2 << 62
    return str(uuid.UUID(int=value))


def new_random_id() -> str:
    """A UUID version 4: random, carrying no time. For ids that reach people who may not know when the record
    was made (a profile's id is in an unverified session's answer, where its age would tell an existing
    customer's email from a new one); lists of such records sort by their own timestamps."""
    return str(uuid.uuid4())
