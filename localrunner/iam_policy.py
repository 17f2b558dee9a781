"""IAM as AWS would judge the functions' calls: which actions and resources an API call needs, and whether a
function's policy in template.yaml allows them.

moto does not enforce IAM, so the tests would never see a call that a deployed stack refuses. The IAM
conformance test (tests/conftest.py, with localrunner/iam_recording.py) records every call each function
makes and judges it here against that function's `Policies`, resolved like CloudFormation would resolve them
against what localrunner/provisioning.py created.

What is modelled, and only that (anything else in a policy is an error, never a silent pass):
- identity policies made of inline `Statement` lists (SAM policy templates and managed policies are refused);
- Effect Allow and Deny (an explicit Deny wins), Action and Resource with `*` and `?` wildcards, NotAction
  and NotResource are refused;
- the condition operators String(Not)Equals, String(Not)Like, Null, Bool and their ForAllValues:/ForAnyValue:
  and ...IfExists forms, over the condition keys the calls below supply.

Batch and transaction calls are judged per action as IAM does: TransactWriteItems needs PutItem, UpdateItem,
DeleteItem or ConditionCheckItem per item (there is no TransactWriteItems action), TransactGetItems GetItem,
BatchGetItem and BatchWriteItem their own action on each table, SendMessageBatch sqs:SendMessage,
DeleteObjects s3:DeleteObject on each key, HeadObject s3:GetObject.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

ContextValue = str | list[str]


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a call: the action, the resource's ARN, the condition keys."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


# A grant is one (action pattern, resource pattern) of one statement: (statement index, action, resource).
GrantId = tuple[int, str, str]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    grants: tuple[GrantId, ...] = ()  # the Allow grants that matched
    denied_by: int | None = None  # the statement index of an explicit Deny


class UnsupportedPolicy(ValueError):
    """A policy element this evaluator does not model: better to fail than to guess."""


# ---------------------------------------------------------------------------- the calls
def _dynamodb_table(prefix: str, table: str) -> str:
    return table if table.startswith("arn:") else f"{prefix}:table/{table}"


def _sqs_queue(region: str, account: str, url: str) -> str:
    parts = [p for p in urlparse(url).path.split("/") if p]
    owner, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (account, parts[-1])
    return f"arn:aws:sqs:{region}:{owner}:{name}"


_TRANSACT_WRITE = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                   "ConditionCheck": "dynamodb:ConditionCheckItem"}
_SQS_ACTION = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
               "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
_S3_OBJECT_ACTION = {"HeadObject": "s3:GetObject", "GetObject": "s3:GetObject", "PutObject": "s3:PutObject",
                     "DeleteObject": "s3:DeleteObject", "CopyObject": "s3:PutObject"}


def _kms_context(params: Mapping[str, Any]) -> dict[str, ContextValue]:
    context = params.get("EncryptionContext") or {}
    found: dict[str, ContextValue] = {f"kms:EncryptionContext:{k}": str(v) for k, v in context.items()}
    if context:
        found["kms:EncryptionContextKeys"] = sorted(context)
    return found


def required(service: str, operation: str, params: Mapping[str, Any], response: Mapping[str, Any] | None,
             region: str, account: str) -> list[Request]:
    """What IAM checks for one API call (`service` as botocore names it, e.g. "dynamodb", "sesv2")."""
    response = response or {}
    if service == "dynamodb":
        prefix = f"arn:aws:dynamodb:{region}:{account}"
        if operation == "TransactWriteItems":
            found = []
            for item in params.get("TransactItems", []):
                [(kind, body)] = item.items()
                found.append(Request(_TRANSACT_WRITE[kind], _dynamodb_table(prefix, body["TableName"])))
            return found
        if operation == "TransactGetItems":
            return [Request("dynamodb:GetItem", _dynamodb_table(prefix, item["Get"]["TableName"]))
                    for item in params.get("TransactItems", [])]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Request(f"dynamodb:{operation}", _dynamodb_table(prefix, table))
                    for table in params.get("RequestItems", {})]
        resource = _dynamodb_table(prefix, params["TableName"])
        if params.get("IndexName"):
            resource += f"/index/{params['IndexName']}"
        return [Request(f"dynamodb:{operation}", resource)]
    if service == "sqs":
        action = "sqs:" + _SQS_ACTION.get(operation, operation)
        return [Request(action, _sqs_queue(region, account, params["QueueUrl"]))]
    if service == "s3":
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        if operation in ("ListObjectsV2", "ListObjects"):
            context: dict[str, ContextValue] = {"s3:prefix": params["Prefix"]} if "Prefix" in params else {}
            return [Request("s3:ListBucket", bucket, context)]
        if operation == "DeleteObjects":
            return [Request("s3:DeleteObject", f"{bucket}/{o['Key']}") for o in params["Delete"]["Objects"]]
        if operation in _S3_OBJECT_ACTION:
            return [Request(_S3_OBJECT_ACTION[operation], f"{bucket}/{params['Key']}")]
        return [Request(f"s3:{operation}", bucket)]
    if service == "kms":
        key = str(response.get("KeyId") or params.get("KeyId") or "")
        if not key.startswith("arn:"):
            key = f"arn:aws:kms:{region}:{account}:key/{key or 'unknown'}"
        return [Request(f"kms:{operation}", key, _kms_context(params))]
    if service == "secretsmanager":
        secret = str(response.get("ARN") or params.get("SecretId") or "")
        if not secret.startswith("arn:"):
            # Not found: the ARN AWS would have judged ends in six random characters.
            secret = f"arn:aws:secretsmanager:{region}:{account}:secret:{secret}-XXXXXX"
        return [Request(f"secretsmanager:{operation}", secret)]
    if service in ("sesv2", "ses"):
        sender = str(params.get("FromEmailAddress") or params.get("Source") or "")
        address = parseaddr(sender)[1] or sender
        identity = address.partition("@")[2] if "@" in address else address
        return [Request(f"ses:{operation}", f"arn:aws:ses:{region}:{account}:identity/{identity}",
                        {"ses:FromAddress": address})]
    return [Request(f"{service}:{operation}", "*")]


# ---------------------------------------------------------------------------- the policies
@lru_cache(maxsize=512)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_OPERATORS = ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringLike", "StringNotLike", "Bool")


def check_operator(operator: str) -> None:
    qualifier, _, base = operator.rpartition(":")
    if operator != "Null" and (qualifier not in ("", "ForAllValues", "ForAnyValue")
                               or base.removesuffix("IfExists") not in _OPERATORS):
        raise UnsupportedPolicy(f"condition operator {operator} is not modelled")


def _test(operator: str, wanted: list[str], value: str) -> bool:
    if operator == "StringEquals":
        return value in wanted
    if operator == "StringNotEquals":
        return value not in wanted
    if operator == "StringEqualsIgnoreCase":
        return value.lower() in [w.lower() for w in wanted]
    if operator == "StringLike":
        return any(matches(w, value) for w in wanted)
    if operator == "StringNotLike":
        return not any(matches(w, value) for w in wanted)
    if operator == "Bool":
        return value.lower() in [w.lower() for w in wanted]
    raise UnsupportedPolicy(f"condition operator {operator} is not modelled")


def condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, ContextValue]) -> bool:
    wanted_values = [str(w).lower() if isinstance(w, bool) else str(w) for w in _listed(wanted)]
    present = key in context
    if operator == "Null":
        # "true": the key must be absent; "false": present.
        return all((w.lower() == "true") != present for w in wanted_values)
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if not present:
        return qualifier == "ForAllValues" or if_exists
    value = context[key]
    values = value if isinstance(value, list) else [value]
    if qualifier == "ForAllValues":
        return all(_test(base, wanted_values, v) for v in values)
    if qualifier == "ForAnyValue":
        return any(_test(base, wanted_values, v) for v in values)
    if qualifier:
        raise UnsupportedPolicy(f"condition qualifier {qualifier} is not modelled")
    if isinstance(value, list):
        raise UnsupportedPolicy(f"{key} has several values: the condition needs ForAllValues or ForAnyValue")
    return _test(base, wanted_values, value)


@dataclass(frozen=True)
class Statement:
    index: int
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[tuple[str, str, Any], ...]  # (operator, key, values)

    @classmethod
    def parse(cls, index: int, raw: Mapping[str, Any]) -> Statement:
        unsupported = set(raw) - {"Effect", "Action", "Resource", "Condition", "Sid"}
        if unsupported:
            raise UnsupportedPolicy(f"statement elements {sorted(unsupported)} are not modelled")
        if raw.get("Effect") not in ("Allow", "Deny"):
            raise UnsupportedPolicy(f"statement {index} has no Effect Allow or Deny")
        conditions = tuple((op, key, values) for op, entries in (raw.get("Condition") or {}).items()
                           for key, values in entries.items())
        for operator, _, _ in conditions:
            check_operator(operator)  # an unknown operator fails here, not at the first call
        return cls(index, raw["Effect"], tuple(str(a) for a in _listed(raw["Action"])),
                   tuple(str(r) for r in _listed(raw["Resource"])), conditions)

    def grants_for(self, request: Request) -> list[GrantId]:
        actions = [a for a in self.actions if matches(a, request.action, ignore_case=True)]
        resources = [r for r in self.resources if matches(r, request.resource)]
        if not actions or not resources:
            return []
        if not all(condition_holds(op, key, values, request.context) for op, key, values in self.conditions):
            return []
        return [(self.index, a, r) for a in actions for r in resources]

    def grant_ids(self) -> list[GrantId]:
        return [(self.index, a, r) for a in self.actions for r in self.resources]


@dataclass(frozen=True)
class Policy:
    """One function's identity policy: every statement of its `Policies`, resolved."""

    statements: tuple[Statement, ...]

    @classmethod
    def of(cls, resolved_policies: Iterable[Any]) -> Policy:
        statements: list[Statement] = []
        for document in resolved_policies:
            if not isinstance(document, dict) or set(document) - {"Version", "Statement"}:
                raise UnsupportedPolicy(f"only inline Statement policies are modelled, not {document!r}")
            for raw in _listed(document.get("Statement") or []):
                statements.append(Statement.parse(len(statements), raw))
        return cls(tuple(statements))

    def judge(self, request: Request) -> Verdict:
        for statement in self.statements:
            if statement.effect == "Deny" and statement.grants_for(request):
                return Verdict(False, denied_by=statement.index)
        grants = [g for s in self.statements if s.effect == "Allow" for g in s.grants_for(request)]
        return Verdict(bool(grants), tuple(grants))

    def grant_ids(self) -> list[GrantId]:
        return [g for s in self.statements if s.effect == "Allow" for g in s.grant_ids()]


def function_policy(template: Mapping[str, Any], provisioned: Any, logical_id: str) -> Policy:
    """The function's `Policies` resolved against `provisioned` (a localrunner.cfn.Provisioned)."""
    resource = (template.get("Resources") or {})[logical_id]
    policies = (resource.get("Properties") or {}).get("Policies") or []
    return Policy.of(provisioned.resolve(_listed(policies)))
