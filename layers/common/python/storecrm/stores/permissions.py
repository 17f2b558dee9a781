"""Who may do what on a store: the one place the role matrix lives.

super: everything on every store it belongs to. owner: everything on its store, including delete,
billing and members. admin: day-to-day management, but not deleting the store, billing, or
anything that changes who owns it.
"""

from __future__ import annotations

from enum import StrEnum

from storecrm.kernel.errors import Forbidden


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    SUPER = "super"


class Action(StrEnum):
    READ_STORE = "store:read"
    UPDATE_STORE = "store:update"
    DELETE_STORE = "store:delete"
    MANAGE_BILLING = "store:billing"
    MANAGE_MEMBERS = "team:members"
    MANAGE_OWNERS = "team:owners"
    MANAGE_MARKETS = "markets:manage"
    MANAGE_LOCATIONS = "locations:manage"
    MANAGE_PRODUCTS = "products:manage"
    MANAGE_SERVICES = "services:manage"
    MANAGE_OFFERS = "offers:manage"
    MANAGE_PROFILES = "profiles:manage"
    # Erasing a profile (a merge erases its source): an API client needs `profiles:delete` for it.
    DELETE_PROFILES = "profiles:delete"
    MANAGE_AUDIENCES = "audiences:manage"
    MANAGE_WEBHOOKS = "webhooks:manage"
    MANAGE_INTEGRATIONS = "integrations:manage"
    MANAGE_MEDIA = "media:manage"
    MANAGE_ORDERS = "orders:manage"
    MANAGE_API_CLIENTS = "api_clients:manage"
    MANAGE_TAXONOMIES = "taxonomies:manage"
    # Form definitions, and the submissions (personal data) storefronts send.
    MANAGE_FORMS = "forms:manage"


# API clients act for the store with no person behind them: only those who own it hand them out.
_ADMIN_DENIED = {Action.DELETE_STORE, Action.MANAGE_BILLING, Action.MANAGE_OWNERS, Action.MANAGE_API_CLIENTS}

ALLOWED: dict[Role, frozenset[Action]] = {
    Role.SUPER: frozenset(Action),
    Role.OWNER: frozenset(Action),
    Role.ADMIN: frozenset(set(Action) - _ADMIN_DENIED),
}

# Granting or taking away these roles changes who controls the store.
CONTROLLING_ROLES = frozenset({Role.OWNER, Role.SUPER})


def can(role: Role, action: Action) -> bool:
    return action in ALLOWED[role]


def require(role: Role, action: Action) -> None:
    if not can(role, action):
        raise Forbidden(f"The {role.value} role may not do {action.value}")


def client_scopes_needed(action: Action, reading: bool) -> frozenset[str] | None:
    """The scopes an API client's token needs for `action` (issue 15): profile calls only, None for any
    other. Reading is a GET; a merge updates the target and erases the source, so it needs both."""
    if action is Action.MANAGE_PROFILES:
        return frozenset({"profiles:read" if reading else "profiles:write"})
    if action is Action.DELETE_PROFILES:
        return frozenset({"profiles:write", "profiles:delete"})
    return None


def action_for_member_change(*roles: Role) -> Action:
    """Touching an owner or super (before or after the change) needs owner rights."""
    return Action.MANAGE_OWNERS if CONTROLLING_ROLES.intersection(roles) else Action.MANAGE_MEMBERS
