"""Emailed six-digit login codes, shared by staff accounts and store profiles.

Codes are stored as keyed hashes, expire, allow a few attempts and are rate limited per email and
per source IP in the same transaction that stores them. The answer never depends on whether the
email belongs to anyone.

A code lives in a scope (where it logs in), and its scope counts against a budget that other scopes may
share (`CodeScope`): requests per email and per address, and checks per email. A check is counted BEFORE the
code is compared (a conditional update on the window's counter), so however many guesses arrive at once, no
more than `code_checks_per_email` are compared in a window; a right code gives its check back in the
transaction that logs in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storecrm import metrics
from storecrm.clock import now
from storecrm.config import Settings
from storecrm.identity.auth import INVALID_CODE, RateLimit, SigningKeys, code_matches, hash_code, new_code
from storecrm.identity.models.accounts import AuthCode
from storecrm.kernel.errors import RateLimited, Unauthorized

if TYPE_CHECKING:
    from storecrm.identity.repositories.auth import CodeRepository
    from storecrm.kernel.gateways.mail import Mailer
    from storecrm.kernel.repositories.table import Write


@dataclass(frozen=True)
class CodeScope:
    """`name`: where a code logs in (its record and its hash are the scope's own). `budget`: whose limits it
    counts against, shared by every scope with the same budget."""

    name: str
    budget: str


@dataclass(frozen=True)
class CheckedCode:
    """A code that matched, and the write that gives its check back (in the login's transaction)."""

    record: AuthCode
    check_back: Write


class LoginCodes:
    def __init__(self, codes: CodeRepository, mailer: Mailer, signing: Callable[[], SigningKeys],
                 config: Settings) -> None:
        self.codes = codes
        self.mailer = mailer
        self.signing = signing
        self.config = config

    def send(self, scope: CodeScope, email: str, source_ip: str, *, sender_name: str = "storecrm",
             also: Sequence[Write] = (), link_for: Callable[[str], str] | None = None) -> None:
        """Stores a fresh code (replacing any earlier one) and mails it, and the link `link_for` makes
        of it if given. `also` joins the transaction."""
        signing = self.signing()
        code = new_code()
        at = now()
        record = AuthCode(scope=scope.name, email=email, kid=signing.current_kid, created_at=at,
                          expires_at=at + self.config.code_ttl,
                          code_hash=hash_code(code, scope.name, email, signing, signing.current_kid))
        self.codes.issue(record, self._limits(scope, email, source_ip), also)
        minutes = self.config.code_ttl // 60
        link = f"\n\nOr log in with this link: {link_for(code)}" if link_for else ""
        self.mailer.send(
            email,
            f"Your login code: {code}",
            f"Your {sender_name} login code is {code}.{link}\n\nIt expires in {minutes} minutes. "
            "If you did not ask for it, ignore this mail.",
        )
        metrics.count(metrics.LOGIN_CODES_SENT)

    def count_only(self, scope: CodeScope, email: str, source_ip: str) -> None:
        """Counts a request that mails nothing against the same limits, so a 429 cannot tell who gets mail."""
        self.codes.count(self._limits(scope, email, source_ip), now())

    def _limits(self, scope: CodeScope, email: str, source_ip: str) -> list[RateLimit]:
        window = self.config.rate_window
        return [
            RateLimit("code-email", f"{scope.budget}#{email}", self.config.code_requests_per_email, window),
            RateLimit("code-ip", f"{scope.budget}#{source_ip}", self.config.code_requests_per_ip, window),
        ]

    def check(self, scope: CodeScope, email: str, code: str) -> CheckedCode:
        """The stored code if `code` matches. The check is counted first (a 429 once the budget's checks
        for this email are used up); a wrong guess also counts against the code, and the last one burns it.

        The caller consumes the code (`consume_writes`) in the transaction that logs in.
        """
        at = now()
        checks = RateLimit("code-check", f"{scope.budget}#{email}", self.config.code_checks_per_email,
                           self.config.rate_window)
        try:
            self.codes.count([checks], at)
        except RateLimited:
            metrics.count(metrics.LOGIN_CODES_REJECTED)
            raise
        record = self.codes.get(scope.name, email)
        if record is None or record.expires_at <= now() or record.attempts >= self.config.code_max_attempts:
            metrics.count(metrics.LOGIN_CODES_REJECTED)
            raise Unauthorized(INVALID_CODE, "GENERAL.INVALID_CODE")
        if not code_matches(code, record.code_hash, scope.name, email, self.signing(), record.kid):
            self.codes.record_failure(record, self.config.code_max_attempts)
            metrics.count(metrics.LOGIN_CODES_REJECTED)
            raise Unauthorized(INVALID_CODE, "GENERAL.INVALID_CODE")
        return CheckedCode(record, self.codes.check_back_write(checks, at))

    def consume_writes(self, checked: CheckedCode) -> list[Write]:
        """Spends the code and gives its check back, to join the transaction that logs in."""
        return [self.codes.consume_write(checked.record), checked.check_back]
