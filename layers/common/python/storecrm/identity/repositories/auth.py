"""Login codes, request rate counters and refresh-token sessions (accounts and, later, profiles)."""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from storecrm.identity.auth import INVALID_CODE, RateLimit
from storecrm.identity.models.accounts import AuthCode, Session
from storecrm.kernel.errors import RateLimited, TransactionConflict, Unauthorized
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, update

# A code's conditional write lost to a concurrent attempt, or to its use: the answer of a wrong code.
WRONG_CODE = Unauthorized(INVALID_CODE, "GENERAL.INVALID_CODE")


class CodeRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    def issue(self, code: AuthCode, limits: list[RateLimit], also: Sequence[Write] = ()) -> None:
        """Counts the request against every limit and stores the code, in one transaction.

        A new code replaces the previous one for the same email, so only the latest mail works.
        """
        writes = [*also, *[self.count_write(limit, code.created_at) for limit in limits]]
        writes.append(put(to_item(code, keys.auth_code(code.scope, code.email), "CODE",
                                  expires_at=code.expires_at)))
        self.table.transact(writes)

    def count(self, limits: list[RateLimit], at: int) -> None:
        """Counts a request (or an attempt, before it is checked) against every limit, all or none: a used-up
        limit is its 429. Another request changing the same counter at that moment is a 429 too (a burst of
        attempts on one name), never a 409."""
        try:
            self.table.transact([self.count_write(limit, at) for limit in limits])
        except TransactionConflict:
            raise RateLimited(retry_after=1) from None
        except ClientError as exc:  # a single counter is an UpdateItem, which names the conflict itself
            if exc.response["Error"]["Code"] != "TransactionConflictException":
                raise
            raise RateLimited(retry_after=1) from None

    @staticmethod
    def count_write(limit: RateLimit, at: int) -> Write:
        """Counts a request against `limit`, in a transaction (a used-up limit fails it)."""
        window_start = at - at % limit.window
        return update(
            keys.rate_counter(limit.bucket, limit.subject, window_start),
            "ADD hits :one SET expires_at = :expires",
            condition="attribute_not_exists(hits) OR hits < :max",
            values={":one": 1, ":max": limit.limit, ":expires": window_start + 2 * limit.window},
            error=RateLimited(retry_after=window_start + limit.window - at),
        )

    @staticmethod
    def check_back_write(limit: RateLimit, at: int) -> Write:
        """Gives back an attempt counted at `at` (in the same window's counter) once it proved right, to join
        the transaction that acts on it: the limit then counts failures (and attempts under way) only."""
        window_start = at - at % limit.window
        return update(keys.rate_counter(limit.bucket, limit.subject, window_start),
                      "ADD hits :minus_one SET expires_at = if_not_exists(expires_at, :expires)",
                      values={":minus_one": -1, ":expires": window_start + 2 * limit.window})

    def give_back(self, limits: list[RateLimit], at: int, also: Sequence[Write] = ()) -> None:
        """`check_back_write` for every limit, in one transaction with `also` (whose failure keeps the count)."""
        self.table.transact([*also, *[self.check_back_write(limit, at) for limit in limits]])

    @staticmethod
    def counter_key(limit: RateLimit, at: int) -> keys.Key:
        """The counter `limit` counts in at `at` (read it with other items, then `exhausted`)."""
        return keys.rate_counter(limit.bucket, limit.subject, at - at % limit.window)

    @staticmethod
    def exhausted(limit: RateLimit, counter: Item | None, at: int) -> RateLimited | None:
        """The refusal, if the counter read for `limit` has no request left in its window."""
        if counter is None or int(str(counter.get("hits", 0))) < limit.limit:
            return None
        return RateLimited(retry_after=at - at % limit.window + limit.window - at)

    def get(self, scope: str, email: str) -> AuthCode | None:
        return from_item(AuthCode, self.table.get(keys.auth_code(scope, email), consistent=True))

    def record_failure(self, code: AuthCode, max_attempts: int) -> None:
        """Counts a wrong guess; the guess that uses up the attempts burns the code."""
        key = keys.auth_code(code.scope, code.email)
        same_code = "code_hash = :hash AND attempts = :attempts"
        values = {":hash": code.code_hash, ":attempts": code.attempts}
        if code.attempts + 1 >= max_attempts:
            op = delete(key, condition=same_code, values=values, error=WRONG_CODE)
        else:
            op = update(key, "SET attempts = attempts + :one", condition=same_code,
                        values={**values, ":one": 1}, error=WRONG_CODE)
        self.table.write(op)

    @staticmethod
    def consume_write(code: AuthCode) -> Write:
        """Deletes the code in the login's transaction, so a code logs in at most once."""
        return delete(keys.auth_code(code.scope, code.email), condition="code_hash = :hash AND attempts = :attempts",
                      values={":hash": code.code_hash, ":attempts": code.attempts},
                      error=WRONG_CODE)


class SessionRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(session_id: str) -> keys.Key:
        return keys.session(session_id)

    @staticmethod
    def from_item(item: dict[str, object] | None) -> Session | None:
        return from_item(Session, item)

    @staticmethod
    def create_write(session: Session) -> Write:
        return put(to_item(
            session, keys.session(session.id), "SESSION",
            GSI1PK=keys.sessions_of(session.owner_kind, session.owner_id),
            GSI1SK=f"{session.created_at:010d}#{session.id}",
            expires_at=session.refresh_expires_at,
        ))

    def create(self, session: Session, with_writes: Sequence[Write] = ()) -> None:
        """Stores the session in one transaction with `with_writes` (e.g. consuming a login code)."""
        self.table.transact([*with_writes, self.create_write(session)])

    def get(self, session_id: str) -> Session | None:
        return from_item(Session, self.table.get(keys.session(session_id), consistent=True))

    def load(self, session_id: str, extra: Sequence[keys.Key] = ()) -> tuple[Session | None, dict[keys.Key, Item]]:
        """The session (and `extra`, consistent reads both) in one call: a GetItem, or a BatchGetItem."""
        if not extra:
            return self.get(session_id), {}
        key = keys.session(session_id)
        found = self.table.get_many([key, *extra], consistent=True)
        return from_item(Session, found.pop(key, None)), found

    def rotate(self, session: Session, new_hash: str, refresh_expires_at: int, keep_rotated: int = 20) -> None:
        """Swaps the refresh hash only if nobody rotated it first (a second use is a replay)."""
        rotated = ([session.refresh_hash, *session.rotated_hashes])[:keep_rotated]
        self.table.write(update(
            keys.session(session.id),
            "SET refresh_hash = :new, rotated_hashes = :rotated, refresh_expires_at = :exp, expires_at = :exp",
            condition="refresh_hash = :old",
            values={":new": new_hash, ":rotated": rotated, ":exp": refresh_expires_at, ":old": session.refresh_hash},
            error=Unauthorized("Refresh token already used", "GENERAL.TOKEN_REUSED"),
        ))

    def prolong(self, session_id: str, refresh_expires_at: int, with_writes: Sequence[Write] = ()) -> None:
        """Moves a session's end if the session still exists (a logout or revocation wins), in one
        transaction with `with_writes`."""
        self.table.transact([*with_writes, update(
            keys.session(session_id), "SET refresh_expires_at = :exp, expires_at = :exp",
            condition="attribute_exists(PK)", values={":exp": refresh_expires_at},
            error=Unauthorized("The session has ended; start a new one", "GENERAL.INVALID_TOKEN"))])

    def delete(self, session_id: str) -> None:
        self.table.write(delete(keys.session(session_id)))

    def end_all(self, session_keys: Sequence[keys.Key], in_one_transaction: int = 90) -> list[Write]:
        """Deletes for these sessions, to join a transaction; when there are too many for one, they are
        deleted right away instead (in batches) and nothing is left to join."""
        if len(session_keys) > in_one_transaction:
            self.table.delete_many(list(session_keys))
            return []
        return [delete(key) for key in session_keys]
