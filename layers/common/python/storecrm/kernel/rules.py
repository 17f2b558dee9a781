"""Field rules shared by every dialect (pydantic validators call these)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def normalize_email(value: str) -> str:
    """Emails compare case-insensitively with surrounding spaces ignored."""
    # Imported here, not at the top: only requests that parse an email pay for email-validator
    # (and its idna tables), not every function's cold start.
    from email_validator import EmailNotValidError, validate_email

    candidate = value.strip()
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"'{candidate}' is not a valid email address: {exc}") from None
    return checked.normalized.lower()


def check_slug(value: str, min_length: int = 3, max_length: int = 64) -> str:
    if not (min_length <= len(value) <= max_length) or not SLUG.match(value):
        raise ValueError(
            f"must be {min_length}-{max_length} lower-case letters, digits and single hyphens (a slug)"
        )
    return value


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError(f"'{value}' is not an IANA timezone such as 'America/New_York'")
    return value


def check_currency(value: str) -> str:
    upper = value.upper()
    if not CURRENCY.match(upper):
        raise ValueError("must be a three-letter ISO 4217 currency code such as 'USD'")
    from storecrm.kernel import geo  # the ISO data loads on the first currency checked, not at cold start

    return geo.check_currency(upper)


def check_country(value: str) -> str:
    from storecrm.kernel import geo  # as check_currency

    return geo.check_country(value)


def check_language(value: str) -> str:
    if not LANGUAGE.match(value):
        raise ValueError("must be a language tag such as 'en' or 'pt-BR'")
    return value


def check_absolute_url(value: str) -> str:
    """Where a shopper or admin is sent back to (checkout, confirmation, OAuth redirect)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def check_https_url(value: str) -> str:
    """Where a payer is sent back to from the operator's Stripe: https only, since Stripe's pages
    carry the session to it; plain http is accepted for loopback, where a local storefront runs."""
    check_absolute_url(value)
    parts = urlsplit(value)
    if parts.scheme != "https" and (parts.hostname or "") not in _LOOPBACK_HOSTS:
        raise ValueError("must be an https URL (http only for localhost)")
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def refuse_control_characters(value: object) -> object:
    """Checked on the value as sent, before whitespace is stripped: a CR or LF that would be cut off
    at the end is still a client mistake, and one inside would split an HTTP header or request line."""
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError("must not contain control characters (NUL, CR, LF and the like)")
    return value


MASK = "****"
MASK_SHOWS = 4  # trailing characters a mask shows


def mask(secret: str) -> str:
    """A stored secret as responses show it: enough to recognise it, never enough to use it."""
    return f"{MASK}{secret[-MASK_SHOWS:]}" if len(secret) >= 12 else MASK


def looks_masked(value: str) -> bool:
    """What `mask` makes: no usable secret looks like that."""
    return value.startswith(MASK) and len(value) <= len(MASK) + MASK_SHOWS


def refuse_masked(value: str) -> str:
    """A masked value is never taken as a secret: it would sign or authenticate with a string nobody holds."""
    if looks_masked(value):
        raise ValueError("is a masked value, not a secret; send the secret in full")
    return value


def secret_edit(sent: str | None, shown: str | None) -> str | None:
    """The secret an edit sets, or None when the stored one stays (`shown` is how answers mask it).

    Clients list secrets masked and send the whole object back (arky-sdk 0.9.1's
    UpdateWebhookParams requires `secret`), so omitted, null, blank and the masked form as shown
    all keep the stored secret. Any other value replaces it, except another masked-looking one.
    """
    if sent is None or not sent.strip() or sent == shown:
        return None
    if looks_masked(sent):
        raise ValueError("is masked but is not the stored secret's mask; send the listed value to keep the "
                         "secret, or the new secret in full")
    return sent


def key_in_ref(store_id: str, ref: str) -> str:
    """A path names an audience or template by id, bare key or `{storeId}:{key}` (the arky client's key
    form): the part to look up as a key."""
    prefix = f"{store_id}:"
    return ref[len(prefix):] if ref.startswith(prefix) else ref
