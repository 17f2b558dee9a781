"""moto's DynamoDB, answering in time that grows with what a request reads rather than with the whole table.

Measured under the runner's load bench, three quarters of the runner's CPU went to moto, in two places:
- every Query (of the table or an index) sorted every item of the table by key, comparing moto's attribute
  objects in Python, before picking the partition's items: O(table log table) per Query. Here a Query of
  the table starts from its partition's items, and one of an index from the items whose index key matches
  (one pass, no sort); moto then sorts, pages and filters those as before. Scans still see the whole table,
  sorted as moto sorts it, by a cheaper key.
- answers to the data operations (GetItem, Query, BatchGetItem, writes, a stream's GetRecords...) went
  through moto's generic response serializer, which walks the API model for every attribute of every item.
  Their results are DynamoDB JSON already: they are written with json.dumps (bytes as base64, as the
  serializer does), and every other answer as before.
- a Query or Scan deep-copied every item it returned, though nothing changes them before they are written
  out (index and expression projections make new items): the copy is left out.
- moto lists a response class's methods (inspect.getmembers) on every request; the list is kept.
Results are unchanged (tests/unit/test_moto_speed.py compares them with moto's own).

The index keys are kept per table (IndexKeys): for each attribute that is an index's partition key, which
items hold which value. Every write moto makes goes through Table.put_item, Table.delete_item or
DynamoDBBackend.update_item (a transaction and a batch too), which keep it current; a transaction put back
(localrunner.moto_snapshots) calls `replaced`; a table whose items were swapped whole (a restore) is
indexed anew.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

# The answers written directly: their results hold attribute values, counts, keys and capacity only.
DATA_OPERATIONS = {
    "dynamodb": frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
                           "BatchWriteItem", "TransactGetItems", "TransactWriteItems"}),
    "dynamodbstreams": frozenset({"GetRecords"}),
}

_installed = False
enabled = True  # tests compare answers both ways


PrimaryKey = tuple["DynamoType", "DynamoType | None"]
_KEYS = "_localrunner_index_keys"


def _value_key(value: DynamoType) -> tuple[str, Any]:
    return (value.type, value.cast_value)


class IndexKeys:
    """attribute -> value -> the primary keys of the items that hold it, for the table's index partition keys."""

    def __init__(self, table: Table) -> None:
        self.attributes = sorted({key["AttributeName"] for index in table.all_indexes() for key in index.schema
                                  if key["KeyType"] == "HASH"})
        self.items_id = id(table.items)
        self.holders: dict[str, dict[tuple[str, Any], dict[PrimaryKey, None]]] = {a: {} for a in self.attributes}
        for item in _every_item(table):
            self.add(item)

    def values_of(self, item: Item) -> dict[str, tuple[str, Any]]:
        found = {}
        for attribute in self.attributes:
            value = item.attrs.get(attribute)
            if value is not None and value.type in ("S", "N", "B"):
                found[attribute] = _value_key(value)
        return found

    def add(self, item: Item, values: dict[str, tuple[str, Any]] | None = None) -> None:
        key = (item.hash_key, item.range_key)
        for attribute, value in (self.values_of(item) if values is None else values).items():
            self.holders[attribute].setdefault(value, {})[key] = None

    def remove(self, item: Item, values: dict[str, tuple[str, Any]] | None = None) -> None:
        key = (item.hash_key, item.range_key)
        for attribute, value in (self.values_of(item) if values is None else values).items():
            holders = self.holders[attribute].get(value)
            if holders is not None:
                holders.pop(key, None)
                if not holders:
                    del self.holders[attribute][value]


def _every_item(table: Table) -> list[Item]:
    # moto keeps {hash: {range: item}}, or {hash: item} for a table without a sort key.
    partitions: Any = table.items.values()
    return [item for partition in partitions for item in (partition.values() if table.range_key_attr else [partition])]


def _index_keys(table: Table, build: bool = True) -> IndexKeys | None:
    keys: IndexKeys | None = table.__dict__.get(_KEYS)
    if keys is not None and keys.items_id != id(table.items):
        keys = None  # the items were swapped whole
    if keys is None and build:
        keys = IndexKeys(table)
        table.__dict__[_KEYS] = keys
    return keys


def _stored(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> Item | None:
    partition: Any = table.items.get(hash_value)
    if partition is None:
        return None
    found: Item | None = partition.get(range_value) if table.range_key_attr else partition
    return found


def replaced(table: Table, before: Item | None, after: Item | None) -> None:
    """The item at one key went from `before` to `after` (either None: absent), outside put/delete/update."""
    keys = _index_keys(table, build=False)
    if keys is not None:
        if before is not None:
            keys.remove(before)
        if after is not None:
            keys.add(after)


def _put_item(original: Any) -> Any:
    @functools.wraps(original)
    def put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        from moto.dynamodb.models.dynamo_type import DynamoType

        keys = _index_keys(self, build=False)
        if keys is None or self.hash_key_attr not in item_attrs:
            return original(self, item_attrs, *args, **kwargs)
        hash_value = DynamoType(item_attrs[self.hash_key_attr])
        range_attr = self.range_key_attr
        range_value = DynamoType(item_attrs[range_attr]) if range_attr and range_attr in item_attrs else None
        before = _stored(self, hash_value, range_value)
        result = original(self, item_attrs, *args, **kwargs)
        replaced(self, before, _stored(self, hash_value, range_value))
        return result

    return put_item


def _delete_item(original: Any) -> Any:
    @functools.wraps(original)
    def delete_item(self: Table, *args: Any, **kwargs: Any) -> Any:
        removed = original(self, *args, **kwargs)  # the item taken out, or None
        if removed is not None:
            replaced(self, removed, None)
        return removed

    return delete_item


def _update_item(original: Any) -> Any:
    @functools.wraps(original)
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        keys = _index_keys(table, build=False)
        if keys is None:
            return original(self, table_name, key, *args, **kwargs)
        hash_value, range_value = self.get_keys_value(table, key)
        before = _stored(table, hash_value, range_value)
        values_before = keys.values_of(before) if before is not None else {}
        result = original(self, table_name, key, *args, **kwargs)
        after = _stored(table, hash_value, range_value)
        if after is not None:
            # Updated in place (or made by put_item, which indexed its keys only): index what changed.
            keys = _index_keys(table, build=False)
            if keys is not None:
                if before is not None and before is not after:
                    keys.remove(before, values_before)
                    values_before = {}
                values_after = keys.values_of(after)
                keys.remove(after, {a: v for a, v in values_before.items() if values_after.get(a) != v})
                keys.add(after, values_after)
        return result

    return update_item


def _same(value: DynamoType | None, expected: DynamoType) -> bool:
    if value is None or value.type != expected.type:
        return False
    return bool(value.value == expected.value) if value.type == "S" else bool(value == expected)


def _candidates(table: Table, hash_key: DynamoType | None, index_name: str | None,
                hash_key_conditions: list[tuple[str, DynamoType]] | None) -> list[Item] | None:
    """The items a Query can return (None: let moto look at them all)."""
    if index_name is None:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]  # type: ignore[list-item]
    if not hash_key_conditions:
        return None
    (name, expected), *others = hash_key_conditions
    keys = _index_keys(table)
    if keys is None or name not in keys.holders or expected.type not in ("S", "N", "B"):
        return None
    holders = keys.holders[name].get(_value_key(expected), {})
    items = [item for hash_value, range_value in holders
             if (item := _stored(table, hash_value, range_value)) is not None]
    return [item for item in items if all(_same(item.attrs.get(n), v) for n, v in others)]


def _query(original: Any) -> Any:
    @functools.wraps(original)
    def query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        candidates = _candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions")) if enabled else None
        if candidates is None:
            return original(self, hash_key, *args, **kwargs)
        # moto's Query takes its items from all_items(); for this call, those are the candidates. Every
        # request to moto holds MOTO_LOCK, so no other call sees the table meanwhile.
        self.all_items = lambda: candidates  # type: ignore[method-assign]
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    return query


def _sort_key(item: Item) -> tuple[Any, ...]:
    # What moto's DynamoType comparisons compare (cast_value), compared natively.
    if item.range_key is None:
        return (item.hash_key.cast_value,)
    return (item.hash_key.cast_value, item.range_key.cast_value)


def _all_items(original: Any) -> Any:
    @functools.wraps(original)
    def all_items(self: Table) -> list[Item]:
        if not enabled:
            return original(self)
        return sorted(_every_item(self), key=_sort_key)

    return all_items


class _ResultsUncopied(ModuleType):
    """Stands in for the `copy` module inside moto's table model: a deep copy of an item, or of a list of
    items, is the item (a new list); every other copy (a backup's table, its indexes) is made as before."""

    def __init__(self) -> None:
        super().__init__("copy")

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models.dynamo_type import Item

        if not enabled:
            return copy.deepcopy(value, memo)
        if isinstance(value, Item):
            return value
        if isinstance(value, list) and all(isinstance(member, Item) for member in value):
            return list(value)
        return copy.deepcopy(value, memo)


def _json_value(value: Any) -> Any:
    """json.dumps' `default`: bytes as base64 and times as epoch seconds, as the serializer writes them."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _without_nulls(result: Any) -> Any:
    """The serializer leaves out members that are None: those of the result and of the structures in it
    (ConsumedCapacity...); attribute values are never None."""
    if not isinstance(result, dict):
        return result
    return {key: ({k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value)
            for key, value in result.items() if value is not None}


def _wire(value: Any) -> Any:
    """A result as DynamoDB's JSON: moto's attribute values as {type: value}, binary values base64 (moto keeps
    them so, or as bytes)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if isinstance(value, DynamoType):
        kind, held = value.type, value.value
        if kind == "M":
            return {"M": {key: _wire(member) for key, member in held.items()}}
        if kind == "L":
            return {"L": [_wire(member) for member in held]}
        if kind == "B":
            return {"B": _json_value(held) if isinstance(held, bytes | bytearray) else held}
        if kind == "BS":
            return {"BS": [_json_value(b) if isinstance(b, bytes | bytearray) else b for b in held]}
        return {kind: held}
    if isinstance(value, dict):
        return {key: _wire(member) for key, member in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(member) for member in value]
    if hasattr(value, "to_json") and not isinstance(value, datetime):
        return _wire(value.to_json())
    return value


def _dynamo_result_init(original: Any) -> Any:
    """DynamoResult keeps its result as moto's objects until it is written out: the data answers write them
    straight to JSON (_wire), the others convert them as moto does then."""

    @functools.wraps(original)
    def keep_unconverted(self: Any, result: object) -> None:
        self._result = result
        self.localrunner_unconverted = True

    return keep_unconverted


def _execute_result(original: Any) -> Any:
    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        operations = DATA_OPERATIONS.get(context.service_model.service_name, frozenset())
        unconverted = getattr(self, "localrunner_unconverted", False)
        if not enabled or context.operation_model.name not in operations:
            if unconverted:
                from moto.dynamodb.models.utilities import dynamo_to_dict

                self._result, self.localrunner_unconverted = dynamo_to_dict(self._result), False
            return original(self, context)
        result = _wire(self.result) if unconverted else self.result
        body = json.dumps(_without_nulls(result), separators=(",", ":"), default=_json_value)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    return execute_result


def install() -> None:
    """Idempotent."""
    global _installed
    if _installed:
        return
    from moto.core import responses, utils
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models import table as table_model
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoResult

    table_model.copy = _ResultsUncopied()
    Table.query = _query(Table.query)  # type: ignore[method-assign]
    Table.put_item = _put_item(Table.put_item)  # type: ignore[method-assign]
    Table.delete_item = _delete_item(Table.delete_item)  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _update_item(DynamoDBBackend.update_item)  # type: ignore[method-assign]
    Table.all_items = _all_items(Table.all_items)  # type: ignore[method-assign]
    responses.ActionResult.execute_result = _execute_result(  # type: ignore[method-assign]
        responses.ActionResult.execute_result)
    DynamoResult.__init__ = _dynamo_result_init(DynamoResult.__init__)  # type: ignore[method-assign]
    # Asked on every request, and the same for a class every time (inspect.getmembers of the response class).
    cached_names = functools.lru_cache(maxsize=None)(utils.method_names_from_class)
    utils.method_names_from_class = cached_names
    responses.method_names_from_class = cached_names
    _installed = True
