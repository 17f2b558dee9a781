"""Staff login: code requests, verification, token answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.kernel.fields import Command, Email

if TYPE_CHECKING:
    from storecrm.identity.sessions import IssuedTokens


class CodeRequest(Command):
    email: Email
    store_id: str | None = Field(default=None, max_length=64)


class StoreCodeRequest(Command):
    email: Email


class VerifyRequest(Command):
    email: Email
    code: str = Field(pattern=r"^\d{6}$", description="The six digits from the mail")


class RefreshRequest(Command):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutRequest(Command):
    refresh_token: str | None = Field(default=None, max_length=200)


class CodeSent(Out):
    sent: bool


class Tokens(Out):
    access_token: str
    refresh_token: str
    access_expires_at: int
    refresh_expires_at: int
    created_at: int
    is_verified: bool

    @staticmethod
    def fields(tokens: IssuedTokens) -> dict[str, object]:
        return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                "access_expires_at": tokens.access_expires_at, "refresh_expires_at": tokens.session.refresh_expires_at,
                "created_at": tokens.session.created_at, "is_verified": tokens.session.verified}


class AuthToken(Tokens):
    id: str

    @classmethod
    def of(cls, tokens: IssuedTokens) -> AuthToken:
        return cls.model_validate({"id": tokens.session.id, **cls.fields(tokens)})
