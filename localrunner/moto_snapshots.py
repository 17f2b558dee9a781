"""moto's DynamoDB TransactWriteItems, made safe under concurrency and cheap: a transaction keeps a copy of
only the items it touches (copy-on-write), not of whole tables.

moto's own version deep-copies every table a transaction names before it writes, and when a condition
fails it puts that whole copy back in the table's place. With several functions writing at once, that
put back every write other threads had made (and answered 200 for) since the copy, and the copying
raced their writes ("dictionary changed size during iteration"). It also cost a copy of the whole
table, stream included, per transaction.

Here the transaction runs under MOTO_LOCK (localrunner.moto_lock), writes as moto's does (same checks,
same errors, same stream records), and a cancelled transaction puts back the items it had written and
drops the stream records it had added: nothing another request wrote is touched. Used by the local
runner and the tests.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from localrunner import moto_lock

if TYPE_CHECKING:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

_installed = False

ItemKey = tuple[str, "DynamoType", "DynamoType | None"]


class TouchedItems:
    """The items one transaction wrote, as they were before it, and each table's stream length."""

    def __init__(self, backend: DynamoDBBackend) -> None:
        self.backend = backend
        self.before: dict[ItemKey, Item | None] = {}
        self.stream_lengths: dict[str, int] = {}

    def remember(self, table_name: str, key: dict[str, Any]) -> None:
        table = self.backend.get_table(table_name)
        hash_value, range_value = self.backend.get_keys_value(table, key)
        if table_name not in self.stream_lengths and table.stream_shard is not None:
            self.stream_lengths[table_name] = len(table.stream_shard.items)
        where = (table_name, hash_value, range_value)
        if where not in self.before:
            # Updates change the stored item in place, so the copy is taken now.
            self.before[where] = copy.deepcopy(table.get_item(hash_value, range_value))

    def put_back(self) -> None:
        for (table_name, hash_value, range_value), item in reversed(self.before.items()):
            table = self.backend.tables[table_name]
            _store(table, hash_value, range_value, item)
        for table_name, length in self.stream_lengths.items():
            shard = self.backend.tables[table_name].stream_shard
            if shard is not None:
                del shard.items[length:]


def _store(table: Table, hash_value: DynamoType, range_value: DynamoType | None, item: Item | None) -> None:
    """Puts `item` at its key as it was, or removes what is there (None), without a stream record."""
    from localrunner import moto_speed

    items: Any = table.items  # {hash: {range: item}}, or {hash: item} without a sort key
    found = items.get(hash_value)
    current = (found.get(range_value) if range_value is not None else found) if found is not None else None
    moto_speed.replaced(table, current, item)
    if range_value is not None:
        partition = items[hash_value]
        if item is None:
            partition.pop(range_value, None)
            if not partition:
                del items[hash_value]
        else:
            partition[range_value] = item
    elif item is None:
        items.pop(hash_value, None)
    else:
        items[hash_value] = item


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2's TransactWriteItems with the rollback above (its checks and errors unchanged)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    touched = TouchedItems(self)
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                touched.remember(table_name, key)
            if op_type == "Put":
                self.put_item(table_name, op["Item"], condition_expression=condition_expression,
                              expression_attribute_names=names, expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, condition_expression=condition_expression,
                                 expression_attribute_names=names, expression_attribute_values=values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 condition_expression=condition_expression, expression_attribute_names=names,
                                 expression_attribute_values=values)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            touched.put_back()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        touched.put_back()
        raise TransactionCanceledException(errors)


def snapshot_touched_items() -> None:
    """Installs the copy-on-write transactions, and moto's lock they rely on (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.models import DynamoDBBackend

    moto_lock.install()
    DynamoDBBackend.transact_write_items = moto_lock.locked(transact_write_items)  # type: ignore[method-assign]
    _installed = True


# The earlier name, kept for callers on other branches (tests/integration/conftest.py used it).
snapshot_each_table_once = snapshot_touched_items
