"""Lambda event-source FilterCriteria (the EventBridge pattern subset Lambda documents)."""

from __future__ import annotations

import json
from typing import Any

_MISSING = object()


def parse_filters(criteria: Any) -> list[dict[str, Any]]:
    """Patterns from an event's FilterCriteria ({"Filters": [{"Pattern": "<json>"}]})."""
    patterns = []
    for entry in (criteria or {}).get("Filters") or []:
        pattern = entry.get("Pattern")
        patterns.append(json.loads(pattern) if isinstance(pattern, str) else dict(pattern))
    return patterns


def accepts(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    """No filters accept everything; otherwise any matching pattern does."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def sqs_filter_view(record: dict[str, Any]) -> dict[str, Any]:
    """Lambda filters SQS records on the body parsed as JSON when it is JSON."""
    try:
        return {**record, "body": json.loads(record["body"])}
    except (ValueError, TypeError):
        return record


def matches(pattern: dict[str, Any], data: Any) -> bool:
    for key, rule in pattern.items():
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if isinstance(rule, dict):
            if not isinstance(value, dict) or not matches(rule, value):
                return False
        elif not any(_leaf(condition, value) for condition in rule):
            return False
    return True


def _leaf(condition: Any, value: Any) -> bool:
    if isinstance(condition, dict) and "exists" in condition:
        return (value is not _MISSING) == bool(condition["exists"])
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return any(_leaf(condition, item) for item in value)
    if not isinstance(condition, dict):
        return bool(condition == value)
    if "prefix" in condition:
        return isinstance(value, str) and value.startswith(condition["prefix"])
    if "suffix" in condition:
        return isinstance(value, str) and value.endswith(condition["suffix"])
    if "equals-ignore-case" in condition:
        return isinstance(value, str) and value.lower() == str(condition["equals-ignore-case"]).lower()
    if "anything-but" in condition:
        excluded = condition["anything-but"]
        if isinstance(excluded, dict):
            return not _leaf(excluded, value)
        return value not in (excluded if isinstance(excluded, list) else [excluded])
    if "numeric" in condition:
        return _numeric(condition["numeric"], value)
    return False


def _numeric(terms: list[Any], value: Any) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    checks = {
        "=": number.__eq__,
        "<": number.__lt__,
        "<=": number.__le__,
        ">": number.__gt__,
        ">=": number.__ge__,
    }
    return all(bool(checks[op](float(limit))) for op, limit in zip(terms[::2], terms[1::2], strict=True))
