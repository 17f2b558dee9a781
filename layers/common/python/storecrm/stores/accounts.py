"""Store staff login with emailed six-digit codes, platform-wide or scoped to one store.

Anyone may ask for a platform-wide code; verifying it creates the account on first login. A
store-scoped code (arky-sdk's storeCode / storeVerify) is mailed only to a member of that store, and opens
a session that acts on that store only (the store is kept on the session and in its tokens). Either way the
answer to a code request is the same whether or not the email is known or a member.

Every staff scope counts against one budget per email (`STAFF_BUDGET`): a store-scoped code has a record of
its own, but adding someone to N stores gives no more code requests or guesses than one login has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storecrm.clock import new_id, now
from storecrm.identity.auth import INVALID_CODE
from storecrm.identity.codes import CodeScope, LoginCodes
from storecrm.identity.models.accounts import Account
from storecrm.identity.sessions import IssuedTokens, SessionService
from storecrm.kernel.errors import Unauthorized

if TYPE_CHECKING:
    from storecrm.identity.repositories.accounts import AccountRepository
    from storecrm.stores.repositories.stores import StoreRepository

STAFF_BUDGET = "account"
SCOPE = CodeScope("account", budget=STAFF_BUDGET)


def store_scope(store_id: str) -> CodeScope:
    """A store's staff codes are kept apart from platform-wide ones and from other stores', and count
    against the same budget as all of them."""
    return CodeScope(f"{SCOPE.name}#{store_id}", budget=STAFF_BUDGET)


class NotAMember(Unauthorized):
    """A store-scoped login by someone who is not (or no longer) a member: told apart from a wrong code
    nowhere, so it carries the wrong code's answer."""

    def __init__(self) -> None:
        super().__init__(INVALID_CODE, "GENERAL.INVALID_CODE")


class AccountLogin:
    def __init__(self, accounts: AccountRepository, stores: StoreRepository, codes: LoginCodes,
                 sessions: SessionService) -> None:
        self.accounts = accounts
        self.stores = stores
        self.codes = codes
        self.sessions = sessions

    def request_code(self, email: str, source_ip: str) -> None:
        self.codes.send(SCOPE, email, source_ip)

    def verify(self, email: str, code: str) -> IssuedTokens:
        checked = self.codes.check(SCOPE, email, code)
        writes = self.codes.consume_writes(checked)
        account_id = self.accounts.id_for_email(email)
        if account_id is None:
            at = now()
            account = Account(id=new_id(), email=email, created_at=at, updated_at=at)
            writes += self.accounts.create_writes(account)
            account_id = account.id
        return self.sessions.start("account", account_id, with_writes=writes)

    def request_store_code(self, store_id: str, email: str, source_ip: str) -> None:
        """Mails a code only to a member of the store; anyone else gets no mail but is counted against
        the same rate limits, so neither the answer nor a 429 tells members from others.

        One read over the 2-call budget of a code request: the membership is checked inside the
        code's transaction, and its key needs the account id, which the email marker holds.
        """
        scope = store_scope(store_id)
        account_id = self.accounts.id_for_email(email)
        if account_id is not None:
            try:
                self.codes.send(scope, email, source_ip,
                                also=self.stores.member_checks(store_id, account_id, NotAMember()))
                return
            except NotAMember:
                pass
        self.codes.count_only(scope, email, source_ip)

    def verify_store(self, store_id: str, email: str, code: str) -> IssuedTokens:
        """A store-scoped code opens a staff session of that store only (refreshed at /v1/auth/refresh, and
        still of that store only). The membership is checked again in the transaction that logs in, so a
        member removed since the mail gets the answer of a wrong code."""
        checked = self.codes.check(store_scope(store_id), email, code)
        account_id = self.accounts.id_for_email(email)
        if account_id is None:
            raise NotAMember()
        return self.sessions.start("account", account_id, store_id=store_id, with_writes=[
            *self.codes.consume_writes(checked), *self.stores.member_checks(store_id, account_id, NotAMember())])

    def refresh(self, token: str) -> IssuedTokens:
        """The session keeps its store scope (if it has one) through every refresh."""
        return self.sessions.refresh(token, "account", any_store=True)

    def logout(self, session_id: str, account_id: str) -> bool:
        return self.sessions.end(session_id, "account", account_id)

    def logout_with_refresh_token(self, token: str) -> bool:
        session = self.sessions.owner_of_refresh_token(token, "account")
        return self.sessions.end(session.id, "account", session.owner_id)
