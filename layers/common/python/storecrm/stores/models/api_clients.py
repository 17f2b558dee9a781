"""API clients: a store's OAuth2 client credentials for back-office integrations (issue 15)."""

from __future__ import annotations

from storecrm.identity.auth import ClientScope
from storecrm.kernel.models.base import Entity


class ApiClient(Entity):
    """Its id is the OAuth2 `client_id`; the secret is only ever stored as a hash (shown once, at creation)."""

    id: str
    store_id: str
    name: str
    scopes: list[ClientScope]
    secret_hash: str
    # The owner's account that made it.
    created_by: str
    created_at: int
    updated_at: int
    # Set once: a revoked client gets no more tokens (those already issued run out on their own).
    revoked_at: int | None = None
