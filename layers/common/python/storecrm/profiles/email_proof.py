"""The first proof of a profile's email, one rule for every dialect (issue 24 section 4).

Anyone may name an email: connect it (arky), register it with a password (Pelcro), or have staff or a Pelcro
customer change a profile to it. Until someone proves they read its mail, nothing done with it is the owner's.
So the proof that turns a profile's `verified` on (an arky profile code, the storefront verify, a Pelcro
passwordless login or a Pelcro email-verification token) also drops the password the profile has (it was set,
or carried over from another address, before this address was proven) and ends every session the profile had,
in the transaction that marks it verified. The owner then sets a password of their own. A profile verified
already is left as it is: later proofs prove nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storecrm.profiles.models.profiles import Profile

if TYPE_CHECKING:
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.repositories.table import Write
    from storecrm.profiles.repositories.profiles import ProfileRepository


@dataclass(frozen=True)
class EmailProof:
    """`profile`: the profile as proven (to write over the one read, whose revision it keeps); `ends`: the
    deletes of its sessions, to join the same transaction; `first`: whether this proof turned `verified` on."""

    profile: Profile
    ends: list[Write]
    first: bool


class EmailProofs:
    def __init__(self, profiles: ProfileRepository, sessions: SessionRepository) -> None:
        self.profiles = profiles
        self.sessions = sessions

    def prove(self, profile: Profile) -> EmailProof:
        """One more call on a first proof: the profile's sessions (its session index, with the sessions listed on
        the profile, read with it, for one made so lately the index may not show it yet)."""
        if profile.verified:
            return EmailProof(profile, [], first=False)
        found = self.profiles.session_keys(profile.id)
        listed = [self.sessions.item_key(token.id) for token in profile.auth_tokens]
        every = list(dict.fromkeys([*found, *listed]))
        proven = profile.model_copy(update={"verified": True, "password_hash": None, "auth_tokens": []})
        return EmailProof(proven, self.sessions.end_all(every), first=True)
