"""What carts and orders share about the shopper who calls: the session's liveness.

Kept apart from commerce.carts so the orders function does not load the cart and quote rules, nor (for its staff
routes) the profile sessions' module.
"""

from __future__ import annotations

from storecrm.clock import now
from storecrm.identity.auth import Principal
from storecrm.identity.models.accounts import Session
from storecrm.kernel.errors import Unauthorized


def shopper_session_id(caller: Principal, store_id: str) -> str:
    """The session of a profile bearer of this store; any other token is a 401."""
    from storecrm.messaging.profile_sessions import own_session_id  # only storefront calls need that module

    return own_session_id(caller, store_id)


def live_session(session: Session | None, caller: Principal, store_id: str) -> Session:
    """The caller's session, read with the cart or order it asks for: revoking it ends that access at once."""
    if (session is None or session.owner_id != caller.subject or session.store_id != store_id
            or session.refresh_expires_at <= now()):
        raise Unauthorized("The session has ended; start a new one", "GENERAL.INVALID_TOKEN")
    return session
