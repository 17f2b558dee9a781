"""arky-sdk 0.9.1's Account (src/types/index.ts) and AccountUpdateResponse: what /v1/accounts answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.identity.account_tokens import TOKEN_TYPE
from storecrm.identity.models.accounts import AccountAddress
from storecrm.stores.permissions import Role

if TYPE_CHECKING:
    from storecrm.identity.models.account_tokens import AccountToken
    from storecrm.identity.models.accounts import Account
    from storecrm.stores.models.stores import Membership
    from storecrm.stores.staff_accounts import AccountView, NewToken


class AccountTokenOut(Out):
    """A personal API token: `value` only in the answer that created it."""

    id: str
    value: str | None = Field(default=None, description="The token, shown this once: only its hash is kept")
    name: str | None = None
    created_at: int
    expires_at: int | None = None
    type: str = TOKEN_TYPE

    @classmethod
    def of(cls, token: AccountToken, value: str | None = None) -> AccountTokenOut:
        return cls(id=token.id, value=value, name=token.name, created_at=token.created_at,
                   expires_at=token.expires_at)


class StoreMembershipOut(Out):
    store_id: str
    role: Role
    invitation_token: None = None
    joined_at: int | None = None

    @classmethod
    def of(cls, membership: Membership) -> StoreMembershipOut:
        return cls(store_id=membership.store_id, role=membership.role, joined_at=membership.created_at)


class AccountLifecycleOut(Out):
    last_login_at: int | None = Field(default=None, description="Not recorded yet: always null")
    onboarding_completed: bool = Field(description="True once the account is a member of a store")


class AccountOut(Out):
    id: str
    email: str
    memberships: list[StoreMembershipOut]
    api_tokens: list[AccountTokenOut]
    phone_numbers: list[str] = Field(default_factory=list)
    addresses: list[AccountAddress] = Field(default_factory=list)
    lifecycle: AccountLifecycleOut | None = None

    @classmethod
    def of(cls, view: AccountView) -> AccountOut:
        return cls(id=view.account.id, email=view.account.email,
                   memberships=[StoreMembershipOut.of(m) for m in view.memberships],
                   api_tokens=[AccountTokenOut.of(t) for t in view.tokens],
                   phone_numbers=view.account.phone_numbers, addresses=view.account.addresses,
                   lifecycle=AccountLifecycleOut(onboarding_completed=bool(view.memberships)))

    @classmethod
    def member(cls, account: Account, membership: Membership) -> AccountOut:
        """A teammate as the team search shows them: that store's membership, nothing of their own."""
        return cls(id=account.id, email=account.email, memberships=[StoreMembershipOut.of(membership)],
                   api_tokens=[])


class AccountPage(Out):
    items: list[AccountOut]
    cursor: str | None = None


class AccountUpdated(Out):
    success: bool
    newly_created_tokens: list[AccountTokenOut]

    @classmethod
    def of(cls, created: list[NewToken]) -> AccountUpdated:
        return cls(success=True, newly_created_tokens=[AccountTokenOut.of(n.token, n.value) for n in created])
