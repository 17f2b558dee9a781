"""API clients: OAuth2 client credentials a store's owners hand to back-office integrations (issue 15).

DECISION: a client's access token lives as long as a staff one (`access_token_ttl`, 15 minutes) and is never
checked against the client on later calls, so revoking a client refuses new tokens at once and lets issued
ones run out.
Token requests are counted per client id (the limits of a password login) before the secret is checked, so
however many arrive at once no more than the limit are checked in a window; a right secret gives its count
back, so the limit counts failures (and requests under way). Once it is used up, every request for that client
id is a 429 until the window ends, a right secret included.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from pydantic import Field

from storecrm.clock import new_id, now
from storecrm.config import Settings
from storecrm.identity.auth import (
    ClientScope,
    Principal,
    RateLimit,
    TokenSigningKeys,
    hash_secret,
    issue_access_token,
)
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import DomainError, FieldError, NotFound, Unauthorized
from storecrm.kernel.fields import Command
from storecrm.stores.access import AccessRefused
from storecrm.stores.models.api_clients import ApiClient
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.identity.repositories.auth import CodeRepository
    from storecrm.stores.access import StoreGuard
    from storecrm.stores.repositories.api_clients import ApiClientRepository
    from storecrm.stores.repositories.stores import StoreRepository

GRANT_TYPE = "client_credentials"
ALL_SCOPES: tuple[str, ...] = get_args(ClientScope)
INVALID_CLIENT = "Invalid client credentials"


class NewApiClient(Command):
    name: str = Field(min_length=1, max_length=100, description="What the client is for")
    scopes: list[ClientScope] = Field(min_length=1, max_length=len(ALL_SCOPES))


class ApiClientQuery(Command):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)


class TokenRequest(Command):
    """An OAuth2 client-credentials request, whichever way the dialect received the credentials."""

    grant_type: str = Field(max_length=100)
    client_id: str = Field(max_length=100)
    client_secret: str = Field(max_length=200)
    scope: str | None = Field(default=None, max_length=200)


@dataclass(frozen=True)
class IssuedClient:
    client: ApiClient
    secret: str  # in clear this once; only its hash is stored


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: frozenset[str]


class _ListPosition(Model):
    model_config = {"extra": "forbid"}
    key: dict[str, str]


class OAuthError(DomainError):
    """A refused token request (RFC 6749 5.2 names the cases; the dialect's error shape carries them)."""

    def __init__(self, message: str, code: str, field: str) -> None:
        super().__init__(message, code, 400, [FieldError(field, message)])


def granted_scopes(requested: str | None, client: ApiClient) -> frozenset[str]:
    """All of the client's scopes when none are asked for; otherwise those asked, each one the client's."""
    if requested is None or not requested.strip():
        return frozenset(client.scopes)
    wanted = frozenset(requested.split())
    extra = wanted - set(client.scopes)
    if extra:
        raise OAuthError(f"The client may not ask for {', '.join(sorted(extra))}", "OAUTH.INVALID_SCOPE", "scope")
    return wanted


class ApiClientService:
    def __init__(self, clients: ApiClientRepository, counters: CodeRepository, stores: StoreRepository,
                 guard: StoreGuard, signing: Callable[[], TokenSigningKeys], config: Settings) -> None:
        self.clients = clients
        self.counters = counters
        self.stores = stores
        self.guard = guard
        self.signing = signing
        self.config = config

    # ------------------------------------------------------------------ owners
    def create(self, principal: Principal, store_id: str, data: NewApiClient) -> IssuedClient:
        """One call: the owner's access checks join the client's write (a transaction)."""
        checks = self.guard.checks(principal, store_id, Action.MANAGE_API_CLIENTS)
        at, secret = now(), secrets.token_urlsafe(32)
        client = ApiClient(id=new_id(), store_id=store_id, name=data.name, scopes=sorted(set(data.scopes)),
                           secret_hash=hash_secret(secret), created_by=principal.subject, created_at=at,
                           updated_at=at)
        try:
            self.clients.create(client, also=checks)
        except AccessRefused:
            raise self.guard.refused(principal, store_id, Action.MANAGE_API_CLIENTS) from None
        return IssuedClient(client, secret)

    def list(self, principal: Principal, store_id: str, q: ApiClientQuery) -> tuple[list[ApiClient], str | None]:
        """Oldest first, revoked ones too: the access check, then one Query."""
        self.guard.enter(principal, store_id, Action.MANAGE_API_CLIENTS)
        start = cursors.decode(q.cursor, _ListPosition)
        clients, last = self.clients.page(store_id, limit=q.limit, after=start.key if start else None)
        return clients, cursors.encode(_ListPosition(key=last)) if last else None

    def revoke(self, principal: Principal, store_id: str, client_id: str) -> None:
        """No more tokens for the client from now on; revoking it again changes nothing."""
        key = self.clients.item_key(client_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_API_CLIENTS, extra=[key])
        client = self.clients.from_item(access.view.extras.get(key))
        if client is None or client.store_id != store_id:
            raise NotFound("API client not found", "API_CLIENT.NOT_FOUND")
        if client.revoked_at is None:
            at = now()
            self.clients.revoke(client.model_copy(update={"revoked_at": at, "updated_at": at}))

    # ------------------------------------------------------------------ the client itself
    def issue_token(self, request: TokenRequest) -> IssuedToken:
        """The request counted against the client id's limit, the client read, then its count given back in a
        transaction that also checks its store exists (a deleted store's clients get no tokens): three calls,
        two for a refusal. Every credential failure is the same 401, and keeps its count."""
        if request.grant_type != GRANT_TYPE:
            raise OAuthError(f"Only grant_type={GRANT_TYPE} is supported", "OAUTH.UNSUPPORTED_GRANT_TYPE",
                             "grant_type")
        at = now()
        limit = RateLimit("token-client", request.client_id, self.config.login_failures_allowed,
                          self.config.login_failure_window)
        self.counters.count([limit], at)
        client = self.clients.get(request.client_id)
        given_hash = hash_secret(request.client_secret)
        if client is None or not hmac.compare_digest(given_hash, client.secret_hash) or client.revoked_at is not None:
            raise Unauthorized(INVALID_CLIENT, "OAUTH.INVALID_CLIENT")
        gone = Unauthorized(INVALID_CLIENT, "OAUTH.INVALID_CLIENT")
        self.counters.give_back([limit], at, also=[self.stores.store_check(client.store_id, gone)])
        scopes = granted_scopes(request.scope, client)
        principal = Principal(kind="client", subject=client.id, store_id=client.store_id, scopes=scopes)
        ttl = self.config.access_token_ttl
        token, _ = issue_access_token(principal, self.signing(), at, ttl, token_id=new_id())
        return IssuedToken(token, ttl, scopes)
