"""Store staff login with emailed six-digit codes.

Anyone may ask for a code; verifying it creates the account on first login. The answer to a
code request is the same whether or not the email is known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storecrm.clock import new_id, now
from storecrm.domain.codes import LoginCodes
from storecrm.domain.models import Account
from storecrm.domain.sessions import IssuedTokens, SessionService

if TYPE_CHECKING:
    from storecrm.repositories.accounts import AccountRepository

SCOPE = "account"


class AccountLogin:
    def __init__(self, accounts: AccountRepository, codes: LoginCodes, sessions: SessionService) -> None:
        self.accounts = accounts
        self.codes = codes
        self.sessions = sessions

    def request_code(self, email: str, source_ip: str) -> None:
        self.codes.send(SCOPE, email, source_ip)

    def verify(self, email: str, code: str) -> IssuedTokens:
        record = self.codes.check(SCOPE, email, code)
        writes = [self.codes.consume_write(record)]
        account_id = self.accounts.id_for_email(email)
        if account_id is None:
            at = now()
            account = Account(id=new_id(), email=email, created_at=at, updated_at=at)
            writes += self.accounts.create_writes(account)
            account_id = account.id
        return self.sessions.start("account", account_id, with_writes=writes)

    def refresh(self, token: str) -> IssuedTokens:
        return self.sessions.refresh(token, "account")

    def logout(self, session_id: str, account_id: str) -> bool:
        return self.sessions.end(session_id, "account", account_id)

    def logout_with_refresh_token(self, token: str) -> bool:
        session = self.sessions.owner_of_refresh_token(token, "account")
        return self.sessions.end(session.id, "account", session.owner_id)
