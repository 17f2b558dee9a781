"""Values checked against a store's own schema: a taxonomy's fields (the values profiles, products and services
carry) and a form's fields (what a submission, a cart or a booking sends). One rule set: the type, required
fields, the allowed options, and min/max (a number's range, a text's length). Each problem names the field in
the client's dotted path, so the answer is a 400 that says which value is wrong."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from storecrm.kernel.errors import FieldError

# A date value is an ISO date (2026-12-07) or Unix seconds.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
TEXT_MAX = 5000


@dataclass(frozen=True)
class Rule:
    """What one schema field allows."""

    key: str
    type: str
    required: bool = False
    options: Sequence[str] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Given:
    """One value as sent: its key, the type it claims and the value."""

    key: str
    type: str
    value: Any


def check_fields(rules: Sequence[Rule], given: Sequence[Given], where: str, owner: str) -> list[FieldError]:
    """The problems of `given` (at `where`.{index}) against `rules` (the schema of `owner`, e.g. "taxonomy
    'colors'"): a key the schema does not define, a type other than the schema's, a value outside its options or
    bounds, a required field missing or empty."""
    by_key = {rule.key: rule for rule in rules}
    problems: list[FieldError] = []
    seen: set[str] = set()
    for index, field in enumerate(given):
        rule = by_key.get(field.key)
        if rule is None:
            problems.append(FieldError(f"{where}.{index}.key", f"'{field.key}' is not a field of {owner}"))
            continue
        if field.key in seen:
            problems.append(FieldError(f"{where}.{index}.key", f"'{field.key}' is given twice"))
            continue
        seen.add(field.key)
        if field.type != rule.type:
            problems.append(FieldError(f"{where}.{index}.type", f"'{field.key}' is a {rule.type} field of {owner}"))
            continue
        if _empty(field.value):
            if rule.required:
                problems.append(FieldError(f"{where}.{index}.value", f"'{field.key}' is required by {owner}"))
            continue
        problem = value_problem(rule, field.value)
        if problem:
            problems.append(FieldError(f"{where}.{index}.value", f"'{field.key}' {problem}"))
    problems += [FieldError(where, f"'{rule.key}' is required by {owner}")
                 for rule in rules if rule.required and rule.key not in seen]
    return problems


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def value_problem(rule: Rule, value: Any) -> str | None:
    """Why `value` does not fit `rule` (a phrase after the field's key), or None."""
    kind = rule.type
    if kind in ("text", "select", "file"):
        if not isinstance(value, str):
            return "must be a text" if kind != "file" else "must be the id of a media file of the store"
        if len(value) > TEXT_MAX:
            return f"is longer than {TEXT_MAX} characters"
        if rule.options and value not in rule.options:
            return "must be one of " + ", ".join(repr(o) for o in list(rule.options)[:20])
        return _bounds(len(value), rule, "characters")
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        return _bounds(value, rule, "")
    if kind == "boolean":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "date":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return None
        if isinstance(value, str) and _ISO_DATE.match(value):
            return None
        return "must be a date (YYYY-MM-DD or Unix seconds)"
    if kind == "geo_location":
        numbers = isinstance(value, dict) and set(value) == {"lat", "lon"} and all(
            isinstance(value[k], int | float) and not isinstance(value[k], bool) for k in ("lat", "lon"))
        if numbers and -90 <= value["lat"] <= 90 and -180 <= value["lon"] <= 180:
            return None
        return "must be {lat, lon}"
    return f"has a type the schema does not know ({kind})"


def _bounds(measure: float, rule: Rule, unit: str) -> str | None:
    """A number's range, or (with `unit`) a text's length."""
    low, high = ("must be at least", "must be at most") if not unit else ("needs at least", "takes at most")
    suffix = f" {unit}" if unit else ""
    if rule.min is not None and measure < rule.min:
        return f"{low} {_plain(rule.min)}{suffix}"
    if rule.max is not None and measure > rule.max:
        return f"{high} {_plain(rule.max)}{suffix}"
    return None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


class SchemaField(Protocol):
    key: str
    min: float | None
    max: float | None


F = TypeVar("F", bound=SchemaField)


def check_schema(schema: list[F]) -> list[F]:
    """A schema's own rules (taxonomies' and forms'): each key once, and min not above max."""
    keys = [f.key for f in schema]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"schema keys must be unique: {', '.join(twice)}")
    for f in schema:
        if f.min is not None and f.max is not None and f.min > f.max:
            raise ValueError(f"min of '{f.key}' is above its max")
    return schema
