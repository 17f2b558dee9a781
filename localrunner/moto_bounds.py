"""What moto keeps forever, bounded, so a runner that serves for days stays within its memory.

- DynamoDB streams: moto keeps every record ever written (each with the old and new image) and every shard
  iterator ever handed out, each holding its shard. The runner's stream readers drop the records all of
  them have read (trim_stream); iterators are kept for the newest ITERATORS_KEPT.
- SQS keeps the receipt handle of every message ever deleted (to accept a second delete): the newest
  DELETED_RECEIPTS_KEPT are enough for that.
- SES keeps every message sent: the newest SENT_MAIL_KEPT stay (the dev mailbox shows as many).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from localrunner.moto_lock import MOTO_LOCK

if TYPE_CHECKING:
    from moto.dynamodb.models.table import Table

ITERATORS_KEPT = 1000
SENT_MAIL_KEPT = 2000
DELETED_RECEIPTS_KEPT = 10000

_installed = False
K = TypeVar("K")
V = TypeVar("V")


class NewestDict(OrderedDict[K, V]):
    """A dict that forgets its oldest entries beyond `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        while len(self) > self.limit:
            self.popitem(last=False)

    def __reduce__(self) -> Any:
        return (type(self), (self.limit,), None, None, iter(self.items()))


class NewestSet:
    """The set interface moto's SQS uses (`in`, `update`), remembering the newest `limit` members."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._members: NewestDict[str, None] = NewestDict(limit)

    def __contains__(self, member: object) -> bool:
        return member in self._members

    def update(self, members: Iterable[str]) -> None:
        for member in members:
            self._members[member] = None

    def add(self, member: str) -> None:
        self._members[member] = None

    def __len__(self) -> int:
        return len(self._members)


class NewestList(list[Any]):
    """A list that drops its oldest items beyond `limit`; `appended` counts every item ever appended."""

    def __init__(self, limit: int, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self.limit = limit
        self.appended = len(self)

    def append(self, item: Any) -> None:
        super().append(item)
        self.appended += 1
        if len(self) > self.limit:
            del self[: len(self) - self.limit]

    def __reduce__(self) -> Any:
        return (_newest_list, (self.limit, list(self), self.appended))


def _newest_list(limit: int, items: list[Any], appended: int) -> NewestList:
    found = NewestList(limit, items)
    found.appended = appended
    return found


def trim_stream(table: Table, read_through: int) -> int:
    """Drops the table's stream records up to sequence number `read_through` (every reader has them);
    returns how many. Sequence numbers go on as before: the shard's start moves up by as many."""
    with MOTO_LOCK:
        shard = table.stream_shard
        if shard is None:
            return 0
        count = max(0, min(len(shard.items), read_through - shard.starting_sequence_number + 1))
        if count:
            del shard.items[:count]
            shard.starting_sequence_number += count
        return count


def install() -> None:
    """Bounds moto's collections above in every backend made from now on (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.models.table import StreamShard
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend
    from moto.ses.models import SESBackend
    from moto.sqs.models import Queue

    streams_init = DynamoDBStreamsBackend.__init__

    def bounded_streams(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> None:
        streams_init(self, *args, **kwargs)
        self.shard_iterators = NewestDict(ITERATORS_KEPT)

    shard_get = StreamShard.get

    def get_after_trim(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
        # An iterator from before a trim reads on from the oldest record kept.
        return shard_get(self, max(start, self.starting_sequence_number), quantity)

    queue_init = Queue.__init__

    def bounded_queue(self: Queue, *args: Any, **kwargs: Any) -> None:
        queue_init(self, *args, **kwargs)
        self.deleted_messages = NewestSet(DELETED_RECEIPTS_KEPT)  # type: ignore[assignment]

    ses_init = SESBackend.__init__

    def bounded_ses(self: SESBackend, *args: Any, **kwargs: Any) -> None:
        ses_init(self, *args, **kwargs)
        self.sent_messages = NewestList(SENT_MAIL_KEPT)

    DynamoDBStreamsBackend.__init__ = bounded_streams  # type: ignore[method-assign]
    StreamShard.get = get_after_trim  # type: ignore[method-assign]
    Queue.__init__ = bounded_queue  # type: ignore[method-assign]
    SESBackend.__init__ = bounded_ses  # type: ignore[method-assign]
    _installed = True
