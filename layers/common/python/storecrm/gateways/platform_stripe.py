"""The operator's own Stripe keys (store billing), from the Secrets Manager secret the stack names.

The secret is a JSON document {"secret_key": "sk_...", "webhook_secret": "whsec_..."}, cached by
Powertools parameters between requests like the signing keys.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from storecrm import aws, snapstart
from storecrm.config import settings
from storecrm.domain.errors import Conflict

_CACHE_SECONDS = 300
_provider: SecretsProvider | None = None

def _not_configured() -> Conflict:
    return Conflict("Store billing is not set up on this platform (no operator Stripe secret)",
                    "BILLING.NOT_CONFIGURED")


def platform_stripe_keys() -> dict[str, str]:
    global _provider
    secret_id = settings().platform_stripe_secret_id
    if not secret_id:
        raise _not_configured()
    if _provider is None:
        _provider = SecretsProvider(boto3_client=aws.client("secretsmanager"))
    document: Any = _provider.get(secret_id, transform="json", max_age=_CACHE_SECONDS)
    return {name: str(document[name]) for name in ("secret_key", "webhook_secret") if document.get(name)}


def reset() -> None:
    global _provider
    _provider = None


# The provider keeps the keys (for _CACHE_SECONDS) and its own client: neither may come from a snapshot.
snapstart.on_restore(reset)
