"""Create the template's data, messaging, storage and secret resources through boto3.

Works against whatever the session's clients reach: moto's `mock_aws()` in tests, the in-process
moto server in the local runner (via AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from localrunner import iam_recording
from localrunner.cfn import Provisioned, references, template_parameters

if TYPE_CHECKING:
    import boto3

log = logging.getLogger("localrunner.provision")

NAME_PREFIX = "storecrm-local-"

# Properties that hold a resource's physical name when the template sets one.
_NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Events::EventBus": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SecretsManager::Secret": "Name",
}

_SQS_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


def physical_name(logical_id: str, properties: dict[str, Any], resource_type: str, lower: bool = False) -> str:
    explicit = properties.get(_NAME_PROPERTY.get(resource_type, ""))
    if explicit:
        return str(explicit)
    name = NAME_PREFIX + logical_id
    return name.lower() if lower else name


def _arn(prov: Provisioned, service: str, resource: str, regional: bool = True) -> str:
    region = prov.region if regional else ""
    account = prov.account_id if regional else ""
    return f"arn:aws:{service}:{region}:{account}:{resource}"


# ---------------------------------------------------------------------------- resource creators
# Each creator receives (session, provisioned, logical id, resolved properties) and fills
# provisioned.refs / provisioned.attrs the way CloudFormation's Ref / GetAtt would answer.
# Clients are typed Any: the requests are built from untyped template data, checked by botocore.


def _table(session: boto3.session.Session, prov: Provisioned, logical_id: str, props: dict[str, Any]) -> None:
    client: Any = session.client("dynamodb")
    name = physical_name(logical_id, props, "AWS::DynamoDB::Table")
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput", "TableClass"):
        if key in props:
            request[key] = props[key]
    if request["BillingMode"] == "PAY_PER_REQUEST":
        # CloudFormation ignores per-index throughput on on-demand tables; the API rejects it.
        for index in request.get("GlobalSecondaryIndexes", []):
            index.pop("ProvisionedThroughput", None)
    stream = props.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    described = client.create_table(**request)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    prov.refs[logical_id] = name
    prov.attrs[(logical_id, "Arn")] = described["TableArn"]
    if described.get("LatestStreamArn"):
        prov.attrs[(logical_id, "StreamArn")] = described["LatestStreamArn"]


def _queue(session: boto3.session.Session, prov: Provisioned, logical_id: str, props: dict[str, Any]) -> None:
    client: Any = session.client("sqs")
    name = physical_name(logical_id, props, "AWS::SQS::Queue")
    if props.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: _attribute_str(props[key]) for key in _SQS_ATTRIBUTES if key in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            value = props[key]
            attributes[key] = value if isinstance(value, str) else json.dumps(value)
    url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    prov.refs[logical_id] = url
    prov.attrs[(logical_id, "Arn")] = arn
    prov.attrs[(logical_id, "QueueName")] = name
    prov.attrs[(logical_id, "QueueUrl")] = url


def _event_bus(session: boto3.session.Session, prov: Provisioned, logical_id: str, props: dict[str, Any]) -> None:
    client: Any = session.client("events")
    name = physical_name(logical_id, props, "AWS::Events::EventBus")
    arn = client.create_event_bus(Name=name)["EventBusArn"]
    prov.refs[logical_id] = name
    prov.attrs[(logical_id, "Arn")] = arn
    prov.attrs[(logical_id, "Name")] = name


def _email_identity(session: boto3.session.Session, prov: Provisioned, logical_id: str, props: dict[str, Any]) -> None:
    # moto treats every identity created through SES v2 as verified, so mail can be sent from it.
    identity = str(props["EmailIdentity"])
    session.client("sesv2").create_email_identity(EmailIdentity=identity)
    prov.refs[logical_id] = identity


def _bucket(session: boto3.session.Session, prov: Provisioned, logical_id: str, props: dict[str, Any]) -> None:
    client: Any = session.client("s3")
    name = physical_name(logical_id, props, "AWS::S3::Bucket", lower=True)
    if prov.region == "us-east-1":
        client.create_bucket(Bucket=name)
    else:
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": prov.region})
    block = props.get("PublicAccessBlockConfiguration")
    if block:
        client.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    encryption = props.get("BucketEncryption")
    if encryption:
        # CloudFormation lists the rules directly and drops "Apply"; the S3 API does neither.
        rules = [
            {("Apply" + k if k == "ServerSideEncryptionByDefault" else k): v for k, v in rule.items()}
            for rule in encryption["ServerSideEncryptionConfiguration"]
        ]
        client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    cors = props.get("CorsConfiguration")
    if cors:
        client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [_cors_rule(r) for r in cors["CorsRules"]]})
    prov.refs[logical_id] = name
    prov.attrs[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"
    prov.attrs[(logical_id, "DomainName")] = f"{name}.s3.amazonaws.com"
    prov.attrs[(logical_id, "RegionalDomainName")] = f"{name}.s3.{prov.region}.amazonaws.com"


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    # CloudFormation and the S3 API spell two of the CORS keys differently.
    renames = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
    return {renames.get(key, key): value for key, value in rule.items()}


def _kms_key(session: boto3.session.Session, prov: Provisioned, logical_id: str, props: dict[str, Any]) -> None:
    client: Any = session.client("kms")
    request: dict[str, Any] = {}
    if "Description" in props:
        request["Description"] = props["Description"]
    if "KeyPolicy" in props:
        policy = props["KeyPolicy"]
        request["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    for key in ("KeyUsage", "KeySpec"):
        if key in props:
            request[key] = props[key]
    metadata = client.create_key(**request)["KeyMetadata"]
    if props.get("EnableKeyRotation"):
        client.enable_key_rotation(KeyId=metadata["KeyId"])
    prov.refs[logical_id] = metadata["KeyId"]
    prov.attrs[(logical_id, "Arn")] = metadata["Arn"]
    prov.attrs[(logical_id, "KeyId")] = metadata["KeyId"]


def _secret(session: boto3.session.Session, prov: Provisioned, logical_id: str, props: dict[str, Any]) -> None:
    client: Any = session.client("secretsmanager")
    name = physical_name(logical_id, props, "AWS::SecretsManager::Secret")
    request: dict[str, Any] = {"Name": name}
    if "Description" in props:
        request["Description"] = str(props["Description"]).strip()
    if "KmsKeyId" in props:
        request["KmsKeyId"] = props["KmsKeyId"]
    if "SecretString" in props:
        request["SecretString"] = props["SecretString"]
    elif "GenerateSecretString" in props:
        request["SecretString"] = generate_secret_string(props["GenerateSecretString"])
    arn = client.create_secret(**request)["ARN"]
    prov.refs[logical_id] = arn
    prov.attrs[(logical_id, "Id")] = arn
    prov.attrs[(logical_id, "Arn")] = arn


def generate_secret_string(spec: dict[str, Any]) -> str:
    """The secret CloudFormation would generate; alphanumeric, so it is always JSON- and shell-safe."""
    alphabet = string.ascii_letters + string.digits
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    if spec.get("ExcludeUppercase"):
        excluded |= set(string.ascii_uppercase)
    if spec.get("ExcludeLowercase"):
        excluded |= set(string.ascii_lowercase)
    if spec.get("ExcludeNumbers"):
        excluded |= set(string.digits)
    alphabet = "".join(ch for ch in alphabet if ch not in excluded) or string.ascii_letters
    length = int(spec.get("PasswordLength", 32))
    value = "".join(secrets.choice(alphabet) for _ in range(length))
    template = spec.get("SecretStringTemplate")
    if template is None:
        return value
    document = json.loads(template)
    document[spec["GenerateStringKey"]] = value
    return json.dumps(document)


def _attribute_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Creator = Callable[["boto3.session.Session", Provisioned, str, dict[str, Any]], None]

CREATORS: dict[str, Creator] = {
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,
    "AWS::Events::EventBus": _event_bus,
    "AWS::SES::EmailIdentity": _email_identity,
    "AWS::S3::Bucket": _bucket,
    "AWS::KMS::Key": _kms_key,
    "AWS::SecretsManager::Secret": _secret,
}


def _placeholder(prov: Provisioned, logical_id: str, resource_type: str) -> None:
    """Refs/attrs for resources the runner does not create (functions, the API, layers)."""
    if resource_type == "AWS::Serverless::Api":
        prov.refs[logical_id] = "local"
        prov.attrs[(logical_id, "RootResourceId")] = "local-root"
    elif resource_type == "AWS::Serverless::Function":
        name = NAME_PREFIX + logical_id
        prov.refs[logical_id] = name
        prov.attrs[(logical_id, "Arn")] = _arn(prov, "lambda", f"function:{name}")
    elif resource_type == "AWS::Serverless::LayerVersion":
        prov.refs[logical_id] = _arn(prov, "lambda", f"layer:{NAME_PREFIX}{logical_id}:1")
    # Operations resources (alarms and where they go, logs, the dashboard) have nothing to do
    # locally; their Ref and Arn answer as CloudFormation's would, so whatever names them resolves.
    elif resource_type == "AWS::SNS::Topic":
        name = NAME_PREFIX + logical_id
        prov.refs[logical_id] = _arn(prov, "sns", name)
        prov.attrs[(logical_id, "TopicName")] = name
        prov.attrs[(logical_id, "TopicArn")] = prov.refs[logical_id]
    elif resource_type == "AWS::CloudWatch::Alarm":
        name = NAME_PREFIX + logical_id
        prov.refs[logical_id] = name
        prov.attrs[(logical_id, "Arn")] = _arn(prov, "cloudwatch", f"alarm:{name}")
    elif resource_type == "AWS::Logs::LogGroup":
        name = NAME_PREFIX + logical_id
        prov.refs[logical_id] = name
        prov.attrs[(logical_id, "Arn")] = _arn(prov, "logs", f"log-group:{name}:*")
    elif resource_type == "AWS::IAM::Role":
        name = NAME_PREFIX + logical_id
        prov.refs[logical_id] = name
        prov.attrs[(logical_id, "Arn")] = f"arn:aws:iam::{prov.account_id}:role/{name}"
    else:
        prov.refs[logical_id] = NAME_PREFIX + logical_id


def _creation_order(resources: dict[str, Any]) -> list[str]:
    """Provisionable resources in dependency order (a DLQ before the queue that names it)."""
    wanted = {lid for lid, res in resources.items() if res.get("Type") in CREATORS}
    order: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in order:
            return
        if logical_id in visiting:
            raise ValueError(f"circular reference involving {logical_id}")
        visiting.add(logical_id)
        resource = resources[logical_id]
        depends = resource.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else depends
        for dependency in sorted((references(resource.get("Properties")) | set(depends)) & wanted):
            visit(dependency)
        visiting.discard(logical_id)
        order.append(logical_id)

    for logical_id in resources:
        if logical_id in wanted:
            visit(logical_id)
    return order


@dataclass
class Existing:
    """Resources an earlier run created (the runner's data folder keeps them): what Ref and GetAtt answered for
    each, and a fingerprint of the properties it was made with."""

    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[tuple[str, str], Any] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)

    def of(self, prov: Provisioned, made: dict[str, str]) -> None:
        """Remember what `prov` holds, `made` being each created resource's fingerprint."""
        self.refs, self.attrs, self.fingerprints = dict(prov.refs), dict(prov.attrs), dict(made)


def fingerprint(resource_type: str, properties: dict[str, Any]) -> str:
    text = json.dumps([resource_type, properties], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def provision(
    session: boto3.session.Session,
    parameter_overrides: dict[str, str] | None = None,
    template: dict[str, Any] | None = None,
    existing: Existing | None = None,
) -> Provisioned:
    """Create every supported resource of the template through the session's clients; resources in
    `existing` are taken as they are (a resource whose properties changed since is named in a warning) and
    `existing` is updated to what is there now."""
    if template is None:
        from localrunner.cfn import load_template

        template = load_template()
    prov = Provisioned(
        template=template,
        parameters=template_parameters(template, parameter_overrides),
        region=session.region_name or "us-east-1",
    )
    resources: dict[str, Any] = template.get("Resources") or {}
    for logical_id, resource in resources.items():
        if resource.get("Type") not in CREATORS:
            _placeholder(prov, logical_id, resource.get("Type", ""))
    kept = existing or Existing()
    made: dict[str, str] = {}
    changed: list[str] = []
    for logical_id in _creation_order(resources):
        resource = resources[logical_id]
        if "Condition" in resource and not prov.condition(resource["Condition"]):
            continue
        properties = prov.resolve(resource.get("Properties") or {})
        made[logical_id] = fingerprint(resource["Type"], properties)
        if logical_id in kept.refs:
            prov.refs[logical_id] = kept.refs[logical_id]
            prov.attrs.update({key: value for key, value in kept.attrs.items() if key[0] == logical_id})
            if kept.fingerprints.get(logical_id) != made[logical_id]:
                changed.append(logical_id)
                made[logical_id] = kept.fingerprints.get(logical_id, "")  # still as it was made
            continue
        CREATORS[resource["Type"]](session, prov, logical_id, properties)
        log.debug("created %s (%s) -> %s", logical_id, resource["Type"], prov.refs[logical_id])
    if changed:
        log.warning("template.yaml changed %s since the saved data was made; they stay as they were "
                    "(start with --fresh to make them anew)", ", ".join(changed))
    kept.of(prov, made)
    iam_recording.provisioned(prov)
    return prov
