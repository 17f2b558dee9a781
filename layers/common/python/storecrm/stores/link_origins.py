"""Where a caller's URL may send someone (issue 24, part 2): only to an origin the store's staff listed in its
`allowed_origins` (PUT /v1/stores/{storeId}).

Every URL a caller gives that ends up in a mail (the double opt-in `confirm_url`, the Pelcro passwordless and
email-verification `redirect_url`) or in a redirect (Stripe's `success_url`, `cancel_url`, `return_url`) is checked
here: an origin not listed is a 400 naming the field, in the dialect's error shape.
- `mail_link`: with no origins listed, the caller's URL is left out (None): the mail carries the code or token as
  text, or the platform's own link, never a link built from what the caller sent.
- `redirect_target`: Stripe needs somewhere to send the payer back, so with no origins listed the URL is refused
  (400 naming the field, saying to list the store's origins first).

An origin is `https://host[:port]`, compared without case and with the default port left out. Plain http is for
the local runner only (`AllowLoopbackWebhooks`, true only there): `http://localhost:*` and `http://127.0.0.1:*`
(any port) or one port of either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from storecrm.config import settings
from storecrm.kernel.errors import FieldError, ValidationFailed

if TYPE_CHECKING:
    from storecrm.stores.models.stores import Store

MAX_ORIGINS = 20
_LOOPBACK = ("localhost", "127.0.0.1")
_DEFAULT_PORTS = {"https": 443, "http": 80}
ANY_PORT = "*"


def _local() -> bool:
    """The local runner is the only place that sets AllowLoopbackWebhooks (a deploy keeps it false)."""
    return settings().allow_loopback_webhooks


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, lower case, without a default port; None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in _DEFAULT_PORTS or not host:
        return None
    scheme = parts.scheme.lower()
    shown_host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown_host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{shown_host}:{port}"


def normalize_origin(value: str) -> str:
    """An entry of `allowed_origins` as staff may write it (ValueError says what is wrong)."""
    text = value.strip()
    if text.lower() in (f"http://{host}:{ANY_PORT}" for host in _LOOPBACK):
        if not _local():
            raise ValueError("plain http origins are for the local runner only")
        return text.lower()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise ValueError("must be an origin such as https://shop.example.com") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin (scheme, host and port only), such as https://shop.example.com")
    origin = origin_of(text)
    if origin is None:
        raise ValueError("must be an origin such as https://shop.example.com")
    if origin.startswith("http://") and not (_local() and (parts.hostname or "").lower() in _LOOPBACK):
        raise ValueError("must be an https origin (plain http only for localhost in the local runner)")
    return origin


def check_origins(values: Sequence[str]) -> list[str]:
    """A store's new `allowed_origins`, normalised and without repeats; a bad entry is a 400 naming it."""
    if len(values) > MAX_ORIGINS:
        raise ValidationFailed.on("allowed_origins", f"at most {MAX_ORIGINS} origins")
    found: list[str] = []
    errors: list[FieldError] = []
    for index, value in enumerate(values):
        try:
            origin = normalize_origin(value)
        except ValueError as bad:
            errors.append(FieldError(f"allowed_origins.{index}", str(bad)))
            continue
        if origin not in found:
            found.append(origin)
    if errors:
        raise ValidationFailed("; ".join(f"{e.field}: {e.error}" for e in errors), errors)
    return found


def allowed(url: str, origins: Sequence[str]) -> bool:
    origin = origin_of(url)
    if origin is None:
        return False
    if origin in origins:
        return True
    scheme_host = origin.rsplit(":", 1)[0] if origin.count(":") == 2 else origin
    return f"{scheme_host}:{ANY_PORT}" in origins and scheme_host.startswith("http://")


def _refused(field: str, store: Store) -> ValidationFailed:
    if not store.allowed_origins:
        return ValidationFailed.on(field, "the store lists no allowed_origins, so it cannot send anyone to a URL; "
                                          "its staff add them with PUT /v1/stores/{storeId}")
    return ValidationFailed.on(field, "its origin is not one of the store's allowed_origins")


def mail_link(store: Store, url: str | None, field: str) -> str | None:
    """`url` for a mailed link: None when none was given or the store lists no origins (the mail then carries no
    link built from it); an origin not listed is a 400 naming `field`."""
    if url is None or not store.allowed_origins:
        return None
    if not allowed(url, store.allowed_origins):
        raise _refused(field, store)
    return url


def redirect_target(store: Store, url: str, field: str) -> str:
    """`url` for Stripe to send a payer back to: its origin must be listed (none listed: refused, see above)."""
    if not store.allowed_origins or not allowed(url, store.allowed_origins):
        raise _refused(field, store)
    return url
