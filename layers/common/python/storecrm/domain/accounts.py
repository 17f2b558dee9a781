"""Store staff login with emailed six-digit codes.

Anyone may ask for a code; verifying it creates the account on first login. The answer to a
code request is the same whether or not the email is known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from storecrm.clock import new_id, now
from storecrm.config import Settings
from storecrm.domain.auth import INVALID_CODE, RateLimit, SigningKeys, code_matches, hash_code, new_code
from storecrm.domain.errors import Unauthorized
from storecrm.domain.models import Account, AuthCode
from storecrm.domain.sessions import IssuedTokens, SessionService

if TYPE_CHECKING:
    from storecrm.gateways.mail import Mailer
    from storecrm.repositories.accounts import AccountRepository
    from storecrm.repositories.auth import CodeRepository

SCOPE = "account"


class AccountLogin:
    def __init__(self, accounts: AccountRepository, codes: CodeRepository, sessions: SessionService,
                 mailer: Mailer, signing: Callable[[], SigningKeys], config: Settings) -> None:
        self.accounts = accounts
        self.codes = codes
        self.sessions = sessions
        self.mailer = mailer
        self.signing = signing
        self.config = config

    def request_code(self, email: str, source_ip: str) -> None:
        signing = self.signing()
        code = new_code()
        at = now()
        record = AuthCode(scope=SCOPE, email=email, kid=signing.current_kid, created_at=at,
                          expires_at=at + self.config.code_ttl,
                          code_hash=hash_code(code, SCOPE, email, signing, signing.current_kid))
        window = self.config.rate_window
        self.codes.issue(record, [
            RateLimit("code-email", f"{SCOPE}#{email}", self.config.code_requests_per_email, window),
            RateLimit("code-ip", f"{SCOPE}#{source_ip}", self.config.code_requests_per_ip, window),
        ])
        minutes = self.config.code_ttl // 60
        self.mailer.send(
            email,
            f"Your login code: {code}",
            f"Your storecrm login code is {code}.\n\nIt expires in {minutes} minutes. "
            "If you did not ask for it, ignore this mail.",
        )

    def verify(self, email: str, code: str) -> IssuedTokens:
        record = self.codes.get(SCOPE, email)
        if record is None or record.expires_at <= now() or record.attempts >= self.config.code_max_attempts:
            raise Unauthorized(INVALID_CODE, "GENERAL.INVALID_CODE")
        if not code_matches(code, record.code_hash, SCOPE, email, self.signing(), record.kid):
            self.codes.record_failure(record, self.config.code_max_attempts)
            raise Unauthorized(INVALID_CODE, "GENERAL.INVALID_CODE")
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
