"""Credentials: login codes, refresh tokens and access tokens (JWT, EdDSA over Ed25519, key id in the header).

Secrets are never stored: codes are kept as keyed hashes (a bare hash of six digits would be
reversed in a second), refresh-token secrets as SHA-256 (they carry 256 bits of randomness).

Access tokens are signed with a private key only the functions that issue tokens hold; every other function
verifies them with the public keys alone, so it cannot mint a token (storecrm.identity.gateways.signing_keys).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from storecrm.clock import now
from storecrm.kernel.errors import Forbidden, Unauthorized

ISSUER = "storecrm"
INVALID_CODE = "Invalid or expired code"
# "customer" is a profile session's token in the Pelcro dialect: the same sessions, but a token kind
# of its own, so neither dialect accepts the other's tokens.
PrincipalKind = Literal["account", "profile", "client", "customer"]


@dataclass(frozen=True)
class SigningKeys:
    """HMAC keys by key id (login-code hashes, mailed links): `current_kid` signs, every key verifies."""

    current_kid: str
    keys: dict[str, str]

    def key(self, kid: str) -> str:
        try:
            return self.keys[kid]
        except KeyError:
            raise Unauthorized("Token signed with an unknown key", "GENERAL.INVALID_TOKEN") from None


TOKEN_ALGORITHM = "EdDSA"  # Ed25519 through PyJWT's cryptography backend


@dataclass(frozen=True)
class TokenSigningKeys:
    """The access tokens' private keys (cryptography Ed25519PrivateKey) by key id; `current_kid` signs."""

    current_kid: str
    keys: Mapping[str, Any]


@dataclass(frozen=True)
class TokenVerifyKeys:
    """The access tokens' public keys (Ed25519PublicKey) by key id. `reload` answers the newest published
    keys, for a key id not seen yet (a rotation published after these were read)."""

    keys: Mapping[str, Any]
    reload: Callable[[], Mapping[str, Any]] | None = None

    def key(self, kid: str) -> Any:
        found = self.keys.get(kid)
        if found is None and self.reload is not None:
            found = self.reload().get(kid)
        if found is None:
            raise Unauthorized("Token signed with an unknown key", "GENERAL.INVALID_TOKEN")
        return found


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven by an access token."""

    kind: PrincipalKind
    subject: str
    session_id: str | None = None
    store_id: str | None = None
    verified: bool = True
    # The request only reads (GET): what a lapsed store's staff may still do whatever the action's right.
    reading: bool = False
    # What an API client's token allows (OAuth2 scopes, e.g. `profiles:read`); empty for every other kind.
    scopes: frozenset[str] = frozenset()


def own_session_id(caller: Principal, store_id: str) -> str:
    """The session of a profile bearer of this store; any other token is a 401."""
    if caller.kind != "profile" or caller.store_id != store_id or not caller.session_id:
        raise Unauthorized("This token is not a session of this store", "GENERAL.INVALID_TOKEN")
    return caller.session_id


ClientScope = Literal["profiles:read", "profiles:write", "profiles:delete"]


def client_store_id(caller: Principal, scope: ClientScope) -> str:
    """The store (tenant) of an API client's token that grants `scope`: any other token is a 401, a
    client token without the scope a 403."""
    if caller.kind != "client" or not caller.store_id:
        raise Unauthorized("This call needs an API client's access token", "GENERAL.INVALID_TOKEN")
    if scope not in caller.scopes:
        raise Forbidden(f"The token does not grant the '{scope}' scope", "GENERAL.INSUFFICIENT_SCOPE")
    return caller.store_id


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` requests per `window` seconds for one subject (an email, an IP)."""

    bucket: str
    subject: str
    limit: int
    window: int


# ---------------------------------------------------------------- login codes
def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def hash_code(code: str, scope: str, email: str, signing: SigningKeys, kid: str) -> str:
    message = f"{scope}|{email}|{code}".encode()
    return hmac.new(signing.key(kid).encode(), message, hashlib.sha256).hexdigest()


def code_matches(code: str, stored_hash: str, scope: str, email: str, signing: SigningKeys, kid: str) -> bool:
    return hmac.compare_digest(hash_code(code, scope, email, signing, kid), stored_hash)


# ---------------------------------------------------------------- refresh tokens
def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshToken:
    session_id: str
    secret: str
    owner_id: str | None  # a hint only: trusted once the session read with it names the same owner


def refresh_token(session_id: str, secret: str, owner_id: str) -> str:
    """Opaque to clients. The session id finds the session; the owner id lets a refresh read the
    owner (the profile its answer carries) in the same BatchGetItem."""
    return f"{session_id}.{secret}.{owner_id}"


def split_refresh_token(token: str) -> RefreshToken:
    parts = token.split(".")
    if len(parts) not in (2, 3) or not all(parts) or len(token) > 200:
        raise Unauthorized("Invalid refresh token", "GENERAL.INVALID_TOKEN")
    return RefreshToken(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


# ---------------------------------------------------------------- access tokens
def issue_access_token(principal: Principal, signing: TokenSigningKeys, issued_at: int, ttl: int,
                       token_id: str | None = None) -> tuple[str, int]:
    """`token_id` (the `jti` claim) makes each token distinct, even two issued in the same second."""
    expires_at = issued_at + ttl
    claims: dict[str, object] = {
        "iss": ISSUER, "sub": principal.subject, "typ": principal.kind, "iat": issued_at, "exp": expires_at,
        "ver": principal.verified,
    }
    if principal.session_id:
        claims["sid"] = principal.session_id
    if principal.store_id:
        claims["store"] = principal.store_id
    if token_id:
        claims["jti"] = token_id
    if principal.scopes:
        claims["scope"] = " ".join(sorted(principal.scopes))
    import jwt  # see read_access_token

    token = jwt.encode(claims, signing.keys[signing.current_kid], algorithm=TOKEN_ALGORITHM,
                       headers={"kid": signing.current_kid})
    return token, expires_at


# A token issued "in the future" by this much (clock skew between containers) is still accepted.
ISSUED_LEEWAY_SECONDS = 60


def read_access_token(token: str, verifying: TokenVerifyKeys) -> Principal:
    # PyJWT (and the cryptography package it loads) is imported by the first request that signs or
    # verifies a token, not by every function's cold start (the docs, webhook and event functions never do).
    import jwt

    invalid = Unauthorized("Invalid or expired access token", "GENERAL.INVALID_TOKEN")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise invalid
        # Expiry is judged by storecrm.clock (the time tokens are issued by), not by PyJWT's own clock.
        # Only EdDSA: a token of the HS256 era (or one naming "none") is refused whatever its key id.
        claims = jwt.decode(token, verifying.key(kid), algorithms=[TOKEN_ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "typ"], "verify_exp": False,
                                     "verify_iat": False})
    except jwt.PyJWTError:
        raise invalid from None
    at = now()
    if not all(isinstance(claims[c], int | float) for c in ("exp", "iat")) or claims["exp"] <= at \
            or claims["iat"] > at + ISSUED_LEEWAY_SECONDS:
        raise invalid
    if claims["typ"] not in ("account", "profile", "client", "customer"):
        raise invalid
    scope = claims.get("scope")
    return Principal(kind=claims["typ"], subject=claims["sub"], session_id=claims.get("sid"),
                     store_id=claims.get("store"), verified=bool(claims.get("ver", False)),
                     scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset())


# A staff account's personal API token (storecrm.identity.account_tokens) starts so; an access token (a JWT) with
# `eyJ`. Kept here so the bearer check does not load the tokens' module for the JWTs nearly every call carries.
PREFIX = "pat_"


def is_personal_token(bearer: str) -> bool:
    """A personal token, not an access token."""
    return bearer.startswith(PREFIX)
