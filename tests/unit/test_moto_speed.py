"""moto's DynamoDB with localrunner.moto_speed answers exactly as moto does on its own: the same items, in the
same order, with the same keys to go on from, after every kind of write (the index keys it keeps must follow
puts, updates in place, deletes, batches and cancelled transactions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from localrunner import moto_speed
from localrunner.moto_snapshots import snapshot_touched_items
from moto import mock_aws

TABLE = "t"


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    snapshot_touched_items()
    moto_speed.install()
    yield
    moto_speed.enabled = True


def _make_table(db: Any) -> None:
    strings = ["PK", "SK", "G1PK", "G1SK", "G2PK"]
    db.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[*({"AttributeName": a, "AttributeType": "S"} for a in strings),
                              {"AttributeName": "G3PK", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "Gsi1", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "G1PK", "KeyType": "HASH"},
                           {"AttributeName": "G1SK", "KeyType": "RANGE"}]},
            {"IndexName": "Gsi2", "Projection": {"ProjectionType": "KEYS_ONLY"},
             "KeySchema": [{"AttributeName": "G2PK", "KeyType": "HASH"}]},
            {"IndexName": "Gsi3", "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n"]},
             "KeySchema": [{"AttributeName": "G3PK", "KeyType": "HASH"}]},
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def _item(i: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": {"S": f"P{i % 4}"}, "SK": {"S": f"S{i:03d}"}, "n": {"N": str(i * 1.5)}, "flag": {"BOOL": i % 2 == 0},
        "nothing": {"NULL": True}, "blob": {"B": bytes([i, 255 - i])}, "tags": {"SS": [f"t{i}", "all"]},
        "nums": {"NS": [str(i), "7"]}, "blobs": {"BS": [b"a", bytes([i])]},
        "nested": {"M": {"list": {"L": [{"S": "x"}, {"N": str(i)}, {"M": {"deep": {"B": b"\x00\x01"}}}]}}},
    }
    if i % 3:
        item.update(G1PK={"S": f"G{i % 2}"}, G1SK={"S": f"{i % 5}-{i:03d}"})
    if i % 5 == 0:
        item["G2PK"] = {"S": "sparse"}
    item["G3PK"] = {"N": str(i % 3)}
    return item


def _pages(call: Any, **request: Any) -> list[dict[str, Any]]:
    pages = []
    while True:
        page = call(**request)
        page.pop("ResponseMetadata", None)
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _reads(db: Any) -> list[Any]:
    found: list[Any] = []
    for partition in ("P0", "P3", "nobody"):
        found.append(_pages(db.query, TableName=TABLE, KeyConditionExpression="PK = :p", Limit=4,
                            ExpressionAttributeValues={":p": {"S": partition}}, ReturnConsumedCapacity="TOTAL"))
    found.append(_pages(db.query, TableName=TABLE, KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                        ScanIndexForward=False, FilterExpression="flag = :t",
                        ExpressionAttributeValues={":p": {"S": "P1"}, ":s": {"S": "S0"}, ":t": {"BOOL": True}}))
    for value in ("G0", "G1", "G9"):
        found.append(_pages(db.query, TableName=TABLE, IndexName="Gsi1", Limit=3,
                            KeyConditionExpression="G1PK = :g AND G1SK BETWEEN :a AND :b",
                            ExpressionAttributeValues={":g": {"S": value}, ":a": {"S": "1"}, ":b": {"S": "3~"}}))
    found.append(_pages(db.query, TableName=TABLE, IndexName="Gsi2", KeyConditionExpression="G2PK = :g",
                        ExpressionAttributeValues={":g": {"S": "sparse"}}))
    found.append(_pages(db.query, TableName=TABLE, IndexName="Gsi3", KeyConditionExpression="G3PK = :g",
                        ProjectionExpression="PK, n", ExpressionAttributeValues={":g": {"N": "1.0"}}))
    found.append(_pages(db.query, TableName=TABLE, IndexName="Gsi1", Select="COUNT", KeyConditionExpression="G1PK = :g",
                        ExpressionAttributeValues={":g": {"S": "G1"}}))
    found.append(_pages(db.scan, TableName=TABLE, Limit=7))
    found.append(db.get_item(TableName=TABLE, Key={"PK": {"S": "P1"}, "SK": {"S": "S005"}}, ConsistentRead=True))
    found.append(db.batch_get_item(RequestItems={TABLE: {"Keys": [{"PK": {"S": f"P{i % 4}"}, "SK": {"S": f"S{i:03d}"}}
                                                                  for i in (1, 2, 99)]}}))
    for page in found[-2:]:
        page.pop("ResponseMetadata", None)
    return found


def _writes(db: Any) -> list[Any]:
    """Every way an item changes, with what each write answers."""
    answers = [
        db.put_item(TableName=TABLE, Item={**_item(2), "G1PK": {"S": "G1"}}, ReturnValues="ALL_OLD",
                    ReturnConsumedCapacity="TOTAL"),
        db.update_item(TableName=TABLE, Key={"PK": {"S": "P1"}, "SK": {"S": "S005"}}, ReturnValues="ALL_NEW",
                       UpdateExpression="SET G1PK = :g, G2PK = :s REMOVE G3PK",
                       ExpressionAttributeValues={":g": {"S": "G0"}, ":s": {"S": "sparse"}}),
        db.update_item(TableName=TABLE, Key={"PK": {"S": "P9"}, "SK": {"S": "new"}}, ReturnValues="UPDATED_NEW",
                       UpdateExpression="SET G1PK = :g, G1SK = :k",
                       ExpressionAttributeValues={":g": {"S": "G1"}, ":k": {"S": "2-new"}}),
        db.delete_item(TableName=TABLE, Key={"PK": {"S": "P0"}, "SK": {"S": "S004"}}, ReturnValues="ALL_OLD"),
        db.batch_write_item(RequestItems={TABLE: [
            {"PutRequest": {"Item": {**_item(40), "G2PK": {"S": "sparse"}}}},
            {"DeleteRequest": {"Key": {"PK": {"S": "P1"}, "SK": {"S": "S001"}}}}]}),
        db.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**_item(41), "G1PK": {"S": "G0"}, "G1SK": {"S": "2-tx"}}}},
            {"Update": {"TableName": TABLE, "Key": {"PK": {"S": "P3"}, "SK": {"S": "S007"}},
                        "UpdateExpression": "SET G1SK = :k", "ExpressionAttributeValues": {":k": {"S": "1-moved"}}}}]),
    ]
    with pytest.raises(ClientError, match="TransactionCanceled"):  # puts its own writes back
        db.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**_item(42), "G1PK": {"S": "G0"}}}},
            {"Update": {"TableName": TABLE, "Key": {"PK": {"S": "P2"}, "SK": {"S": "S002"}},
                        "UpdateExpression": "SET G1PK = :g", "ExpressionAttributeValues": {":g": {"S": "G9"}}}},
            {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "P0"}, "SK": {"S": "S008"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": {"PK": {"S": "P0"}, "SK": {"S": "S000"}},
                                "ConditionExpression": "attribute_not_exists(PK)"}}])
    for answer in answers:
        answer.pop("ResponseMetadata", None)
    return answers


def _stream(db: Any) -> list[Any]:
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = db.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    # Left out: what moto draws or stamps itself (the size counts the time's digits).
    assert all(isinstance(record["dynamodb"]["ApproximateCreationDateTime"], datetime) for record in records)
    return [{key: value for key, value in record.items() if key != "eventID"} | {
        "dynamodb": {k: v for k, v in record["dynamodb"].items() if k not in ("ApproximateCreationDateTime",
                                                                               "SizeBytes")}}
        for record in records]


def _session() -> list[Any]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _make_table(db)
        for i in range(30):
            db.put_item(TableName=TABLE, Item=_item(i))
        before = _reads(db)
        written = _writes(db)
        return [before, written, _reads(db), _stream(db)]


def test_answers_and_their_order_are_moto_s_own() -> None:
    fast = _session()
    moto_speed.enabled = False
    assert fast == _session()


def test_an_index_query_reads_only_the_items_that_hold_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _make_table(db)
        for i in range(30):
            db.put_item(TableName=TABLE, Item=_item(i))
        monkeypatch.setattr(Table, "all_items", lambda self: pytest.fail("the whole table was read"))
        page = db.query(TableName=TABLE, IndexName="Gsi2", KeyConditionExpression="G2PK = :g",
                        ExpressionAttributeValues={":g": {"S": "sparse"}})
        assert page["Count"] == 6
        page = db.query(TableName=TABLE, KeyConditionExpression="PK = :p",
                        ExpressionAttributeValues={":p": {"S": "P2"}})
        assert page["Count"] == 7
