"""The operator's own Stripe keys (store billing), from the Secrets Manager secret the stack names.

The secret is a JSON document {"secret_key": "sk_...", "webhook_secret": "whsec_..."}, cached between
requests like the signing keys (storecrm.gateways.secrets).
"""

from __future__ import annotations

from storecrm.config import settings
from storecrm.domain.errors import Conflict
from storecrm.gateways.secrets import secret_document


def _not_configured() -> Conflict:
    return Conflict("Store billing is not set up on this platform (no operator Stripe secret)",
                    "BILLING.NOT_CONFIGURED")


def platform_stripe_keys() -> dict[str, str]:
    secret_id = settings().platform_stripe_secret_id
    if not secret_id:
        raise _not_configured()
    document = secret_document(secret_id)
    return {name: str(document[name]) for name in ("secret_key", "webhook_secret") if document.get(name)}

