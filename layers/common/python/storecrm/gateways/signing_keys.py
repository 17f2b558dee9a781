"""HS256 signing keys from Secrets Manager, cached by Powertools parameters between requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storecrm import aws, snapstart
from storecrm.config import settings
from storecrm.domain.auth import SigningKeys

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

_CACHE_SECONDS = 300
_provider: SecretsProvider | None = None


def signing_keys() -> SigningKeys:
    """The document is {"current_kid": "k1", "k1": "...", "k2": "..."}: every key verifies,
    current_kid signs, so rotation is "add a key, then switch current_kid"."""
    global _provider
    if _provider is None:
        # Powertools' parameters package (a dozen modules) loads with the first key read, not with
        # every function that checks a bearer token: public routes never read a key.
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        _provider = SecretsProvider(boto3_client=aws.client("secretsmanager"))
    document: Any = _provider.get(settings().jwt_secret_id, transform="json", max_age=_CACHE_SECONDS)
    current = document["current_kid"]
    keys = {kid: value for kid, value in document.items() if kid != "current_kid"}
    return SigningKeys(current_kid=current, keys=keys)


def reset() -> None:
    global _provider
    _provider = None


# The provider keeps the keys (for _CACHE_SECONDS) and its own client: neither may come from a snapshot.
snapstart.on_restore(reset)
