"""Staff accounts, login sessions and codes, and what a profile shows of its own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.models.addresses import Address
from storecrm.kernel.models.base import Entity


class AccountAddress(Model):
    label: str | None = None
    address: Address


class Account(Entity):
    id: str
    email: str
    phone_numbers: list[str] = Field(default_factory=list)
    addresses: list[AccountAddress] = Field(default_factory=list)
    # Counts the account's own changes (PUT /v1/accounts): a change or an erasure applies only to what it read.
    revision: int = 0
    created_at: int
    updated_at: int


class Session(Entity):
    """A login: one refresh-token chain. Refresh tokens are stored only as hashes."""

    id: str
    owner_kind: Literal["account", "profile"]
    owner_id: str
    store_id: str | None = None
    verified: bool = True
    refresh_hash: str
    # Hashes this chain has already rotated away from; presenting one means the token leaked.
    rotated_hashes: list[str] = Field(default_factory=list)
    created_at: int
    refresh_expires_at: int


class AuthCode(Entity):
    scope: str
    email: str
    code_hash: str
    kid: str
    attempts: int = 0
    created_at: int
    expires_at: int


class SessionSummary(Model):
    """What a profile shows of one of its sessions: never a token or a hash."""

    id: str
    created_at: int
    verified: bool


class CodeSummary(Model):
    created_at: int
    used: bool
