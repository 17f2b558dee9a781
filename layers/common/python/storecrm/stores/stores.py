"""Stores: creation with default markets, settings, listing the caller's stores, deletion."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Forbidden, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, Email, LanguageTag, Slug, SortDirection, Timezone
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.stores.access import StoreGuard
from storecrm.stores.link_origins import MAX_ORIGINS, check_origins
from storecrm.stores.mail_quota import MailQuota, mail_day, mail_quota
from storecrm.stores.models.stores import Language, Market, Membership, Store, StoreEmails, StoreStatus, Zone
from storecrm.stores.permissions import Action, Role

if TYPE_CHECKING:
    from storecrm.identity.repositories.accounts import AccountRepository
    from storecrm.kernel.jobs import Jobs
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.objects import ObjectStore
    from storecrm.kernel.repositories.table import Item
    from storecrm.stores.repositories.stores import StoreRepository


class LanguageIn(Command):
    id: LanguageTag


class StoreEmailsIn(Command):
    billing: Email | None = None
    support: Email | None = None


class NewStore(Command):
    key: Slug
    timezone: Timezone
    billing_email: Email
    languages: list[LanguageIn] = Field(default_factory=list, max_length=50)
    emails: StoreEmailsIn | None = None


class StoreChanges(Command):
    id: str | None = Field(default=None, description="May repeat the path's store id; must match it.")
    key: Slug | None = None
    timezone: Timezone | None = None
    billing_email: Email | None = None
    languages: list[LanguageIn] | None = Field(default=None, max_length=50)
    emails: StoreEmailsIn | None = None
    payment_hold_minutes: int | None = Field(default=None, ge=5, le=7 * 24 * 60, description="How long an unpaid "
                                             "card order holds its stock (default 30)")
    abandoned_cart_minutes: int | None = Field(default=None, ge=30, le=30 * 24 * 60, description="How long a "
                                               "cart with items and an email may stay idle before it gets one "
                                               "recovery mail (default 240)")
    activity_retention_days: int | None = Field(default=None, ge=1, le=3650, description="How long a profile's "
                                                "activities are kept (default 365)")
    allowed_origins: list[Annotated[str, Field(max_length=300)]] | None = Field(
        default=None, max_length=MAX_ORIGINS, description="Origins (https://host[:port]) that links in the store's "
        "mails and Stripe's redirects may lead to; replaces the list ([] empties it)")


SortField = Literal["created_at", "updated_at", "key"]


class StoreQuery(Command):
    query: str | None = Field(default=None, max_length=100)
    is_network: bool | None = None
    status: StoreStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None
    sort_field: SortField = "created_at"
    sort_direction: SortDirection = "desc"


class _StoreListPosition(Model):
    model_config = {"extra": "forbid"}
    field: SortField
    direction: SortDirection
    value: str | int
    id: str


def default_markets(store_id: str, at: int) -> list[Market]:
    """Every store starts selling in the US (tax added at checkout) and the EU (tax included), each with one
    zone (the US one for US addresses, the EU one for any address) without tax or shipping until staff set
    them."""
    us_id, eu_id = new_id(), new_id()
    return [
        Market(id=us_id, store_id=store_id, key="us", currency="USD", tax_mode="exclusive",
               zones=[Zone(id=new_id(), store_id=store_id, market_id=us_id, countries=["US"])],
               created_at=at, updated_at=at),
        Market(id=eu_id, store_id=store_id, key="eu", currency="EUR", tax_mode="inclusive",
               zones=[Zone(id=new_id(), store_id=store_id, market_id=eu_id)], created_at=at, updated_at=at),
    ]


def membership_event(store_id: str, membership: Membership, change: str) -> OutboxEvent:
    return OutboxEvent.new("account.updated", store_id, {
        "account_id": membership.account_id, "email": membership.email, "role": membership.role.value,
        "change": change,
    })


# A store as its staff see it: with today's mail quota (storecrm.messaging.store_mail).
StaffStore = tuple[Store, MailQuota]


def _quota_key(store_id: str, at: int) -> Key:
    return keys.mail_quota(store_id, mail_day(at)[0])


class StoreService:
    # Deleting hands the leftovers to the purge straight away; the scheduler retries a purge that
    # did not finish after this long.
    PURGE_RETRY_AFTER = 60

    def __init__(self, stores: StoreRepository, accounts: AccountRepository, guard: StoreGuard,
                 objects: ObjectStore, end_subscription: Callable[[Store], None],
                 profile_index_keys: Callable[[Item], Iterable[Key]]) -> None:
        self.stores = stores
        self.accounts = accounts
        self.guard = guard
        self.objects = objects  # the store's files (media, customers' pictures), under its prefix
        # Cancels the store's plan on the operator's Stripe account (store_billing), or raises a 409.
        self.end_subscription = end_subscription
        # A stored profile's search index items, which the purge deletes with it (the profiles context knows them).
        self.profile_index_keys = profile_index_keys

    def create(self, principal: Principal, data: NewStore) -> StaffStore:
        if principal.kind != "account":
            raise Forbidden("Only a store staff login can create stores")
        if principal.store_id is not None:
            # DECISION: a store-scoped login works in its store only; a new store is made from a platform login.
            raise Forbidden("This session is scoped to one store; log in without a store to create stores")
        account = self.accounts.get(principal.subject)
        if account is None:
            raise NotFound("Account not found", "ACCOUNT.NOT_FOUND")
        at = now()
        emails = data.emails or StoreEmailsIn()
        store = Store(
            id=new_id(), key=data.key, timezone=data.timezone,
            languages=[Language(id=lang.id) for lang in data.languages],
            emails=StoreEmails(billing=emails.billing or data.billing_email, support=emails.support),
            owner_count=1, created_at=at, updated_at=at,
        )
        owner = Membership(store_id=store.id, account_id=account.id, email=account.email, role=Role.OWNER,
                           created_at=at, updated_at=at)
        self.stores.create(store, owner, default_markets(store.id, at),
                           [membership_event(store.id, owner, "member_added")])
        return store, mail_quota(store, None, at)

    def get(self, principal: Principal, store_id: str) -> StaffStore:
        """The store and today's mail count, with the access check in one BatchGetItem."""
        at = now()
        key = _quota_key(store_id, at)
        access = self.guard.enter(principal, store_id, Action.READ_STORE, extra=[key])
        return access.store, mail_quota(access.store, access.view.extras.get(key), at)

    def list(self, principal: Principal, q: StoreQuery) -> tuple[list[StaffStore], str | None]:
        """The caller's stores (only its own store for a store-scoped login), filtered and sorted in memory.

        Reads all of the caller's memberships (one Query) and their stores with today's mail counts (one
        BatchGetItem per 100 keys). Staff belong to few stores, so this stays at two calls while allowing every
        sort.
        """
        if principal.kind != "account":
            raise Forbidden("Only a store staff login can list stores")
        after = cursors.decode(q.cursor, _StoreListPosition)
        if after and (after.field != q.sort_field or after.direction != q.sort_direction
                      or isinstance(after.value, str) != (q.sort_field == "key")):
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        memberships = [m for m in self.stores.memberships_of(principal.subject)
                       if principal.store_id is None or m.store_id == principal.store_id]  # a store-scoped login
        at = now()
        quota_keys = {m.store_id: _quota_key(m.store_id, at) for m in memberships}
        stores, counters = self.stores.get_many_with([m.store_id for m in memberships], list(quota_keys.values())) \
            if memberships else ([], {})
        needle = (q.query or "").lower()
        stores = [
            s for s in stores
            if (not needle or needle in s.key.lower() or needle == s.id)
            and (q.status is None or s.status == q.status)
            and (q.is_network is None or s.is_network == q.is_network)
        ]
        descending = q.sort_direction == "desc"

        def position(s: Store) -> tuple[str | int, str]:
            return getattr(s, q.sort_field), s.id

        stores.sort(key=position, reverse=descending)
        if after:
            mark = (after.value, after.id)
            stores = [s for s in stores if (position(s) < mark if descending else position(s) > mark)]
        page = stores[:q.limit]
        cursor = None
        if len(stores) > q.limit:
            value, last_id = position(page[-1])
            cursor = cursors.encode(_StoreListPosition(field=q.sort_field, direction=q.sort_direction,
                                                       value=value, id=last_id))
        return [(s, mail_quota(s, counters.get(quota_keys[s.id]), at)) for s in page], cursor

    def update(self, principal: Principal, store_id: str, changes: StoreChanges) -> StaffStore:
        if changes.id is not None and changes.id != store_id:
            raise ValidationFailed.on("id", "does not match the store id in the path")
        at = now()
        key = _quota_key(store_id, at)
        access = self.guard.enter(principal, store_id, Action.UPDATE_STORE, extra=[key])
        store = access.store
        given = changes.model_dump(exclude_none=True, exclude={"id", "billing_email", "emails"})
        if changes.allowed_origins is not None:
            given["allowed_origins"] = check_origins(changes.allowed_origins)
        emails = store.emails.model_copy(update=changes.emails.model_dump(exclude_none=True) if changes.emails else {})
        if changes.billing_email is not None:
            emails.billing = changes.billing_email
        updated = store.model_validate({**store.model_dump(), **given, "emails": emails, "updated_at": at})
        self.stores.update(updated, previous_key=store.key)
        return updated, mail_quota(updated, access.view.extras.get(key), at)

    def delete(self, principal: Principal, store_id: str) -> None:
        store = self.guard.enter(principal, store_id, Action.DELETE_STORE).store
        # The plan first: a store whose subscription Stripe still bills is not deleted (409 until it can be).
        self.end_subscription(store)
        self.stores.delete(store, purge_due_at=now() + self.PURGE_RETRY_AFTER)
        # Best effort now; if this is cut short the scheduler finishes it from the DueIndex.
        self._purge(store.id)

    def purge_due(self) -> Jobs:
        """Finishes purges that were cut short, a job at a time (see storecrm.kernel.jobs). Run by the scheduler."""
        for store_id in self.stores.due_purges(now()):
            yield self.stores.purge_job_key(store_id)
            self._purge(store_id)

    def _purge(self, store_id: str) -> None:
        """The store's objects first, a page at a time, then its items: the table's purge removes the purge job
        last, so a purge cut short anywhere is run again whole (both halves skip what is already gone)."""
        self.objects.delete_store_objects(store_id)
        self.stores.purge(store_id, self.profile_index_keys)
