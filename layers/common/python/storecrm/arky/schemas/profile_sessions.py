"""Profile sessions (the seed's initialize, connect, code login and refresh) as the arky-style API answers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.arky.schemas.auth import Tokens
from storecrm.arky.schemas.profiles import ProfileOut
from storecrm.kernel.fields import Command, Email

if TYPE_CHECKING:
    from storecrm.messaging.profile_sessions import ProfileLogin


class ProfileEmailRequest(Command):
    email: Email


class ProfileVerifyRequest(Command):
    email: Email
    code: str = Field(pattern=r"^\d{6}$", description="The six digits from the mail")


class ProfileSession(Tokens):
    """A profile session: `id` is the profile's id (the seed's connect flow reads it as profileId)."""

    id: str
    profile: ProfileOut
    session_id: str

    @classmethod
    def of(cls, login: ProfileLogin) -> ProfileSession:
        return cls.model_validate({"id": login.profile.id, "profile": ProfileOut.of(login.profile),
                                   "session_id": login.tokens.session.id, **cls.fields(login.tokens)})
