"""The IAM conformance test's verdict: every AWS call a function made during the session, recorded and judged
by localrunner/iam_recording.py against the function's policy in template.yaml, must have been allowed.

The session's processes (pytest, its xdist workers, the e2e runner subprocesses) each leave a file of JSON
lines in one folder; tests/conftest.py reads them when the session ends and reports the verdict as the test
`tests/iam_conformance.py::template_grants_every_aws_call`, then lists the grants no test used.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NODE_ID = "tests/iam_conformance.py::template_grants_every_aws_call"

# Grants that AWS itself uses on the function's behalf, so no call of its code shows them:
# (function, action, resource as the recording displays it) -> why.
USED_BY_AWS: dict[tuple[str, str, str], str] = {
    ("EventsFunction", "sqs:SendMessage", "${EventsDeadLetterQueue.Arn}"):
        "Lambda's OnFailure destination for the stream sends with the function's role",
}

Grant = tuple[int, str, str]


@dataclass
class Findings:
    denied: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    functions: set[str] = field(default_factory=set)
    granted: dict[str, set[Grant]] = field(default_factory=lambda: defaultdict(set))
    used: dict[str, set[Grant]] = field(default_factory=lambda: defaultdict(set))

    @property
    def failed(self) -> bool:
        return bool(self.denied or self.errors)

    def unused(self) -> dict[str, list[Grant]]:
        found: dict[str, list[Grant]] = {}
        for function, grants in sorted(self.granted.items()):
            left = sorted(g for g in grants - self.used[function] if (function, g[1], g[2]) not in USED_BY_AWS)
            if left:
                found[function] = left
        return found


def load(folder: Path) -> Findings:
    findings = Findings()
    seen_denied: set[tuple[str, str, str, str]] = set()
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            function = record["function"]
            if record["kind"] == "policy":
                findings.granted[function].update(tuple(g) for g in record["grants"])
            elif record["kind"] == "error":
                findings.errors.append(record)
            else:
                findings.calls += 1
                findings.functions.add(function)
                findings.used[function].update(tuple(g) for g in record["grants"])
                key = (function, record["action"], record["resource"], json.dumps(record["context"], sort_keys=True))
                if not record["allowed"] and key not in seen_denied:
                    seen_denied.add(key)
                    findings.denied.append(record)
    return findings


def failure_text(findings: Findings) -> str:
    lines = [f"{len(findings.denied)} AWS calls the functions made are not granted to them in template.yaml "
             "(moto allowed them; AWS would answer AccessDenied):"]
    for record in sorted(findings.denied, key=lambda r: (r["function"], r["action"], r["resource"])):
        context = f" with {record['context']}" if record["context"] else ""
        denied = f" (explicitly denied by statement {record['denied_by']})" if record["denied_by"] is not None else ""
        lines.append(f"  {record['function']}: {record['action']} on {record['resource']}{context}"
                     f" [{record['call']}]{denied}")
    for record in findings.errors:
        lines.append(f"  {record['function']}: {record.get('call', 'policy')}: {record['error']}")
    return "\n".join(lines)


def unused_text(findings: Findings) -> str:
    lines = []
    for function, grants in findings.unused().items():
        for index, action, resource in grants:
            lines.append(f"{function}: {action} on {resource} (statement {index})")
    if USED_BY_AWS:
        lines.append("Used by AWS on the functions' behalf (not counted above):")
        lines += [f"  {f}: {a} on {r}: {why}" for (f, a, r), why in sorted(USED_BY_AWS.items())]
    return "\n".join(lines)
