"""The tracking pixel of a store mail (arky-sdk's `notification.trackEmailOpen`): GET
`/v1/notifications/track/pixel/{token}`, where the token names the store, the profile and the mail, signed with
the HMAC signing keys (with their key id, so rotation keeps mails already sent working).

A token is `base64url(payload).base64url(hmac)`. Whoever fetches the pixel gets the same image whatever the token
says; only a token this platform signed, not expired, records an `email_opened` activity.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from html import escape

from storecrm.identity.auth import SigningKeys
from storecrm.kernel.errors import Unauthorized

PIXEL_PATH = "/v1/notifications/track/pixel/"
# How long after the mail an open still counts (an old mail opened again later is no news).
LIFETIME = 365 * 24 * 3600
MAX_TOKEN = 1000
_DOMAIN = b"storecrm-email-pixel|"
# A transparent 1x1 GIF: what every pixel request gets back.
PIXEL_GIF_BASE64 = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


@dataclass(frozen=True)
class PixelToken:
    store_id: str
    profile_id: str
    mail_id: str
    expires_at: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), _DOMAIN + payload.encode(), hashlib.sha256).digest())


def issue(store_id: str, profile_id: str, mail_id: str, at: int, signing: SigningKeys) -> str:
    payload = _b64(json.dumps({"s": store_id, "p": profile_id, "m": mail_id, "e": at + LIFETIME,
                               "k": signing.current_kid}, separators=(",", ":")).encode())
    return f"{payload}.{_signature(payload, signing.key(signing.current_kid))}"


def pixel_url(base_url: str, store_id: str, profile_id: str, mail_id: str, at: int, signing: SigningKeys) -> str:
    """The image URL to put in a store mail sent to a profile (`base_url`: the API's public base)."""
    return f"{base_url.rstrip('/')}{PIXEL_PATH}{issue(store_id, profile_id, mail_id, at, signing)}"


def with_pixel(html: str, url: str) -> str:
    """The mail's HTML with the pixel's image as the last thing in its body (appended when it has no `</body>`)."""
    image = f'<img src="{escape(url)}" width="1" height="1" alt="" style="display:none;border:0">'
    at = html.lower().rfind("</body>")
    return f"{html[:at]}{image}{html[at:]}" if at >= 0 else f"{html}{image}"


def read(raw: str, signing: SigningKeys, at: int) -> PixelToken | None:
    """The token if this platform signed it and it has not expired; None for anything else (never why)."""
    payload, dot, signature = raw.partition(".")
    if not dot or len(raw) > MAX_TOKEN:
        return None
    try:
        data = json.loads(_unb64(payload))
        secret = signing.key(str(data["k"]))
        token = PixelToken(str(data["s"]), str(data["p"]), str(data["m"]), data["e"])
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, Unauthorized):
        return None
    if not hmac.compare_digest(_signature(payload, secret), signature):
        return None
    if not isinstance(token.expires_at, int) or token.expires_at <= at:
        return None
    return token
