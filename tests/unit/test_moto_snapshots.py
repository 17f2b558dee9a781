"""The one-copy-per-table transaction backup keeps moto's all-or-nothing transactions."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from localrunner.moto_snapshots import snapshot_each_table_once
from moto import mock_aws


def test_a_refused_transaction_still_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    snapshot_each_table_once()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}])
        db.put_item(TableName="t", Item={"PK": {"S": "kept"}, "n": {"N": "1"}})
        writes = [{"Put": {"TableName": "t", "Item": {"PK": {"S": f"new{i}"}}}} for i in range(3)]
        refused = {"Update": {"TableName": "t", "Key": {"PK": {"S": "kept"}}, "UpdateExpression": "SET n = :two",
                              "ConditionExpression": "n = :zero",
                              "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}}}}
        with pytest.raises(ClientError, match="TransactionCanceled"):
            db.transact_write_items(TransactItems=[*writes, refused])
        assert [i["PK"]["S"] for i in db.scan(TableName="t")["Items"]] == ["kept"]
        db.transact_write_items(TransactItems=writes)
        assert len(db.scan(TableName="t")["Items"]) == 4
