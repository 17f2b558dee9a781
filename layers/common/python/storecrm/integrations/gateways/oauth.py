"""OAuth 2.0 authorization-code exchange with a provider's token endpoint (RFC 6749 section 4.1.3)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from pydantic import ValidationError

from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Unavailable, ValidationFailed

TIMEOUT_SECONDS = 10


class TokenAnswer(Model):
    model_config = {"extra": "ignore"}
    access_token: str
    refresh_token: str | None = None
    expires_in: int | None = None
    scope: str | None = None
    token_type: str | None = None


class TokenEndpoint(Protocol):
    def exchange(self, url: str, form: dict[str, str]) -> TokenAnswer: ...


class HttpTokenEndpoint:
    """The endpoint URL comes from the stack's configuration, never from a request."""

    def exchange(self, url: str, form: dict[str, str]) -> TokenAnswer:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",  # noqa: S310 - URL from the stack config
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500:
                reason = _error_of(exc.read())
                raise ValidationFailed.on("code", f"the provider refused the code: {reason}") from None
            raise Unavailable("The provider's token endpoint failed; try again shortly") from None
        except OSError:
            raise Unavailable("The provider's token endpoint could not be reached; try again shortly") from None
        try:
            return TokenAnswer.model_validate_json(raw)
        except ValidationError:
            raise Unavailable("The provider's token endpoint answered without an access token") from None


def _error_of(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return "unknown error"
    if isinstance(parsed, dict):
        return str(parsed.get("error_description") or parsed.get("error") or "unknown error")[:200]
    return "unknown error"
