"""Where a storefront request came from and on what: CloudFront's viewer headers (API Gateway passes them on) for
the place, the User-Agent (parsed by ua-parser, whose rules are the maintained uap-core ones) for the device,
browser and OS, Accept-Language for the language. Never the request body: a shopper cannot set them.

ua-parser is imported on the first request that parses a User-Agent (about 50 ms, its rules on the first parse),
so only the function that tracks activities ships it and no cold start pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from storecrm.crm.models.activities import ActivityContext

# CloudFront-Viewer-* headers (API Gateway's edge-optimised endpoints and any CloudFront in front forward them).
COUNTRY = "cloudfront-viewer-country"
REGION = "cloudfront-viewer-country-region"
CITY = "cloudfront-viewer-city"
TIMEZONE = "cloudfront-viewer-time-zone"
MAX_USER_AGENT = 512
_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
# ua-parser's device families that are tablets (it names the device, not its kind).
_TABLETS = ("ipad", "tablet", "kindle", "galaxy tab", "nexus 7", "nexus 9", "nexus 10", "xoom", "playbook")
_MOBILE_OSES = ("ios", "android", "windows phone", "blackberry os", "kaios", "firefox os", "tizen")
_DESKTOP_OSES = ("windows", "mac os x", "macos", "linux", "ubuntu", "chrome os", "fedora", "debian", "freebsd")


def _header(headers: Mapping[str, str], name: str, longest: int) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == name), None)
    if value is None:
        return None
    value = value.strip()
    # Only printable text of a sane length: the value is stored and shown to staff.
    return value[:longest] if value and value.isprintable() else None


def _language(accept_language: str | None) -> str | None:
    """The first language tag of Accept-Language (`fr-CH, fr;q=0.9` -> `fr-CH`), if it is one."""
    if not accept_language:
        return None
    first = accept_language.split(",", 1)[0].split(";", 1)[0].strip()
    return first if first != "*" and _TAG.match(first) and len(first) <= 35 else None


@lru_cache(maxsize=256)
def parse_user_agent(user_agent: str) -> tuple[str | None, str | None, str | None]:
    """(device type, browser, OS) of a User-Agent: `desktop`, `mobile`, `tablet`, `bot` or None when unknown."""
    import ua_parser  # the maintained uap-core rules, bundled with the activities function only

    parsed: Any = ua_parser.parse(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else None
    os_name = parsed.os.family if parsed.os and parsed.os.family != "Other" else None
    device = (parsed.device.family if parsed.device else "") or ""
    return _device_type(device, os_name, browser, user_agent), browser, os_name


def _device_type(device: str, os_name: str | None, browser: str | None, user_agent: str) -> str | None:
    family, system = device.lower(), (os_name or "").lower()
    if family == "spider":
        return "bot"
    if any(t in family for t in _TABLETS) or (system == "android" and "mobile" not in user_agent.lower()):
        return "tablet"
    if system in _MOBILE_OSES or (browser or "").lower().startswith("mobile "):
        return "mobile"
    if system in _DESKTOP_OSES:
        return "desktop"
    return None


def request_context(headers: Mapping[str, str]) -> ActivityContext:
    user_agent = _header(headers, "user-agent", MAX_USER_AGENT)
    device_type, browser, os_name = parse_user_agent(user_agent) if user_agent else (None, None, None)
    country = _header(headers, COUNTRY, 2)
    return ActivityContext(
        country_code=country.upper() if country and country.isalpha() and len(country) == 2 else None,
        region=_header(headers, REGION, 10), city=_header(headers, CITY, 100),
        timezone=_header(headers, TIMEZONE, 64), device_type=device_type, browser=browser, os=os_name,
        language=_language(_header(headers, "accept-language", 200)))
