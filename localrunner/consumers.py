"""Background event sources, generic over the template: Schedule, DynamoDB stream and SQS events.

Each source is a daemon thread (an SQS source: one per concurrent invocation its function may run, as
Lambda scales its queue pollers) that stops when the shared Event is set. A failing invocation is
logged and never ends its loop. Stream records every reader of a stream has read are dropped from
moto's shard (localrunner.moto_bounds), and the drop is journaled like any change.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any

from localrunner.cfn import Provisioned
from localrunner.events import scheduled_event, sqs_record, stream_record
from localrunner.filters import accepts, parse_filters, sqs_filter_view
from localrunner.invoker import FunctionHost

if TYPE_CHECKING:
    import boto3

    from localrunner.persistence import Journal

log = logging.getLogger("localrunner.consumers")

STREAM_POLL_SECONDS = 0.5
# Records one GetRecords reads (DynamoDB's most); the function gets them in batches of its BatchSize, after
# its filter, as Lambda does. A full read means more are waiting: the next is made at once.
STREAM_READ_LIMIT = 1000
MAX_RETRY_DELAY_SECONDS = 30.0


def _enabled(props: dict[str, Any]) -> bool:
    return props.get("Enabled", True) not in (False, "false") and props.get("State") != "DISABLED"


def run_schedule(host: FunctionHost, prov: Provisioned, event_name: str | None = None) -> Any:
    """Invoke a function's (first or named) Schedule event once, as the EventBridge rule would."""
    events = [(name, props) for name, props in host.spec.events_of("Schedule") if event_name in (None, name)]
    if not events:
        raise KeyError(f"{host.spec.logical_id} has no Schedule event {event_name or ''}".strip())
    name, props = events[0]
    props = prov.resolve(props)
    if "Input" in props:  # with Input, the rule delivers that JSON instead of the scheduled event
        payload = json.loads(props["Input"]) if isinstance(props["Input"], str) else props["Input"]
    else:
        rule = f"arn:aws:events:{prov.region}:{prov.account_id}:rule/{host.function_name}-{name}"
        payload = scheduled_event(rule, prov.region)
    return host.invoke(payload)


class Consumers:
    def __init__(
        self,
        hosts: dict[str, FunctionHost],
        provisioned: Provisioned,
        session: boto3.session.Session,
        schedule_seconds: float,
    ) -> None:
        self.hosts = hosts
        self.prov = provisioned
        self.session = session
        self.schedule_seconds = schedule_seconds
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.read_through = StreamPositions()
        self._making_clients = threading.Lock()  # a boto3 session must not make two clients at once

    def _client(self, service: str) -> Any:
        with self._making_clients:
            return self.session.client(service)  # type: ignore[call-overload]

    def start(self) -> list[str]:
        """Start one thread per event source; returns a description of each for the banner."""
        started: list[str] = []
        for host in self.hosts.values():
            for kind, target, label in (
                ("Schedule", self._schedule_loop, f"every {self.schedule_seconds:g} s"),
                ("DynamoDB", self._stream_loop, "stream"),
                ("SQS", self._queue_loop, "queue"),
            ):
                for name, props in host.spec.events_of(kind):
                    if not _enabled(props):
                        continue
                    pollers = host.concurrency if kind == "SQS" else 1
                    if kind == "DynamoDB":
                        stream = str(self.prov.resolve(props)["Stream"])
                        self.read_through.register(stream, f"{host.spec.logical_id}.{name}")
                    for poller in range(pollers):
                        thread = threading.Thread(
                            target=self._guard,
                            args=(target, host, name, props),
                            name=f"{host.spec.logical_id}.{name}" + (f".{poller + 1}" if pollers > 1 else ""),
                            daemon=True,
                        )
                        thread.start()
                        self.threads.append(thread)
                    started.append(f"{host.spec.logical_id}.{name} ({kind}, {label})")
        return started

    def shutdown(self, timeout: float = 3.0) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout / max(1, len(self.threads)))

    def _guard(self, target: Any, host: FunctionHost, name: str, props: dict[str, Any]) -> None:
        # Set-up failures (e.g. an unknown stream) end only this source, loudly.
        try:
            target(host, name, props)
        except Exception:
            log.exception("event source %s.%s stopped", host.spec.logical_id, name)

    # ------------------------------------------------------------------------ Schedule
    def _schedule_loop(self, host: FunctionHost, name: str, props: dict[str, Any]) -> None:
        # rate(5 minutes) is too slow to watch locally; every schedule fires every schedule_seconds.
        while not self.stop.wait(self.schedule_seconds):
            try:
                run_schedule(host, self.prov, name)
            except Exception:
                log.exception("%s.%s (Schedule) failed", host.spec.logical_id, name)

    # ------------------------------------------------------------------------ DynamoDB streams
    def _stream_loop(self, host: FunctionHost, name: str, props: dict[str, Any]) -> None:
        reader = StreamReader(self._client("dynamodbstreams"), self.prov.resolve(props))
        delay = STREAM_POLL_SECONDS
        while not self.stop.wait(delay):
            try:
                delay = reader.step(lambda records: self._deliver_stream(host, name, records, reader.partial))
                self.read_through.report(reader.arn, f"{host.spec.logical_id}.{name}", reader.read_through())
            except Exception:
                log.exception("%s.%s (DynamoDB) polling failed", host.spec.logical_id, name)
                delay = MAX_RETRY_DELAY_SECONDS / 10

    def _deliver_stream(
        self, host: FunctionHost, name: str, records: list[dict[str, Any]], partial: bool
    ) -> list[dict[str, Any]]:
        """Invoke with a batch; returns the records to retry (from the first failure on)."""
        try:
            result = host.invoke({"Records": records})
        except Exception:
            log.exception("%s.%s (DynamoDB) failed; the batch will be retried", host.spec.logical_id, name)
            return records
        if partial and isinstance(result, dict):
            failed_ids = {f.get("itemIdentifier") for f in result.get("batchItemFailures") or []}
            for index, record in enumerate(records):
                if record["dynamodb"].get("SequenceNumber") in failed_ids:
                    return records[index:]
        return []

    # ------------------------------------------------------------------------ SQS
    def _queue_loop(self, host: FunctionHost, name: str, props: dict[str, Any]) -> None:
        props = self.prov.resolve(props)
        client: Any = self._client("sqs")
        queue_arn = str(props["Queue"])
        _, _, _, region, account, queue_name = queue_arn.split(":", 5)
        url = client.get_queue_url(QueueName=queue_name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        batch_size = min(10, int(props.get("BatchSize", 10)))  # one ReceiveMessage returns at most 10
        partial = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        patterns = parse_filters(props.get("FilterCriteria"))
        while not self.stop.is_set():
            try:
                messages = client.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=batch_size,
                    WaitTimeSeconds=1,
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception:
                log.exception("%s.%s (SQS) polling failed", host.spec.logical_id, name)
                self.stop.wait(MAX_RETRY_DELAY_SECONDS / 10)
                continue
            if not messages:
                continue
            records = [sqs_record(message, queue_arn, region) for message in messages]
            # Lambda deletes messages its filters reject; they never reach the function.
            wanted = [r for r in records if accepts(patterns, sqs_filter_view(r))]
            done = [r for r in records if r not in wanted]
            if wanted:
                done += self._deliver_sqs(host, name, wanted, partial)
            for start in range(0, len(done), 10):
                entries = [
                    {"Id": str(index), "ReceiptHandle": record["receiptHandle"]}
                    for index, record in enumerate(done[start : start + 10])
                ]
                client.delete_message_batch(QueueUrl=url, Entries=entries)

    def _deliver_sqs(
        self, host: FunctionHost, name: str, records: list[dict[str, Any]], partial: bool
    ) -> list[dict[str, Any]]:
        """Invoke with a batch; returns the records that succeeded (to delete)."""
        try:
            result = host.invoke({"Records": records})
        except Exception:
            # All messages return after the visibility timeout; the RedrivePolicy moves them on.
            log.exception("%s.%s (SQS) failed; %d messages will be retried", host.spec.logical_id, name, len(records))
            return []
        if partial and isinstance(result, dict):
            failed_ids = {f.get("itemIdentifier") for f in result.get("batchItemFailures") or []}
            return [record for record in records if record["messageId"] not in failed_ids]
        return records


class StreamPositions:
    """How far each reader of each stream has read; records all of a stream's readers have read are dropped
    (moto would keep them forever)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._positions: dict[str, dict[str, int | None]] = {}
        self.journal: Journal | None = None

    def register(self, stream_arn: str, reader: str) -> None:
        with self._lock:
            self._positions.setdefault(stream_arn, {})[reader] = None

    def report(self, stream_arn: str, reader: str, read_through: int | None) -> None:
        with self._lock:
            readers = self._positions.setdefault(stream_arn, {})
            readers[reader] = read_through
            if any(position is None for position in readers.values()):
                return
            everyone = min(position for position in readers.values() if position is not None)
        trim_stream_of(stream_arn, everyone, self.journal)


def trim_stream_of(stream_arn: str, read_through: int, journal: Journal | None) -> None:
    """Drops the stream's records up to `read_through`, and journals that (a replay drops the same)."""
    from moto.dynamodb.models import dynamodb_backends

    from localrunner.moto_bounds import trim_stream
    from localrunner.moto_lock import MOTO_LOCK

    _, _, _, region, account, resource = stream_arn.split(":", 5)
    table_name = resource.split("/")[1]
    with MOTO_LOCK:
        table = dynamodb_backends[account][region].tables.get(table_name)
        if table is None or table.stream_shard is None:
            return
        if trim_stream(table, read_through) and journal is not None:
            journal.trimmed(account, region, table_name, read_through)


def trim_replayed(entry: tuple[Any, ...]) -> None:
    """A journaled trim, done again on replay."""
    from moto.dynamodb.models import dynamodb_backends

    from localrunner.moto_bounds import trim_stream

    _, account, region, table_name, read_through = entry
    table = dynamodb_backends[account][region].tables.get(table_name)
    if table is not None:
        trim_stream(table, read_through)


class StreamReader:
    """Reads every shard of one stream; a failed batch blocks its shard until retried, like Lambda.

    Every poll asks for a fresh iterator after the last record read instead of following
    NextShardIterator: moto swaps a table, stream shard included, for a copy whenever a
    TransactWriteItems is cancelled, and an iterator kept across polls would go on reading the
    orphaned shard, which never gets another record.
    """

    def __init__(self, client: Any, props: dict[str, Any]) -> None:
        self.client = client
        self.arn = str(props["Stream"])
        self.batch_size = int(props.get("BatchSize", 100))
        self.max_retries = int(props.get("MaximumRetryAttempts", -1))
        self.starting_position = str(props.get("StartingPosition", "LATEST"))
        self.partial = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        self.patterns = parse_filters(props.get("FilterCriteria"))
        self.start_positions: dict[str, str] = {}
        self.last_sequence: dict[str, str] = {}
        # Followed only while a shard read from LATEST has shown no record (no sequence to resume after).
        self.latest_iterators: dict[str, str] = {}
        self.closed: set[str] = set()
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.attempts: dict[str, int] = {}
        self.started = False

    def _discover(self) -> None:
        shards = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"].get("Shards", [])
        # The starting position applies at start-up; shards that appear later are read whole.
        position = "TRIM_HORIZON" if self.started else self.starting_position
        self.started = True
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self.start_positions:
                self.start_positions[shard_id] = position
                if position == "LATEST":
                    self.latest_iterators[shard_id] = self._new_iterator(shard_id, "LATEST")

    def _new_iterator(self, shard_id: str, kind: str, sequence: str | None = None) -> str:
        extra = {"SequenceNumber": sequence} if sequence is not None else {}
        return str(self.client.get_shard_iterator(StreamArn=self.arn, ShardId=shard_id,
                                                  ShardIteratorType=kind, **extra)["ShardIterator"])

    def _iterator(self, shard_id: str) -> str:
        if shard_id in self.last_sequence:
            return self._new_iterator(shard_id, "AFTER_SEQUENCE_NUMBER", self.last_sequence[shard_id])
        if self.start_positions[shard_id] == "LATEST":
            return self.latest_iterators[shard_id]
        return self._new_iterator(shard_id, self.start_positions[shard_id])

    def _read(self, shard_id: str) -> tuple[list[dict[str, Any]], bool]:
        """The shard's next records its filters accept, and whether more may be waiting."""
        page = self.client.get_records(ShardIterator=self._iterator(shard_id), Limit=STREAM_READ_LIMIT)
        raw = page.get("Records", [])
        if raw:
            self.last_sequence[shard_id] = raw[-1]["dynamodb"]["SequenceNumber"]
        next_iterator = page.get("NextShardIterator")
        if next_iterator is None:
            self.closed.add(shard_id)
        elif shard_id in self.latest_iterators:
            self.latest_iterators[shard_id] = next_iterator
        records = [stream_record(r, self.arn) for r in raw]
        return [r for r in records if accepts(self.patterns, r)], len(raw) == STREAM_READ_LIMIT

    def read_through(self) -> int | None:
        """The sequence number up to which every record was read and taken (None until a shard was read).
        One shard here, as moto keeps one per table."""
        positions: list[int] = []
        for shard_id in self.start_positions:
            pending = self.pending.get(shard_id)
            if pending:
                positions.append(int(pending[0]["dynamodb"]["SequenceNumber"]) - 1)
            elif shard_id in self.last_sequence:
                positions.append(int(self.last_sequence[shard_id]))
            else:
                return None
        return min(positions) if positions else None

    def step(self, deliver: Any) -> float:
        """Read each shard's next records and deliver them in batches; returns the delay before the next step
        (none while records are waiting, longer after a failure)."""
        self._discover()
        delay, waiting = STREAM_POLL_SECONDS, False
        for shard_id in list(self.start_positions):
            records = self.pending.pop(shard_id, None)
            more = False
            if records is None:
                if shard_id in self.closed:
                    continue
                records, more = self._read(shard_id)
            while records:
                batch, records = records[: self.batch_size], records[self.batch_size:]
                failed: list[dict[str, Any]] = deliver(batch)
                if not failed:
                    self.attempts.pop(shard_id, None)
                    continue
                attempt = self.attempts[shard_id] = self.attempts.get(shard_id, 0) + 1
                if 0 <= self.max_retries < attempt:
                    log.error("%s: dropping %d records after %d retries", self.arn, len(failed), self.max_retries)
                    self.attempts.pop(shard_id)
                    continue
                self.pending[shard_id] = failed + records  # the shard waits for the failed batch
                delay = max(delay, min(MAX_RETRY_DELAY_SECONDS, STREAM_POLL_SECONDS * 2**attempt))
                more = False
                break
            waiting = waiting or more
        return 0.0 if waiting and delay == STREAM_POLL_SECONDS else delay
