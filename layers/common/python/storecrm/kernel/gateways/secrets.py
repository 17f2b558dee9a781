"""JSON secrets from Secrets Manager, cached by Powertools parameters between requests (signing keys, the
operator's Stripe keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storecrm import aws, snapstart

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

CACHE_SECONDS = 300
_provider: SecretsProvider | None = None


def secret_document(secret_id: str, *, force: bool = False) -> Any:
    """The secret's JSON document, read again at most every CACHE_SECONDS (or now, with `force`)."""
    global _provider
    if _provider is None:
        # Powertools' parameters package (a dozen modules) loads with the first secret read, not with every
        # function that might read one: public routes never do.
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        _provider = SecretsProvider(boto3_client=aws.client("secretsmanager"))
    return _provider.get(secret_id, transform="json", max_age=CACHE_SECONDS, force_fetch=force)


def reset() -> None:
    global _provider
    _provider = None


# The provider keeps the secrets (for CACHE_SECONDS) and its own client: neither may come from a snapshot.
snapstart.on_restore(reset)
