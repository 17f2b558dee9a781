"""Who may do what on a store: the one place the role matrix lives.

super: everything on every store it belongs to. owner: everything on its store, including delete,
billing and members. admin: day-to-day management, but not deleting the store, billing, or
anything that changes who owns it.
"""

from __future__ import annotations

from enum import StrEnum

from storecrm.domain.errors import Forbidden


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
    MANAGE_PRODUCTS = "products:manage"
    MANAGE_SERVICES = "services:manage"
    MANAGE_OFFERS = "offers:manage"
    MANAGE_PROFILES = "profiles:manage"
    MANAGE_AUDIENCES = "audiences:manage"
    MANAGE_WEBHOOKS = "webhooks:manage"
    MANAGE_INTEGRATIONS = "integrations:manage"
    MANAGE_MEDIA = "media:manage"
    MANAGE_ORDERS = "orders:manage"


_ADMIN_DENIED = {Action.DELETE_STORE, Action.MANAGE_BILLING, Action.MANAGE_OWNERS}

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


def action_for_member_change(*roles: Role) -> Action:
    """Touching an owner or super (before or after the change) needs owner rights."""
    return Action.MANAGE_OWNERS if CONTROLLING_ROLES.intersection(roles) else Action.MANAGE_MEMBERS
