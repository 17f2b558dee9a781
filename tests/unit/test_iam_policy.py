"""The IAM conformance test's judge (localrunner/iam_policy.py): what a call needs, and what a policy allows."""

from __future__ import annotations

from typing import Any

import pytest
from localrunner.cfn import Provisioned
from localrunner.iam_policy import Policy, Request, UnsupportedPolicy, function_policy, required
from localrunner.template import load_template

REGION, ACCOUNT = "us-east-1", "123456789012"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t"


def _needs(service: str, operation: str, params: dict[str, Any],
           response: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    return [(r.action, r.resource) for r in required(service, operation, params, response, REGION, ACCOUNT)]


def test_a_transaction_needs_each_items_own_action() -> None:
    items = [{"Put": {"TableName": "t"}}, {"Update": {"TableName": "t"}}, {"Delete": {"TableName": "t"}},
             {"ConditionCheck": {"TableName": "t"}}]
    assert _needs("dynamodb", "TransactWriteItems", {"TransactItems": items}) == [
        ("dynamodb:PutItem", TABLE), ("dynamodb:UpdateItem", TABLE), ("dynamodb:DeleteItem", TABLE),
        ("dynamodb:ConditionCheckItem", TABLE)]
    assert _needs("dynamodb", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "t"}}]}) == [
        ("dynamodb:GetItem", TABLE)]


def test_batches_count_as_their_single_action() -> None:
    assert _needs("dynamodb", "BatchWriteItem", {"RequestItems": {"t": [{"DeleteRequest": {}}]}}) == [
        ("dynamodb:BatchWriteItem", TABLE)]
    assert _needs("dynamodb", "BatchGetItem", {"RequestItems": {"t": {}}}) == [("dynamodb:BatchGetItem", TABLE)]
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/hooks"
    assert _needs("sqs", "SendMessageBatch", {"QueueUrl": url}) == [
        ("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:hooks")]
    deleted = {"Bucket": "b", "Delete": {"Objects": [{"Key": "stores/1/a"}, {"Key": "stores/1/b"}]}}
    assert _needs("s3", "DeleteObjects", deleted) == [("s3:DeleteObject", "arn:aws:s3:::b/stores/1/a"),
                                                       ("s3:DeleteObject", "arn:aws:s3:::b/stores/1/b")]


def test_an_index_query_names_the_index_and_a_head_needs_get_object() -> None:
    assert _needs("dynamodb", "Query", {"TableName": "t", "IndexName": "GSI1"}) == [
        ("dynamodb:Query", f"{TABLE}/index/GSI1")]
    assert _needs("s3", "HeadObject", {"Bucket": "b", "Key": "k"}) == [("s3:GetObject", "arn:aws:s3:::b/k")]


def test_condition_keys_come_from_the_call() -> None:
    [listing] = required("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "stores/1/"}, None, REGION, ACCOUNT)
    assert listing.context == {"s3:prefix": "stores/1/"}
    [mail] = required("sesv2", "SendEmail", {"FromEmailAddress": "Acme <no-reply@example.com>"}, None, REGION,
                      ACCOUNT)
    assert mail.context == {"ses:FromAddress": "no-reply@example.com"}
    [sealed] = required("kms", "Decrypt", {"EncryptionContext": {"store_id": "s1", "webhook_id": "w1"}},
                        {"KeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k"}, REGION, ACCOUNT)
    assert sealed.resource.endswith(":key/k")
    assert sealed.context == {"kms:EncryptionContext:store_id": "s1", "kms:EncryptionContext:webhook_id": "w1",
                              "kms:EncryptionContextKeys": ["store_id", "webhook_id"]}


def _policy(*statements: dict[str, Any]) -> Policy:
    return Policy.of([{"Statement": list(statements)}])


def test_actions_match_with_wildcards_and_resources_exactly() -> None:
    policy = _policy({"Effect": "Allow", "Action": ["dynamodb:Get*"], "Resource": [TABLE]})
    assert policy.judge(Request("dynamodb:GetItem", TABLE)).allowed
    assert policy.judge(Request("DynamoDB:GetItem", TABLE)).allowed  # actions ignore case
    assert not policy.judge(Request("dynamodb:GetItem", f"{TABLE}/index/GSI1")).allowed
    assert not policy.judge(Request("dynamodb:PutItem", TABLE)).allowed


def test_an_explicit_deny_wins() -> None:
    policy = _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
                     {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/keep/*"})
    assert policy.judge(Request("s3:DeleteObject", "arn:aws:s3:::b/other")).allowed
    verdict = policy.judge(Request("s3:DeleteObject", "arn:aws:s3:::b/keep/x"))
    assert not verdict.allowed and verdict.denied_by == 1


def test_conditions_must_hold() -> None:
    sender = _policy({"Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
                      "Condition": {"StringEquals": {"ses:FromAddress": "no-reply@example.com"}}})
    assert sender.judge(Request("ses:SendEmail", "x", {"ses:FromAddress": "no-reply@example.com"})).allowed
    assert not sender.judge(Request("ses:SendEmail", "x", {"ses:FromAddress": "ceo@example.com"})).allowed
    assert not sender.judge(Request("ses:SendEmail", "x")).allowed  # an absent key fails a plain condition
    listing = _policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
                       "Condition": {"StringLike": {"s3:prefix": "stores/*"}}})
    assert listing.judge(Request("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "stores/1/"})).allowed
    assert not listing.judge(Request("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "other/"})).allowed
    assert not listing.judge(Request("s3:ListBucket", "arn:aws:s3:::b")).allowed


def test_encryption_context_conditions() -> None:
    policy = _policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {
        "StringLike": {"kms:EncryptionContext:store_id": "?*"},
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["store_id", "webhook_id"]},
        "Null": {"kms:EncryptionContext:webhook_id": "false"}}})

    def context(**values: str) -> dict[str, Any]:
        return {**{f"kms:EncryptionContext:{k}": v for k, v in values.items()},
                "kms:EncryptionContextKeys": sorted(values)}

    assert policy.judge(Request("kms:Decrypt", "k", context(store_id="s", webhook_id="w"))).allowed
    assert not policy.judge(Request("kms:Decrypt", "k", context(store_id="s", integration_id="i"))).allowed
    assert not policy.judge(Request("kms:Decrypt", "k", context(webhook_id="w"))).allowed
    assert not policy.judge(Request("kms:Decrypt", "k")).allowed


def test_what_is_not_modelled_is_refused() -> None:
    with pytest.raises(UnsupportedPolicy):
        Policy.of([{"DynamoDBCrudPolicy": {"TableName": "t"}}])
    with pytest.raises(UnsupportedPolicy):
        _policy({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})
    with pytest.raises(UnsupportedPolicy):
        _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})


def _provisioned() -> Provisioned:
    template = load_template()
    prov = Provisioned(template=template, parameters={"SenderEmail": "no-reply@example.com",
                                                      "PlatformStripeSecretName": "platform-stripe"})
    for logical_id in template["Resources"]:
        prov.refs[logical_id] = logical_id
        for attribute in ("Arn", "StreamArn"):
            prov.attrs[(logical_id, attribute)] = f"arn:{logical_id}"
    return prov


def test_the_template_policies_resolve_and_judge() -> None:
    template, prov = load_template(), _provisioned()
    orders = function_policy(template, prov, "OrdersFunction")
    # Booked lines are cancelled in a transaction that deletes their slot cells (the gap the test found).
    assert orders.judge(Request("dynamodb:DeleteItem", "arn:Table")).allowed
    assert not orders.judge(Request("dynamodb:Query", "arn:Table")).allowed  # indexes only
    # A paid membership is saved with an update; template lists read the indexes (the other two gaps).
    assert function_policy(template, prov, "StripeWebhooksFunction").judge(
        Request("dynamodb:UpdateItem", "arn:Table")).allowed
    assert function_policy(template, prov, "EmailTemplatesFunction").judge(
        Request("dynamodb:Query", "arn:Table/index/GSI3")).allowed
    events = function_policy(template, prov, "EventsFunction")
    # It writes an event's activity (issue 29), never deletes.
    assert events.judge(Request("dynamodb:PutItem", "arn:Table")).allowed
    assert not events.judge(Request("dynamodb:DeleteItem", "arn:Table")).allowed
    assert function_policy(template, prov, "PlatformFunction").grant_ids() == []


def _context(**values: str) -> dict[str, Any]:
    return {**{f"kms:EncryptionContext:{k}": v for k, v in values.items()}, "kms:EncryptionContextKeys": sorted(values)}


def test_sealed_secrets_open_only_for_the_kind_a_function_needs_and_naming_a_store() -> None:
    template, prov = load_template(), _provisioned()
    webhook = _context(store_id="s1", webhook_id="w1")
    integration = _context(store_id="s1", integration_id="i1")
    dispatcher = function_policy(template, prov, "WebhookDispatcherFunction")
    assert dispatcher.judge(Request("kms:Decrypt", "arn:IntegrationsKey", webhook)).allowed
    assert not dispatcher.judge(Request("kms:Decrypt", "arn:IntegrationsKey", integration)).allowed
    assert not dispatcher.judge(Request("kms:Decrypt", "arn:IntegrationsKey", _context(webhook_id="w1"))).allowed
    assert not dispatcher.judge(Request("kms:Decrypt", "arn:IntegrationsKey")).allowed
    carts = function_policy(template, prov, "CartsFunction")
    assert carts.judge(Request("kms:Decrypt", "arn:IntegrationsKey", integration)).allowed
    assert not carts.judge(Request("kms:Decrypt", "arn:IntegrationsKey", webhook)).allowed
    assert not carts.judge(Request("kms:Encrypt", "arn:IntegrationsKey", integration)).allowed


ISSUERS = {"AccountsFunction", "ProfileSessionsFunction", "StorefrontFunction", "PelcroFunction", "NewStoreFunction"}


def test_only_the_functions_that_issue_tokens_hold_the_signing_keys() -> None:
    template, prov = load_template(), _provisioned()
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        policy = function_policy(template, prov, logical_id)
        signs = policy.judge(Request("secretsmanager:GetSecretValue", "AccessTokenSigningSecret")).allowed
        publishes = policy.judge(Request("secretsmanager:PutSecretValue", "AccessTokenPublicKeys")).allowed
        assert signs == publishes == (logical_id in ISSUERS), logical_id
        # Only the functions that mail or check login codes read their hash keys.
        codes = policy.judge(Request("secretsmanager:GetSecretValue", "LoginCodeSecret")).allowed
        assert not codes or logical_id in ISSUERS, logical_id


def test_objects_only_under_each_functions_prefix() -> None:
    template, prov = load_template(), _provisioned()
    pelcro = function_policy(template, prov, "PelcroFunction")
    assert pelcro.judge(Request("s3:PutObject", "arn:MediaBucket/stores/s1/profiles/p1/photo-1.png")).allowed
    assert not pelcro.judge(Request("s3:PutObject", "arn:MediaBucket/stores/s1/media/m1.png")).allowed
    media = function_policy(template, prov, "MediaFunction")
    assert media.judge(Request("s3:GetObject", "arn:MediaBucket/stores/s1/media/m1.png")).allowed
    assert not media.judge(Request("s3:GetObject", "arn:MediaBucket/stores/s1/profiles/p1/photo-1.png")).allowed
    assert not media.judge(Request("s3:ListBucket", "arn:MediaBucket", {"s3:prefix": "stores/s1/"})).allowed
    stores = function_policy(template, prov, "StoresFunction")
    assert stores.judge(Request("s3:ListBucket", "arn:MediaBucket", {"s3:prefix": "stores/s1/"})).allowed
    assert not stores.judge(Request("s3:ListBucket", "arn:MediaBucket", {"s3:prefix": "stores/"})).allowed
