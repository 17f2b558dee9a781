"""Time and identifiers in one place, so tests can move the clock."""

from __future__ import annotations

import os
import time
import uuid


def now() -> int:
    """Unix seconds: the wire format for every timestamp."""
    return int(time.time())


def new_id() -> str:
    """A UUID version 7 (RFC 9562): the millisecond it was made, then 74 random bits. Lists sorted by a
    timestamp in seconds break ties by id, so records made within the same second still list in the order
    they were made."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return str(uuid.UUID(int=value))
