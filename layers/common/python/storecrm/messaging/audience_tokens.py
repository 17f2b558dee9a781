"""Mailed audience links (confirm, unsubscribe): HMAC-signed with the JWT signing keys, with a key id
so rotation keeps earlier mails working; single use is enforced by the repository with a marker item.

A token is `base64url(payload).base64url(hmac)`; the payload names the kind, store, audience,
profile, token id, key id and expiry. Expiry is checked here: DynamoDB's TTL deletes lazily (and
moto never), so the marker's TTL is only housekeeping.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from typing import Literal

from storecrm.clock import new_id
from storecrm.identity.auth import SigningKeys
from storecrm.kernel.errors import DomainError, Unauthorized

TokenKind = Literal["confirm", "unsubscribe"]
LIFETIME: dict[TokenKind, int] = {"confirm": 7 * 24 * 3600, "unsubscribe": 365 * 24 * 3600}
_DOMAIN = b"storecrm-audience-token|"


class InvalidLink(DomainError):
    def __init__(self, message: str = "This link is not valid or has expired") -> None:
        super().__init__(message, "AUDIENCE.INVALID_TOKEN", 400)


@dataclass(frozen=True)
class AudienceToken:
    kind: TokenKind
    store_id: str
    audience_id: str
    profile_id: str
    id: str
    expires_at: int

    @classmethod
    def new(cls, kind: TokenKind, store_id: str, audience_id: str, profile_id: str, at: int) -> AudienceToken:
        return cls(kind, store_id, audience_id, profile_id, new_id(), at + LIFETIME[kind])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), _DOMAIN + payload.encode(), hashlib.sha256).digest())


def issue(token: AudienceToken, signing: SigningKeys) -> str:
    payload = _b64(json.dumps({**asdict(token), "kid": signing.current_kid}, separators=(",", ":")).encode())
    return f"{payload}.{_signature(payload, signing.key(signing.current_kid))}"


def read(raw: str, kind: TokenKind, signing: SigningKeys, at: int) -> AudienceToken:
    """The token if it is ours, of this kind and not expired; otherwise 400 (never which check failed)."""
    payload, dot, signature = raw.partition(".")
    if not dot or len(raw) > 2000:
        raise InvalidLink()
    try:
        data = json.loads(_unb64(payload))
        secret = signing.key(str(data.pop("kid")))
        token = AudienceToken(**data)
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, Unauthorized):
        raise InvalidLink() from None
    if not hmac.compare_digest(_signature(payload, secret), signature):
        raise InvalidLink()
    if token.kind != kind or not isinstance(token.expires_at, int) or token.expires_at <= at:
        raise InvalidLink()
    return token
