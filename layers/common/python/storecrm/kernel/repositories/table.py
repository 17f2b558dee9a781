"""A thin, typed layer over the DynamoDB client for the single table.

Uses the low-level client (not boto3.resource) because it imports and starts faster. Every
conditional write can name the domain error its failure means, so a cancelled transaction turns
into the right 4xx instead of a generic 500.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from storecrm import aws
from storecrm.kernel.errors import DomainError, TransactionConflict
from storecrm.kernel.repositories.keys import INDEX_KEYS, Key

Item = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_dynamo_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo_value(v) for v in value]
    return value


def _from_dynamo_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo_value(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo_value(v) for v in value}
    return value


def serialize(item: Item) -> dict[str, Any]:
    return {k: _serializer.serialize(_to_dynamo_value(v)) for k, v in item.items() if v is not None}


def deserialize(raw: dict[str, Any]) -> Item:
    return {k: _from_dynamo_value(_deserializer.deserialize(v)) for k, v in raw.items()}


def key_of(key: Key) -> dict[str, Any]:
    return {"PK": {"S": key[0]}, "SK": {"S": key[1]}}


@dataclass
class Write:
    """One write inside a transaction. `error` is raised when its condition fails."""

    kind: str  # Put | Delete | Update | ConditionCheck
    key: Key | None = None
    item: Item | None = None
    condition: str | None = None
    update: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: Item = field(default_factory=dict)
    error: DomainError | None = None

    def request(self, table_name: str) -> dict[str, Any]:
        body: dict[str, Any] = {"TableName": table_name}
        if self.kind == "Put":
            assert self.item is not None
            body["Item"] = serialize(self.item)
        else:
            assert self.key is not None
            body["Key"] = key_of(self.key)
        if self.update:
            body["UpdateExpression"] = self.update
        if self.condition:
            body["ConditionExpression"] = self.condition
        if self.names:
            body["ExpressionAttributeNames"] = self.names
        if self.values:
            body["ExpressionAttributeValues"] = serialize(self.values)
        return {self.kind: body}


def put(item: Item, *, unless_exists: DomainError | None = None, condition: str | None = None,
        names: dict[str, str] | None = None, values: Item | None = None,
        error: DomainError | None = None) -> Write:
    """A Put; with `unless_exists` it only creates (the basis of every uniqueness marker)."""
    if unless_exists is not None:
        return Write("Put", item=item, condition="attribute_not_exists(PK)", error=unless_exists)
    return Write("Put", item=item, condition=condition, names=names or {}, values=values or {}, error=error)


def delete(key: Key, *, condition: str | None = None, names: dict[str, str] | None = None,
           values: Item | None = None, error: DomainError | None = None) -> Write:
    return Write("Delete", key=key, condition=condition, names=names or {}, values=values or {}, error=error)


def update(key: Key, expression: str, *, condition: str | None = None, names: dict[str, str] | None = None,
           values: Item | None = None, error: DomainError | None = None) -> Write:
    return Write("Update", key=key, update=expression, condition=condition, names=names or {},
                 values=values or {}, error=error)


def set_fields(key: Key, fields: Item, *, condition: str | None = None, error: DomainError | None = None) -> Write:
    """UpdateItem that sets exactly these attributes (names are escaped: many are reserved words)."""
    names = {f"#f{i}": name for i, name in enumerate(fields)}
    values = {f":f{i}": value for i, value in enumerate(fields.values())}
    expression = "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields)))
    return Write("Update", key=key, update=expression, condition=condition, names=names, values=values, error=error)


def check(key: Key, condition: str, *, names: dict[str, str] | None = None, values: Item | None = None,
          error: DomainError | None = None) -> Write:
    return Write("ConditionCheck", key=key, condition=condition, names=names or {}, values=values or {},
                 error=error)


class ConditionFailed(Exception):
    """A condition failed and the write named no domain error for it."""


@dataclass
class Page:
    items: list[Item]
    last_key: dict[str, Any] | None


class Table:
    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def get(self, key: Key, consistent: bool = False) -> Item | None:
        raw = self._client.get_item(TableName=self.name, Key=key_of(key), ConsistentRead=consistent)
        return deserialize(raw["Item"]) if "Item" in raw else None

    def get_many(self, keys: Sequence[Key], consistent: bool = False) -> dict[Key, Item]:
        """BatchGetItem: one round trip for up to 100 keys (more only for unprocessed keys)."""
        found: dict[Key, Item] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 100):
            request: dict[str, Any] = {
                self.name: {"Keys": [key_of(k) for k in unique[start:start + 100]], "ConsistentRead": consistent}
            }
            delay = 0.05
            while request:
                raw = self._client.batch_get_item(RequestItems=request)
                for r in raw["Responses"].get(self.name, []):
                    item = deserialize(r)
                    found[(item["PK"], item["SK"])] = item
                request = raw.get("UnprocessedKeys") or {}
                if request:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
        return found

    def query(self, partition: str, *, sk_prefix: str | None = None, sk_between: tuple[str, str] | None = None,
              index: str | None = None, limit: int | None = None, start_key: dict[str, Any] | None = None,
              forward: bool = True, keys_only: bool = False) -> Page:
        pk_name, sk_name = INDEX_KEYS[index]
        condition = "#pk = :pk"
        values: Item = {":pk": partition}
        if sk_prefix is not None:
            condition += " AND begins_with(#sk, :prefix)"
            values[":prefix"] = sk_prefix
        elif sk_between is not None:
            condition += " AND #sk BETWEEN :lo AND :hi"
            values[":lo"], values[":hi"] = sk_between
        names = {"#pk": pk_name}
        if sk_prefix is not None or sk_between is not None:
            names["#sk"] = sk_name
        kwargs: dict[str, Any] = {
            "TableName": self.name, "KeyConditionExpression": condition, "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values), "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = serialize(start_key)
        if keys_only and not index:
            kwargs["ProjectionExpression"] = "PK, SK"
        raw = self._client.query(**kwargs)
        last = raw.get("LastEvaluatedKey")
        return Page([deserialize(i) for i in raw["Items"]], deserialize(last) if last else None)

    def skip(self, partition: str, count: int, *, sk_between: tuple[str, str] | None = None,
             index: str | None = None, forward: bool = True) -> tuple[int, dict[str, Any] | None]:
        """Passes over `count` items in query order without returning them (Select=COUNT reads each once):
        how many it passed, and the key to go on from (None when the partition ended first)."""
        pk_name, sk_name = INDEX_KEYS[index]
        condition = "#pk = :pk"
        names = {"#pk": pk_name}
        values: Item = {":pk": partition}
        if sk_between is not None:
            condition += " AND #sk BETWEEN :lo AND :hi"
            names["#sk"] = sk_name
            values[":lo"], values[":hi"] = sk_between
        kwargs: dict[str, Any] = {
            "TableName": self.name, "KeyConditionExpression": condition, "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values), "ScanIndexForward": forward, "Select": "COUNT"}
        if index:
            kwargs["IndexName"] = index
        passed, start = 0, None
        while passed < count:
            if start:
                kwargs["ExclusiveStartKey"] = start
            # A response stops at 1 MB before the limit; the next one goes on from where it stopped.
            raw = self._client.query(**kwargs, Limit=count - passed)
            passed += int(raw["Count"])
            start = raw.get("LastEvaluatedKey")
            if not start:
                return passed, None
        return passed, deserialize(start) if start else None

    def scan_page(self, *, limit: int, start_key: dict[str, Any] | None = None,
                  entities: Sequence[str] = ()) -> tuple[Page, int]:
        """One page of a Scan of the whole table (`limit` items read; with `entities`, only items of those kinds
        are returned), and how many items it read. Data migrations only, run by the scheduler: never a request
        path (DESIGN.md)."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Limit": limit}
        if start_key:
            kwargs["ExclusiveStartKey"] = serialize(start_key)
        if entities:
            names = [f":e{i}" for i in range(len(entities))]
            kwargs["FilterExpression"] = f"#entity IN ({', '.join(names)})"
            kwargs["ExpressionAttributeNames"] = {"#entity": "entity"}
            kwargs["ExpressionAttributeValues"] = serialize(dict(zip(names, entities, strict=True)))
        raw = self._client.scan(**kwargs)
        last = raw.get("LastEvaluatedKey")
        page = Page([deserialize(i) for i in raw["Items"]], deserialize(last) if last else None)
        return page, int(raw["ScannedCount"])

    def query_all(self, partition: str, **kwargs: Any) -> Iterator[Item]:
        start: dict[str, Any] | None = None
        while True:
            page = self.query(partition, start_key=start, **kwargs)
            yield from page.items
            if not page.last_key:
                return
            start = page.last_key

    def write(self, op: Write) -> None:
        """A single conditional write (PutItem / UpdateItem / DeleteItem)."""
        body = op.request(self.name)[op.kind]
        call = {"Put": self._client.put_item, "Delete": self._client.delete_item,
                "Update": self._client.update_item}[op.kind]
        try:
            call(**body)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise op.error or ConditionFailed(op.kind) from None
            raise

    def increment(self, key: Key, attribute: str, *, unless_missing: DomainError | None = None) -> int:
        """Adds one to a counter and returns the new value, atomically. With `unless_missing`, the item
        must exist already (that error otherwise); without, the first call creates it."""
        condition = {"ConditionExpression": "attribute_exists(PK)"} if unless_missing else {}
        try:
            raw = self._client.update_item(TableName=self.name, Key=key_of(key), UpdateExpression="ADD #n :one",
                                           ExpressionAttributeNames={"#n": attribute},
                                           ExpressionAttributeValues=serialize({":one": 1}),
                                           ReturnValues="UPDATED_NEW", **condition)
        except ClientError as exc:
            if unless_missing and exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise unless_missing from None
            raise
        return int(deserialize(raw["Attributes"])[attribute])

    def transact(self, writes: Sequence[Write]) -> None:
        """All or nothing. A failed condition raises the domain error its write named."""
        if len(writes) == 1:
            self.write(writes[0])
            return
        try:
            self._client.transact_write_items(TransactItems=[w.request(self.name) for w in writes])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            for write, reason in zip(writes, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise write.error or ConditionFailed(write.kind) from None
            if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                raise TransactionConflict() from None
            raise

    def delete_many(self, keys: Sequence[Key]) -> None:
        """BatchWriteItem deletes, 25 per call, retrying unprocessed ones."""
        for start in range(0, len(keys), 25):
            deletes = [{"DeleteRequest": {"Key": key_of(k)}} for k in keys[start:start + 25]]
            request: dict[str, Any] = {self.name: deletes}
            delay = 0.05
            while request:
                raw = self._client.batch_write_item(RequestItems=request)
                request = raw.get("UnprocessedItems") or {}
                if request:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
