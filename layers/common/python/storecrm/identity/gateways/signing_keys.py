"""Keys from Secrets Manager (storecrm.kernel.gateways.secrets caches them between requests), each secret readable
only by the functions that need it (template.yaml):

- access tokens' private keys (`ACCESS_TOKEN_SECRET_ID`, issuing functions only): {"current_kid": "e1",
  "e1": "<random text>", ...}. A key is Ed25519 with SHA-256 of its text as the private bytes, so CloudFormation's
  GenerateSecretString makes one and rotation is "add a key, then switch current_kid".
- their public keys (`ACCESS_TOKEN_PUBLIC_KEYS_ID`, every function that checks a bearer): {"e1": "<base64url
  of the 32-byte public key>", ...}. CloudFormation cannot derive them, so the issuing functions publish them:
  before a token signed with a key leaves, its public key is in the document (one PutSecretValue the first
  time, repeated by every issuer that finds it missing; the content is the same whoever writes it).
- login-code hash keys (`LOGIN_CODE_SECRET_ID`, functions that mail or check codes) and mailed-link keys
  (`JWT_SECRET_ID`, the HS256 keys of old, now only for audience links), both HMAC {"current_kid", kid: key}.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from storecrm import aws
from storecrm.config import settings
from storecrm.identity.auth import SigningKeys, TokenSigningKeys, TokenVerifyKeys
from storecrm.kernel.gateways.secrets import secret_document

# A token naming a key id the cached public keys lack re-reads them, at most this often per container (an
# unknown kid is usually a forgery, and each re-read is a billed call).
RELOAD_EVERY_SECONDS = 30
_last_reload = 0.0


def _hmac_keys(document: Mapping[str, str]) -> SigningKeys:
    keys = {kid: value for kid, value in document.items() if kid != "current_kid"}
    return SigningKeys(current_kid=document["current_kid"], keys=keys)


def signing_keys() -> SigningKeys:
    """The mailed-link keys (audience confirm and unsubscribe links)."""
    return _hmac_keys(secret_document(settings().jwt_secret_id))


def login_code_keys() -> SigningKeys:
    """The keys login codes are hashed with."""
    return _hmac_keys(secret_document(settings().login_code_secret_id))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@lru_cache(maxsize=8)
def _private_keys(document: tuple[tuple[str, str], ...]) -> TokenSigningKeys:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    values = dict(document)
    current = values.pop("current_kid")
    keys = {kid: Ed25519PrivateKey.from_private_bytes(hashlib.sha256(text.encode()).digest())
            for kid, text in values.items()}
    return TokenSigningKeys(current_kid=current, keys=keys)


def public_key_text(private_key: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _b64(private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def token_signing_keys() -> TokenSigningKeys:
    """The private keys, once the current one's public key is published."""
    found = _private_keys(tuple(sorted(secret_document(settings().access_token_secret_id).items())))
    _publish(found)
    return found


def _publish(keys: TokenSigningKeys) -> None:
    public_id = settings().access_token_public_keys_id
    published: dict[str, str] = dict(secret_document(public_id))
    wanted = {kid: public_key_text(key) for kid, key in keys.keys.items()}
    if published.get(keys.current_kid) == wanted[keys.current_kid]:
        return
    merged = {**published, **wanted}
    text = json.dumps(merged, sort_keys=True)
    # The same content makes the same request token: issuers publishing at once write one version.
    aws.client("secretsmanager").put_secret_value(SecretId=public_id, SecretString=text,
                                                  ClientRequestToken=hashlib.sha256(text.encode()).hexdigest()[:64])
    secret_document(public_id, force=True)


@lru_cache(maxsize=8)
def _public_keys(document: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return {kid: Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            for kid, text in document}


def _read_public(force: bool = False) -> dict[str, Any]:
    return _public_keys(tuple(sorted(secret_document(settings().access_token_public_keys_id, force=force).items())))


def _reload() -> Mapping[str, Any]:
    global _last_reload
    if time.monotonic() - _last_reload < RELOAD_EVERY_SECONDS:
        return _read_public()
    _last_reload = time.monotonic()
    return _read_public(force=True)


def token_verify_keys() -> TokenVerifyKeys:
    """The public keys: verify, never sign."""
    return TokenVerifyKeys(keys=_read_public(), reload=_reload)
