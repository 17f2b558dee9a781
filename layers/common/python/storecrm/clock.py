"""Time and identifiers in one place, so tests can move the clock."""

from __future__ import annotations

import time
import uuid


def now() -> int:
    """Unix seconds: the wire format for every timestamp."""
    return int(time.time())


def new_id() -> str:
    return str(uuid.uuid4())
