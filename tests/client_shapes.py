"""Answers checked against the arky-sdk 0.9.1 (fe001ba) TypeScript types, field by field.

A shape is written as the client's type reads: `str`, `NUMBER`, `bool`, a dict of fields (a name ending in
`?` is optional in TypeScript), `[shape]` for an array, `Nullable(shape)` for `T | null`, `OneOf(...)` for
a union of string literals, `ANY` for `unknown`. Fields the client does not type may be there (it ignores
them); a field it types must be there with that type: a `number` is never null, a `T | null` is never
absent. An optional field may be absent or null (the client reads both as missing: `x?.y`, truthiness).

The shapes below are copied from src/types/index.ts and src/types/api.ts of the client, each under its
TypeScript name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUMBER = "number"
ANY = "unknown"


@dataclass(frozen=True)
class Nullable:
    shape: Any


@dataclass(frozen=True)
class OneOf:
    values: tuple[str, ...]

    def __init__(self, *values: str) -> None:
        object.__setattr__(self, "values", values)


def mismatches(value: Any, shape: Any, path: str = "$") -> list[str]:
    """Where `value` is not what the client's type says (empty: it fits)."""
    if shape is ANY:
        return []
    if isinstance(shape, Nullable):
        return [] if value is None else mismatches(value, shape.shape, path)
    if value is None:
        return [f"{path}: null where the client types {_name(shape)}"]
    if shape is NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {value!r} is not a number"]
    if shape is str or shape is bool:
        return [] if type(value) is shape else [f"{path}: {value!r} is not a {_name(shape)}"]
    if isinstance(shape, OneOf):
        return [] if value in shape.values else [f"{path}: {value!r} is not one of {shape.values}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not an array"]
        return [m for i, item in enumerate(value) for m in mismatches(item, shape[0], f"{path}[{i}]")]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        found: list[str] = []
        for name, field_shape in shape.items():
            key, optional = name.rstrip("?"), name.endswith("?")
            if key not in value:
                if not optional:
                    found.append(f"{path}.{key}: missing")
                continue
            if optional and value[key] is None:
                continue
            found += mismatches(value[key], field_shape, f"{path}.{key}")
        return found
    raise TypeError(f"not a shape: {shape!r}")


def assert_client_shape(value: Any, shape: Any, what: str = "answer") -> None:
    found = mismatches(value, shape)
    assert not found, f"{what} differs from the client's type:\n" + "\n".join(found)


def _name(shape: Any) -> str:
    return {str: "string", bool: "boolean"}.get(shape, str(shape))


# ---------------------------------------------------------------- arky-sdk 0.9.1 types

# src/types/index.ts
STORE_SUBSCRIPTION = {
    "id": str, "target": str, "plan_id": str, "pending_plan_id": Nullable(str),
    "payment": {"currency": str, "market": str,
                "provider?": {"type": OneOf("stripe"), "profile_id": str, "subscription_id?": str,
                              "price_id?": str}},
    "status": OneOf("pending", "active", "cancellation_scheduled", "cancelled", "expired"),
    "start_date": NUMBER, "end_date": NUMBER, "token": str, "source": OneOf("signup", "admin", "import"),
}

# src/types/index.ts (Store: the fields every answer has; the others are optional there)
STORE = {"id": str, "key": str, "timezone": str, "subscription?": STORE_SUBSCRIPTION}

# src/types/index.ts
AUDIENCE_SUBSCRIPTION = {
    "id": str, "store_id": str, "profile_id": str, "audience_id": str, "plan_id": str,
    "pending_plan_id": Nullable(str),
    "payment": {"currency": str, "market": str,
                "provider?": {"type": OneOf("stripe"), "profile_id": str, "subscription_id?": str,
                              "price_id?": str}},
    "status": OneOf("pending", "active", "cancellation_scheduled", "cancelled", "expired"),
    "start_date": NUMBER, "end_date": NUMBER, "token": str, "source": OneOf("signup", "admin", "import"),
    "created_at": NUMBER, "updated_at": NUMBER,
}

# src/types/index.ts
AUDIENCE_SUBSCRIBE_RESPONSE = {"checkout_url?": str, "subscription?": AUDIENCE_SUBSCRIPTION}
AUDIENCE_ACCESS_RESPONSE = {"has_access": bool, "subscription?": AUDIENCE_SUBSCRIPTION}

# src/types/api.ts
PROFILE = {
    "id": str, "store_id": str, "email": Nullable(str), "verified": bool,
    "status": OneOf("active", "archived"), "promo_usage": [{"promo_code_id": str, "uses": NUMBER}], "taxonomies": [ANY],
    "auth_tokens": [{"id": str, "token": str, "created_at": NUMBER}],
    "verification_codes": [{"code": str, "created_at": NUMBER, "used": bool, "store_id?": Nullable(str)}],
    "created_at": NUMBER, "updated_at": NUMBER,
}

# src/types/api.ts
PROFILE_DETAIL = {"profile": PROFILE, "carts": [ANY], "orders": [ANY],
                  "audience_subscriptions": [AUDIENCE_SUBSCRIPTION], "form_submissions": [ANY]}

# src/types/index.ts (Location, Address)
LOCATION = {
    "id": str, "store_id": str, "key": str,
    "address": {f"{name}?": Nullable(str) for name in ("name", "company", "street1", "street2", "city", "state",
                                                        "postal_code", "country", "phone", "email")},
    "is_pickup_location": bool, "created_at": NUMBER, "updated_at": NUMBER,
}

# src/api/store.ts oauthDisconnect: Promise<{ disconnected: boolean }>
OAUTH_DISCONNECTED = {"disconnected": bool}

# src/types/index.ts
MEDIA = {"id": str, "resolutions": ANY, "mime_type": str, "title?": Nullable(str),
         "description?": Nullable(str), "alt?": Nullable(str), "store_id": str, "entity?": str,
         "metadata?": Nullable(str), "created_at": NUMBER, "slug": ANY}
