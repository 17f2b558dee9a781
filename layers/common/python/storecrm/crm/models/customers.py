"""Records of the Pelcro-style customer API that live beside the profile."""

from __future__ import annotations

from storecrm.kernel.base_model import Model


class EmailVerification(Model):
    """The latest mailed email-verification token of a profile (only its hash): it proves `email`, and is
    spent by the confirmation that uses it."""

    profile_id: str
    store_id: str
    email: str
    secret_hash: str
    created_at: int
    expires_at: int
