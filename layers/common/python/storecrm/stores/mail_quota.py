"""A store's daily mail quota (`limits.mails_per_day` of its plan, storecrm.stores.plan_limits), counted per UTC day
by the transactions that decide store mails (storecrm.messaging.store_mail) and shown to staff on the store.

UTC days rather than the store's own: one boundary for every store, which an operator reading the counts can
reason about, and a store cannot move its day by changing its timezone to get a second quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from storecrm.stores.plan_limits import cap

if TYPE_CHECKING:
    from storecrm.kernel.repositories.table import Item
    from storecrm.stores.models.stores import Store

DAY = 24 * 3600


def mail_day(at: int) -> tuple[str, int]:
    """The UTC day `at` falls in, and when it ends (the quota starts again then)."""
    start = at - at % DAY
    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d"), start + DAY


@dataclass(frozen=True)
class MailQuota:
    """The store's mail today, as staff see it on the store: the plan's limit (None: none), the mails sent and
    those the quota stopped, and when the count starts again."""

    limit: int | None
    sent: int
    refused: int
    resets_at: int


def mail_quota(store: Store, counter: Item | None, at: int) -> MailQuota:
    """`counter` is today's quota item, read with the store (MailOutbox.quota_key of `mail_day(at)`)."""
    sent, refused = (int(counter.get("sent", 0)), int(counter.get("refused", 0))) if counter else (0, 0)
    return MailQuota(limit=cap(store, "mails_per_day"), sent=sent, refused=refused, resets_at=mail_day(at)[1])
