"""A staff account's personal API tokens (identity): stored as the hash of their secret, never the secret."""

from __future__ import annotations

from storecrm.kernel.models.base import Entity


class AccountToken(Entity):
    id: str
    account_id: str
    name: str | None = None
    secret_hash: str
    created_at: int
    expires_at: int | None = None  # None: until revoked (or the account ends)
