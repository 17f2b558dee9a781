"""Personal API tokens: a staff account's long-lived credential for scripts, sent as the arky client's `apiToken`
(`Authorization: Bearer pat_...`) on any staff route, where it acts as its account.

Why it cannot do more than its account, nor outlive it or a revoke (each checked on every call, from one consistent
BatchGetItem of the account, the token and the caller's failure counters):
- the token carries no rights of its own: it names the account, and every store call reads that account's
  membership as for a login (StoreGuard), so removing a member or a role takes effect on the next call;
- a revoked token is deleted, and the account's deletion deletes its tokens in the same transaction; a token
  whose account item is gone is refused anyway;
- `expires_at`, when set, is checked here (DynamoDB's TTL deletes it later, lazily);
- failures are counted per token id and per source address with the limits of a password login, and a caller
  over either limit is refused (429) before the secret is compared, the right secret included;
- the secret (256 random bits) is shown once, at creation; only its SHA-256 is stored, compared in constant time;
- a token cannot manage tokens or delete its account (that needs a login session), so a leaked token cannot
  mint one that survives its own revocation.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storecrm.clock import now
from storecrm.config import Settings
from storecrm.identity.auth import PREFIX, Principal, RateLimit, hash_secret
from storecrm.identity.models.account_tokens import AccountToken
from storecrm.kernel.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from storecrm.identity.repositories.account_tokens import AccountTokenRepository
    from storecrm.identity.repositories.auth import CodeRepository

TOKEN_TYPE = "api"
INVALID = "Invalid, expired or revoked API token"


@dataclass(frozen=True)
class TokenParts:
    account_id: str
    token_id: str
    secret: str


def compose(account_id: str, token_id: str, secret: str) -> str:
    return f"{PREFIX}{account_id}_{token_id}_{secret}"


def split(bearer: str) -> TokenParts | None:
    parts = bearer.removeprefix(PREFIX).split("_", 2)
    if len(parts) != 3 or not all(parts) or len(bearer) > 200:
        return None
    return TokenParts(*parts)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def acts_as_login(caller: Principal) -> None:
    """Managing tokens and deleting the account need a login session of every store (not a personal token, not
    a session of one store): a 403 otherwise."""
    if caller.kind != "account" or caller.session_id is None:
        raise Forbidden("This needs a staff login session, not an API token", "ACCOUNT.LOGIN_REQUIRED")
    if caller.store_id is not None:
        raise Forbidden("This needs a login to the platform, not to one store", "ACCOUNT.LOGIN_REQUIRED")


def usable(token: AccountToken | None, parts: TokenParts, at: int) -> bool:
    if token is None or token.account_id != parts.account_id:
        return False
    if not hmac.compare_digest(hash_secret(parts.secret), token.secret_hash):
        return False
    return token.expires_at is None or token.expires_at > at


class AccountTokens:
    def __init__(self, tokens: AccountTokenRepository, counters: CodeRepository, config: Settings) -> None:
        self.tokens = tokens
        self.counters = counters
        self.config = config

    def limits(self, token_id: str, source_ip: str) -> list[RateLimit]:
        allowed, window = self.config.login_failures_allowed, self.config.login_failure_window
        return [RateLimit("api-token", token_id, allowed, window),
                RateLimit("api-token-ip", source_ip, allowed, window)]

    def authenticate(self, bearer: str, source_ip: str) -> Principal:
        """The account the token acts as (one BatchGetItem; a refusal counts a failure with one more call)."""
        at = now()
        parts = split(bearer)
        limits = self.limits(parts.token_id if parts else "malformed", source_ip)
        counter_keys = [self.counters.counter_key(limit, at) for limit in limits]
        token, account_exists, counters = self.tokens.load_for_use(
            parts.account_id if parts else None, parts.token_id if parts else None, counter_keys)
        for limit, key in zip(limits, counter_keys, strict=True):
            refused = self.counters.exhausted(limit, counters.get(key), at)
            if refused is not None:
                raise refused
        if parts is None or not account_exists or not usable(token, parts, at):
            self.counters.count(limits, at)
            raise Unauthorized(INVALID, "GENERAL.INVALID_TOKEN")
        return Principal(kind="account", subject=parts.account_id)
