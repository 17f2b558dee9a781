"""What must never reach a log: email addresses, tokens, login codes and secrets (issue 17, section 5).

The e2e suite scans everything the local runner printed during the session: the functions' log
lines, their metrics, the runner's own request log.
"""

from __future__ import annotations

import re

LEAKS: dict[str, re.Pattern[str]] = {
    "email address": re.compile(r"[\w.%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "access token (JWT)": re.compile(r"eyJ[\w-]{10,}"),
    # session id . secret . owner id (storecrm.identity.auth.refresh_token)
    "refresh token": re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\.[\w-]{20,}"),
    # Alone, not part of an id, a number with a unit or a time.
    "six-digit code": re.compile(r"(?<![\w.:/-])\d{6}(?![\w.:/-])"),
    "secret": re.compile(r"\b(?:whsec|sk_test|sk_live|rk_test|rk_live)_\w+|\bBearer\s+\S+"),
}

# Written for the developer at the console, not logged, and left out exactly:
CONSOLE_ONLY = [
    # each mail the runner "sends", so a person can log in with the code: the stand-in for the
    # recipient's inbox, the one place the address and code belong (localrunner/mailbox.py);
    re.compile(r"^---- mail [^\n]*\n.*?^----$", re.MULTILINE | re.DOTALL),
    # the start banner, whose example login names a made-up address and code (localrunner/__main__.py).
    re.compile(r"^storecrm local runner$.*?^Ctrl-C stops everything\.$", re.MULTILINE | re.DOTALL),
]


def leaks(output: str) -> list[str]:
    """`kind: line` for every line of output (console-only blocks aside) that shows something it must not."""
    for block in CONSOLE_ONLY:
        output = block.sub("", output)
    found = []
    for line in output.splitlines():
        found += [f"{kind}: {line}" for kind, pattern in LEAKS.items() if pattern.search(line)]
    return found
