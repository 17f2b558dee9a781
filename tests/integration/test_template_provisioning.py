"""localrunner.template: template.yaml parsed, resolved, routed and provisioned into moto."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from localrunner.cfn import CfnLoader
from localrunner.template import (
    REPO_ROOT,
    Provisioned,
    Route,
    Routes,
    api_routes,
    function_environment,
    functions,
    load_template,
    match,
    provision,
)
from moto import mock_aws

TEMPLATE = load_template()


def _resources_of(kind: str) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in TEMPLATE["Resources"].items() if res["Type"] == kind}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name="us-east-1")


@pytest.fixture
def prov(aws: boto3.session.Session) -> Provisioned:
    return provision(aws, {"Stage": "dev", "AllowLoopbackWebhooks": "true"})


# ---------------------------------------------------------------------------- parsing


def test_short_tags_become_long_form() -> None:
    text = textwrap.dedent(
        """
        a: !Ref Thing
        b: !GetAtt Table.StreamArn
        c: !GetAtt [Queue, Arn]
        d: !Sub "${AWS::Region}-x"
        e: !Join [",", [a, b]]
        f: !If [IsProd, 1, 2]
        g: !Equals [!Ref Stage, prod]
        h: !Select [0, !Split [",", "a,b"]]
        i: !GetAZs ""
        j: !ImportValue Shared
        k: !FindInMap [M, K1, K2]
        l: !Base64 hi
        m: !Not [!Condition IsProd]
        n: !And [!Condition A, !Or [!Condition B, !Condition C]]
        o: 2012-10-17
        """
    )
    data = yaml.load(text, Loader=CfnLoader)
    assert data["a"] == {"Ref": "Thing"}
    assert data["b"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert data["c"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert data["d"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert data["e"] == {"Fn::Join": [",", ["a", "b"]]}
    assert data["f"] == {"Fn::If": ["IsProd", 1, 2]}
    assert data["g"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert data["h"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert data["i"] == {"Fn::GetAZs": ""}
    assert data["j"] == {"Fn::ImportValue": "Shared"}
    assert data["k"] == {"Fn::FindInMap": ["M", "K1", "K2"]}
    assert data["l"] == {"Fn::Base64": "hi"}
    assert data["m"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert data["n"] == {"Fn::And": [{"Condition": "A"}, {"Fn::Or": [{"Condition": "B"}, {"Condition": "C"}]}]}
    assert data["o"] == "2012-10-17"  # CloudFormation keeps dates as strings


def test_resolve_evaluates_intrinsics_anywhere() -> None:
    template = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Mappings": {"Sizes": {"dev": {"Memory": 256}}},
    }
    p = Provisioned(template=template, parameters={"Stage": "dev"}, refs={"Table": "t1"})
    p.attrs[("Table", "Arn")] = "arn:aws:dynamodb:us-east-1:123456789012:table/t1"
    value = {
        "sub": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root in ${AWS::Region}"},
        "att": {"Fn::Sub": "${Table.Arn}/index/*"},
        "literal": {"Fn::Sub": "${!NotAVariable}-${Stage}"},
        "vars": {"Fn::Sub": ["${x}-${Table}", {"x": {"Ref": "Stage"}}]},
        "join": {"Fn::Join": ["-", [{"Ref": "Table"}, "b"]]},
        "select": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]},
        "if": {"Fn::If": ["IsProd", "big", "small"]},
        "map": {"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]},
        "gone": {"Ref": "AWS::NoValue"},
        "list": [{"Ref": "Table"}, {"Ref": "AWS::NoValue"}],
    }
    assert p.resolve(value) == {
        "sub": "arn:aws:iam::123456789012:root in us-east-1",
        "att": "arn:aws:dynamodb:us-east-1:123456789012:table/t1/index/*",
        "literal": "${NotAVariable}-dev",
        "vars": "dev-t1",
        "join": "t1-b",
        "select": "b",
        "if": "small",
        "map": 256,
        "list": ["t1"],
    }
    with pytest.raises(KeyError):
        p.resolve({"Ref": "Missing"})


def test_functions_come_from_the_template_with_globals_applied() -> None:
    specs = functions(TEMPLATE)
    assert set(specs) == set(_resources_of("AWS::Serverless::Function"))
    docs = specs["DocsFunction"]
    assert docs.code_uri == REPO_ROOT / "functions"
    assert docs.module_file == REPO_ROOT / "functions" / "docs" / "app.py"
    assert docs.handler_name == "lambda_handler"
    assert docs.memory_size == 512  # from Globals
    assert specs["SchedulerFunction"].timeout == 300  # the function's own value wins
    assert [kind for kind, _ in specs["SchedulerFunction"].events] == ["Schedule"]
    for spec in specs.values():
        assert spec.module_file.is_file(), spec


# ---------------------------------------------------------------------------- routing


def test_every_api_event_is_a_route() -> None:
    routes = api_routes(TEMPLATE)
    expected = {
        (str(ev["Properties"]["Method"]).upper(), ev["Properties"]["Path"], lid)
        for lid, res in _resources_of("AWS::Serverless::Function").items()
        for ev in (res["Properties"].get("Events") or {}).values()
        if ev["Type"] == "Api"
    }
    assert {(r.method, r.path, r.function) for r in routes} == expected


def test_static_segments_beat_parameters() -> None:
    routes = api_routes(TEMPLATE)
    found = routes.match("GET", "/v1/stores/plans")
    assert found is not None and found[0].path == "/v1/stores/plans" and found[1] == {}
    found = routes.match("GET", "/v1/stores/s_1")
    assert found is not None and found[0].path == "/v1/stores/{storeId}" and found[1] == {"storeId": "s_1"}
    found = match(routes, "delete", "/v1/stores/s_1/markets/m_9/")
    assert found is not None
    assert (found[0].function, found[1]) == ("MarketsFunction", {"storeId": "s_1", "marketId": "m_9"})
    # The most specific resource is chosen first, as in API Gateway: no fallback to {storeId}.
    assert routes.match("DELETE", "/v1/stores/plans") is None
    assert routes.match("GET", "/v1/nothing") is None


def test_greedy_proxy_and_any_routes() -> None:
    routes = Routes(
        [
            Route("ANY", "/files/{proxy+}", "Files"),
            Route("GET", "/files/special", "Special"),
            Route("GET", "/files/{name}", "Named"),
        ]
    )
    found = routes.match("GET", "/files/a/b/c.txt")
    assert found is not None and (found[0].function, found[1]) == ("Files", {"proxy": "a/b/c.txt"})
    found = routes.match("GET", "/files/one")
    assert found is not None and (found[0].function, found[1]) == ("Named", {"name": "one"})
    found = routes.match("GET", "/files/special")
    assert found is not None and found[0].function == "Special"
    assert routes.match("GET", "/files") is None


# ---------------------------------------------------------------------------- provisioning


def test_the_table_matches_the_template(aws: boto3.session.Session, prov: Provisioned) -> None:
    ((logical_id, resource),) = _resources_of("AWS::DynamoDB::Table").items()
    expected = resource["Properties"]
    client = aws.client("dynamodb")
    table = client.describe_table(TableName=prov.refs[logical_id])["Table"]
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    assert table["BillingModeSummary"]["BillingMode"] == expected["BillingMode"]
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert set(indexes) == {i["IndexName"] for i in expected["GlobalSecondaryIndexes"]}
    for index in expected["GlobalSecondaryIndexes"]:
        assert indexes[index["IndexName"]]["KeySchema"] == index["KeySchema"]
        assert indexes[index["IndexName"]]["Projection"]["ProjectionType"] == index["Projection"]["ProjectionType"]
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": expected["StreamSpecification"]["StreamViewType"],
    }
    ttl = client.describe_time_to_live(TableName=prov.refs[logical_id])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": expected["TimeToLiveSpecification"]["AttributeName"]}
    assert prov.attrs[(logical_id, "Arn")] == table["TableArn"]
    assert prov.attrs[(logical_id, "StreamArn")] == table["LatestStreamArn"]


def test_queues_have_their_attributes_and_dead_letter_queue(aws: boto3.session.Session, prov: Provisioned) -> None:
    sqs = aws.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=prov.refs["WebhookQueue"], AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == prov.attrs[("WebhookDeadLetterQueue", "Arn")]
    expected = TEMPLATE["Resources"]["WebhookQueue"]["Properties"]
    assert int(redrive["maxReceiveCount"]) == int(prov.resolve(expected["RedrivePolicy"]["maxReceiveCount"]))
    assert attributes["VisibilityTimeout"] == str(expected["VisibilityTimeout"])
    assert attributes["QueueArn"] == prov.attrs[("WebhookQueue", "Arn")]


def test_secret_is_generated_from_its_template(aws: boto3.session.Session, prov: Provisioned) -> None:
    spec = TEMPLATE["Resources"]["JwtSigningSecret"]["Properties"]["GenerateSecretString"]
    value = aws.client("secretsmanager").get_secret_value(SecretId=prov.refs["JwtSigningSecret"])["SecretString"]
    document = json.loads(value)
    generated = document.pop(spec["GenerateStringKey"])
    assert document == json.loads(spec["SecretStringTemplate"])
    assert len(generated) == spec["PasswordLength"] and generated.isalnum()
    assert prov.refs["JwtSigningSecret"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:")


def test_mail_can_be_sent_from_the_sender_identity(aws: boto3.session.Session, prov: Provisioned) -> None:
    sender = prov.refs["SenderIdentity"]
    assert sender == prov.parameters["SenderEmail"]
    reply = aws.client("sesv2").send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["someone@example.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
    )
    assert reply["MessageId"]


def test_bus_bucket_and_key_exist(aws: boto3.session.Session, prov: Provisioned) -> None:
    assert aws.client("events").describe_event_bus(Name=prov.refs["EventBus"])["Arn"] == prov.attrs[("EventBus", "Arn")]
    assert prov.refs["EventBus"] == "storecrm-dev"  # the template names it with !Sub
    s3 = aws.client("s3")
    encryption = s3.get_bucket_encryption(Bucket=prov.refs["MediaBucket"])["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    kms = aws.client("kms")
    assert (
        kms.describe_key(KeyId=prov.refs["IntegrationsKey"])["KeyMetadata"]["Arn"]
        == prov.attrs[("IntegrationsKey", "Arn")]
    )
    assert kms.get_key_rotation_status(KeyId=prov.refs["IntegrationsKey"])["KeyRotationEnabled"] is True


def test_function_environment_is_resolved_to_strings(prov: Provisioned) -> None:
    env = function_environment(TEMPLATE, prov, "AccountsFunction")
    assert set(env) >= set(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
    assert all(isinstance(value, str) for value in env.values())
    assert env["TABLE_NAME"] == prov.refs["Table"]
    assert env["WEBHOOK_QUEUE_URL"] == prov.refs["WebhookQueue"]
    assert env["JWT_SECRET_ID"] == prov.refs["JwtSigningSecret"]
    assert env["ALLOW_LOOPBACK_WEBHOOKS"] == "true"
    assert env["STAGE"] == "dev"


def test_parameter_overrides_are_checked(aws: boto3.session.Session) -> None:
    with pytest.raises(ValueError, match="Stage"):
        provision(aws, {"Stage": "staging"})
    with pytest.raises(ValueError, match="unknown"):
        provision(aws, {"NoSuchParameter": "x"})


def test_importing_the_template_module_is_cheap() -> None:
    code = "import sys, localrunner.template; print(sorted(m for m in ('moto', 'boto3') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(REPO_ROOT), capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
