"""The local runner's data folder: moto's whole state in a snapshot, the changes after it in a journal that is
replayed in order at start (localrunner.persistence)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from localrunner.persistence import Journal, Part, changes_state
from moto import mock_aws


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def test_reads_are_not_journaled_and_changes_are() -> None:
    assert not any(map(changes_state, ["GetItem", "Query", "BatchGetItem", "ReceiveMessage", "Decrypt",
                                       "GetSecretValue", "DescribeStream", "GET", "HEAD"]))
    assert all(map(changes_state, ["PutItem", "TransactWriteItems", "SendMessage", "DeleteMessage", "SendEmail",
                                   "CreateSecret", "PutSecretValue", "POST", "PUT", "DELETE"]))


def test_everything_in_moto_comes_back_from_the_snapshot(folder: Path) -> None:
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        db, kms, secrets = session.client("dynamodb"), session.client("kms"), session.client("secretsmanager")
        db.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}])
        db.put_item(TableName="t", Item={"PK": {"S": "kept"}, "blob": {"B": b"\x00\x01"}})
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        sealed = kms.encrypt(KeyId=key, Plaintext=b"signing key")["CiphertextBlob"]
        secrets.create_secret(Name="keys", SecretString='{"current_kid": "k1"}')
        journal = Journal(folder)
        journal.open(fresh=True)
        journal.compact()
        journal.close()
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        journal = Journal(folder)
        journal.open(fresh=False)
        journal.load()
        journal.close()
        item = session.client("dynamodb").get_item(TableName="t", Key={"PK": {"S": "kept"}})["Item"]
        assert item["blob"] == {"B": b"\x00\x01"}
        assert session.client("kms").decrypt(CiphertextBlob=sealed)["Plaintext"] == b"signing key"
        assert session.client("secretsmanager").get_secret_value(SecretId="keys")["SecretString"].startswith("{")


def test_the_journal_is_replayed_in_order_up_to_a_torn_last_entry(folder: Path) -> None:
    replayed: list[Any] = []
    parts: dict[str, Any] = {"counter": 0}

    def journal_of() -> Journal:
        journal = Journal(folder)
        journal.replayers["note"] = replayed.append
        journal.parts["counter"] = Part(lambda: parts["counter"], lambda state: parts.__setitem__("counter", state))
        return journal

    with mock_aws():
        journal = journal_of()
        journal.open(fresh=True)
        journal.compact()
        for n in range(3):
            journal.record(("note", n))
        parts["counter"] = 7
        journal.part_changed("counter")
        journal.close()
        [written] = folder.glob("journal.*")
        with written.open("ab") as file:
            file.write(b"\x00\x00\x10\x00partial")  # the process died while writing this one
        parts["counter"] = 0
        journal = journal_of()
        journal.open(fresh=False)
        journal.load()
        journal.close()
    assert replayed == [("note", 0), ("note", 1), ("note", 2)] and parts["counter"] == 7


def test_a_second_runner_cannot_take_the_same_folder(folder: Path) -> None:
    first = Journal(folder)
    first.open(fresh=True)
    try:
        with pytest.raises(OSError, match="another local runner"):
            Journal(folder).open(fresh=False)
    finally:
        first.close()
    second = Journal(folder)
    second.open(fresh=False)
    second.close()
