"""HS256 signing keys from Secrets Manager (storecrm.gateways.secrets caches them between requests)."""

from __future__ import annotations

from storecrm.config import settings
from storecrm.domain.auth import SigningKeys
from storecrm.gateways.secrets import secret_document


def signing_keys() -> SigningKeys:
    """The document is {"current_kid": "k1", "k1": "...", "k2": "..."}: every key verifies,
    current_kid signs, so rotation is "add a key, then switch current_kid"."""
    document = secret_document(settings().jwt_secret_id)
    current = document["current_kid"]
    keys = {kid: value for kid, value in document.items() if kid != "current_kid"}
    return SigningKeys(current_kid=current, keys=keys)

