from __future__ import annotations

import pytest

from storecrm.kernel.errors import Forbidden
from storecrm.stores.permissions import (
    Action,
    Role,
    action_for_member_change,
    can,
    client_scopes_needed,
    require,
)


@pytest.mark.parametrize("action", [Action.DELETE_STORE, Action.MANAGE_BILLING, Action.MANAGE_OWNERS,
                                    Action.MANAGE_API_CLIENTS])
def test_admin_may_not_delete_bill_or_touch_owners(action: Action) -> None:
    assert not can(Role.ADMIN, action)
    assert can(Role.OWNER, action) and can(Role.SUPER, action)
    with pytest.raises(Forbidden):
        require(Role.ADMIN, action)


@pytest.mark.parametrize("action", [Action.MANAGE_PROFILES, Action.MANAGE_AUDIENCES, Action.MANAGE_WEBHOOKS,
                                    Action.MANAGE_INTEGRATIONS, Action.MANAGE_MEDIA, Action.MANAGE_ORDERS,
                                    Action.MANAGE_MEMBERS, Action.MANAGE_MARKETS, Action.MANAGE_PRODUCTS,
                                    Action.UPDATE_STORE, Action.MANAGE_LOCATIONS, Action.DELETE_PROFILES])
def test_admin_manages_day_to_day_work(action: Action) -> None:
    assert can(Role.ADMIN, action)


def test_member_changes_touching_owners_need_owner_rights() -> None:
    assert action_for_member_change(Role.ADMIN) == Action.MANAGE_MEMBERS
    assert action_for_member_change(Role.OWNER) == Action.MANAGE_OWNERS
    assert action_for_member_change(Role.ADMIN, Role.SUPER) == Action.MANAGE_OWNERS


def test_api_client_scopes_cover_profile_actions_only() -> None:
    assert client_scopes_needed(Action.MANAGE_PROFILES, reading=True) == {"profiles:read"}
    assert client_scopes_needed(Action.MANAGE_PROFILES, reading=False) == {"profiles:write"}
    assert client_scopes_needed(Action.DELETE_PROFILES, reading=False) == {"profiles:write", "profiles:delete"}
    others = set(Action) - {Action.MANAGE_PROFILES, Action.DELETE_PROFILES}
    assert all(client_scopes_needed(action, reading) is None for action in others for reading in (True, False))
