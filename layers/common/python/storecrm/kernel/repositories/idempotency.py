"""Powertools idempotency records, kept in the single table under their own partition."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from storecrm import aws
from storecrm.config import settings
from storecrm.kernel.repositories import keys


def idempotency_store(scope: str) -> DynamoDBPersistenceLayer:
    """Records expire through the table's TTL attribute; Powertools also checks expiry itself."""
    return DynamoDBPersistenceLayer(table_name=settings().table_name, key_attr="PK", sort_key_attr="SK",
                                    static_pk_value=keys.idempotency_partition(scope), expiry_attr="expires_at",
                                    boto3_client=aws.client("dynamodb"))
