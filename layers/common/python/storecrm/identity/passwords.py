"""Password credentials: the strength rule and a memory-hard hash (scrypt from the standard library).

A stored hash names its parameters (`scrypt$n$r$p$salt$hash`), so a hash made with older parameters
still verifies and is replaced at the next successful login (`needs_upgrade`). Passwords themselves
are never stored, logged or returned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MIN_LENGTH = 8
MAX_LENGTH = 200  # scrypt takes any length; a bound keeps one request from hashing megabytes


@dataclass(frozen=True)
class ScryptParameters:
    n: int
    r: int
    p: int

    @property
    def max_memory(self) -> int:
        # OpenSSL refuses above 32 MiB unless told; scrypt needs about 128 * r * (n + p) bytes.
        return 128 * self.r * (self.n + self.p) + 1024 * 1024


# One of OWASP's listed scrypt settings (N=2^15, r=8, p=3: 32 MiB a hash; N=2^17 would take 128 MiB
# of a small function's memory). Read at call time, so a change applies to new hashes and upgrades old ones.
CURRENT = ScryptParameters(n=2**15, r=8, p=3)
_SALT_BYTES = 16
_KEY_BYTES = 32


def check_password(password: str) -> str:
    """The password rule, as a pydantic validator: long enough, and not one everybody tries first."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"must be at most {MAX_LENGTH} characters")
    if password.lower() in common_passwords():
        raise ValueError("is too common; choose one that is harder to guess")
    return password


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("storecrm.data").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def hash_password(password: str, parameters: ScryptParameters | None = None) -> str:
    parameters = parameters or CURRENT
    salt = secrets.token_bytes(_SALT_BYTES)
    derived = _derive(password, salt, parameters)
    return "$".join(["scrypt", str(parameters.n), str(parameters.r), str(parameters.p), _b64(salt), _b64(derived)])


def password_matches(password: str, stored: str | None) -> bool:
    """Whether `password` is the one `stored` was made from; False for no or a malformed hash."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    parameters, salt, expected = parsed
    return hmac.compare_digest(_derive(password, salt, parameters), expected)


def needs_upgrade(stored: str) -> bool:
    parsed = _parse(stored)
    return parsed is None or parsed[0] != CURRENT


def burn_time(password: str) -> None:
    """Hashes anyway when there is no account to check, so an unknown name takes as long as a wrong password."""
    _derive(password, b"\0" * _SALT_BYTES, CURRENT)


def _derive(password: str, salt: bytes, parameters: ScryptParameters) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=parameters.n, r=parameters.r, p=parameters.p,
                          maxmem=parameters.max_memory, dklen=_KEY_BYTES)


def _parse(stored: str | None) -> tuple[ScryptParameters, bytes, bytes] | None:
    parts = (stored or "").split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        return None
    try:
        return (ScryptParameters(int(parts[1]), int(parts[2]), int(parts[3])),
                base64.urlsafe_b64decode(parts[4] + "=="), base64.urlsafe_b64decode(parts[5] + "=="))
    except ValueError:
        return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
