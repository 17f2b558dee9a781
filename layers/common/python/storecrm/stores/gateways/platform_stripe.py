"""The operator's own Stripe keys (store billing), from the Secrets Manager secret the stack names.

The secret is a JSON document {"secret_key": "sk_...", "webhook_secret": "whsec_..."}, cached between
requests like the signing keys (storecrm.kernel.gateways.secrets).
"""

from __future__ import annotations

from storecrm.config import settings
from storecrm.kernel.errors import Conflict, Unavailable
from storecrm.kernel.gateways.secrets import secret_document

# Secrets Manager's answers that mean the stack names a secret it cannot use.
SETUP_ERRORS = ("ResourceNotFoundException", "AccessDeniedException", "InvalidRequestException",
                "ValidationException", "DecryptionFailure")


def _not_configured() -> Conflict:
    return Conflict("Store billing is not set up on this platform (no operator Stripe secret)",
                    "BILLING.NOT_CONFIGURED")


def platform_stripe_keys() -> dict[str, str]:
    """The keys; a secret name that is empty, names no secret this function may read, or a secret that is not a
    JSON object is the same 409 as no name at all (an operator's setup mistake, not a fault of the call)."""
    secret_id = settings().platform_stripe_secret_id
    if not secret_id:
        raise _not_configured()
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

    try:
        document = secret_document(secret_id)
    except TransformParameterError:
        raise _not_configured() from None
    except GetParameterError as exc:
        # Powertools wraps the client's error: a missing, unreadable or deleted secret is the operator's setup;
        # anything else (throttling, the network) may pass.
        cause = getattr(exc.__context__, "response", {}).get("Error", {}).get("Code")
        if cause in SETUP_ERRORS:
            raise _not_configured() from None
        raise Unavailable("The platform's billing keys could not be read; try again shortly") from None
    if not isinstance(document, dict):
        raise _not_configured()
    return {name: str(document[name]) for name in ("secret_key", "webhook_secret") if document.get(name)}

