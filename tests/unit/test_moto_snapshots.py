"""Transactions under moto stay all-or-nothing, and a cancelled one undoes only its own writes, whatever other
threads write meanwhile (localrunner.moto_snapshots, localrunner.moto_lock)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from localrunner.moto_snapshots import snapshot_touched_items
from moto import mock_aws


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    snapshot_touched_items()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                                  {"AttributeName": "SK", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                       {"AttributeName": "SK", "KeyType": "RANGE"}],
                            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        yield client


def _key(pk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": "x"}}


def _refused(pk: str) -> dict[str, Any]:
    """A condition that fails: the item must not exist, and it does."""
    return {"ConditionCheck": {"TableName": "t", "Key": _key(pk), "ConditionExpression": "attribute_not_exists(PK)"}}


def _pks(db: Any) -> list[str]:
    return sorted(item["PK"]["S"] for item in db.scan(TableName="t")["Items"])


def test_a_refused_transaction_still_writes_nothing(db: Any) -> None:
    db.put_item(TableName="t", Item={**_key("kept"), "n": {"N": "1"}})
    writes = [{"Put": {"TableName": "t", "Item": _key(f"new{i}")}} for i in range(3)]
    changed = {"Update": {"TableName": "t", "Key": _key("kept"), "UpdateExpression": "SET n = :two",
                          "ExpressionAttributeValues": {":two": {"N": "2"}}}}
    refused = {"Delete": {"TableName": "t", "Key": _key("gone"), "ConditionExpression": "attribute_exists(PK)"}}
    with pytest.raises(ClientError, match="TransactionCanceled"):
        db.transact_write_items(TransactItems=[*writes, changed, refused])
    assert _pks(db) == ["kept"]
    assert db.get_item(TableName="t", Key=_key("kept"))["Item"]["n"] == {"N": "1"}  # updated in place, put back
    db.transact_write_items(TransactItems=writes)
    assert len(_pks(db)) == 4


def test_a_refused_transaction_leaves_no_stream_records(db: Any) -> None:
    db.put_item(TableName="t", Item=_key("first"))
    db.put_item(TableName="t", Item=_key("kept"))
    with pytest.raises(ClientError, match="TransactionCanceled"):
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": _key("never")}}, _refused("kept")])
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = db.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in records] == ["first", "kept"]


def test_a_cancelled_transaction_does_not_undo_what_another_thread_wrote_meanwhile(
        db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's own rollback put back a copy of the whole table taken when the transaction began: a write
    another function made (and was answered for) while the transaction ran was lost."""
    from moto.dynamodb.models import DynamoDBBackend

    db.put_item(TableName="t", Item=_key("taken"))
    other_write = threading.Thread(target=lambda: boto3.client("dynamodb", region_name="us-east-1").put_item(
        TableName="t", Item=_key("acknowledged")))
    put_item = DynamoDBBackend.put_item

    def put_item_meeting_another_thread(self: Any, table_name: str, item: dict[str, Any], *args: Any,
                                        **kwargs: Any) -> Any:
        if item["PK"]["S"] == "inside-the-transaction":
            other_write.start()
            other_write.join(timeout=2)  # it waits for the transaction, or (unsafe) writes right now
        return put_item(self, table_name, item, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", put_item_meeting_another_thread)
    with pytest.raises(ClientError, match="TransactionCanceled"):
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": _key("inside-the-transaction")}},
                                               _refused("taken")])
    other_write.join()
    assert _pks(db) == ["acknowledged", "taken"]
