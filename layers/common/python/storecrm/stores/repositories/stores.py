"""Stores, their unique keys, team memberships and the purge of a deleted store's data."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from storecrm.kernel.errors import AlreadyMember, Conflict, DomainError, NotFound
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.keys import Key
from storecrm.kernel.repositories.table import Item, Table, Write, check, delete, put, set_fields, update
from storecrm.stores.models.stores import Market, Membership, Store
from storecrm.stores.permissions import Role
from storecrm.stores.repositories.markets import MarketRepository

STORE_GONE = NotFound("Store not found", "STORE.NOT_FOUND")
LAST_OWNER = Conflict("A store must keep at least one owner", "STORE.LAST_OWNER")
BILLING_CUSTOMER_KEPT = Conflict("The store already has a Stripe customer", "BILLING.CUSTOMER_KEPT")
LATER_BILLING_EVENT = Conflict("A later billing event was applied meanwhile", "BILLING.STALE_EVENT")


def _key_taken(key: str) -> Conflict:
    return Conflict(f"The store key '{key}' is already taken", "STORE.KEY_TAKEN")


@dataclass
class StoreView:
    """A store as one caller sees it: the store, the callers' memberships, and extra items asked for."""

    store: Store | None
    members: dict[str, Membership] = field(default_factory=dict)
    extras: dict[Key, Item] = field(default_factory=dict)


class StoreRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    # ------------------------------------------------------------------ reads
    @staticmethod
    def item_key(store_id: str) -> Key:
        return keys.store(store_id)

    @staticmethod
    def from_item(item: Item | None) -> Store | None:
        return from_item(Store, item)

    def load(self, store_id: str, account_ids: Sequence[str], extra: Sequence[Key] = ()) -> StoreView:
        """The store, some memberships and any other items of the request in ONE BatchGetItem."""
        member_keys = {account_id: keys.member(store_id, account_id) for account_id in account_ids}
        found = self.table.get_many([keys.store(store_id), *member_keys.values(), *extra])
        members = {
            account_id: m for account_id, key in member_keys.items()
            if (m := from_item(Membership, found.get(key))) is not None
        }
        return StoreView(from_item(Store, found.get(keys.store(store_id))), members,
                         {k: found[k] for k in extra if k in found})

    def get(self, store_id: str) -> Store | None:
        return from_item(Store, self.table.get(keys.store(store_id)))

    def next_customer_number(self, store_id: str) -> int:
        """The store's next customer number (a profile's display id): a counter on the store item, so
        two are never the same and a missing store is STORE_GONE (a failed sign-up leaves a gap)."""
        return self.table.increment(keys.store(store_id), "last_customer_number", unless_missing=STORE_GONE)

    @staticmethod
    def exists_check(store_id: str) -> Write:
        """Joins a transaction to make it fail when the store does not exist (or was deleted)."""
        return check(keys.store(store_id), "attribute_exists(PK)", error=STORE_GONE)

    @staticmethod
    def member_checks(store_id: str, account_id: str, error: DomainError) -> list[Write]:
        """Join a transaction to make it fail with `error` unless the store exists and the account is
        its member (a deleted store's memberships outlive it until the purge)."""
        return [check(keys.store(store_id), "attribute_exists(PK)", error=error),
                check(keys.member(store_id, account_id), "attribute_exists(PK)", error=error)]

    @staticmethod
    def access_checks(store_id: str, account_id: str, roles: Sequence[str], error: DomainError,
                      refused_statuses: Sequence[str] = ()) -> list[Write]:
        """Join a transaction to make it fail with `error` unless the store exists, its subscription is in
        none of `refused_statuses`, and the account is its member in one of `roles`: the access check of a
        write that reads nothing first."""
        allowed = {f":role{i}": role for i, role in enumerate(roles)}
        return [StoreRepository.store_check(store_id, error, refused_statuses),
                check(keys.member(store_id, account_id), f"#role IN ({', '.join(allowed)})",
                      names={"#role": "role"}, values=dict(allowed), error=error)]

    @staticmethod
    def store_check(store_id: str, error: DomainError, refused_statuses: Sequence[str] = ()) -> Write:
        """Joins a transaction to make it fail with `error` unless the store exists and its subscription is
        in none of `refused_statuses` (an API client's access check: it has no membership)."""
        refused = {f":refused{i}": status for i, status in enumerate(refused_statuses)}
        store_condition = "attribute_exists(PK)"
        if refused:
            store_condition += (" AND (attribute_not_exists(subscription.#status) "
                                f"OR NOT subscription.#status IN ({', '.join(refused)}))")
        return check(keys.store(store_id), store_condition, names={"#status": "status"} if refused else None,
                     values=refused or None, error=error)

    def memberships_of(self, account_id: str) -> list[Membership]:
        items = self.table.query_all(keys.memberships_of(account_id), index="GSI1")
        return [m for item in items if (m := from_item(Membership, item)) is not None]

    def get_many(self, store_ids: Sequence[str]) -> list[Store]:
        found = self.table.get_many([keys.store(store_id) for store_id in store_ids])
        return [s for item in found.values() if (s := from_item(Store, item)) is not None]

    def get_many_with(self, store_ids: Sequence[str], extra: Sequence[Key]) -> tuple[list[Store], dict[Key, Item]]:
        """The stores and the `extra` items found, in one BatchGetItem per 100 keys."""
        found = self.table.get_many([*[keys.store(store_id) for store_id in store_ids], *extra])
        stores = [s for store_id in store_ids if (s := from_item(Store, found.get(keys.store(store_id)))) is not None]
        return stores, {k: found[k] for k in extra if k in found}

    def members(self, store_id: str) -> list[Membership]:
        items = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.MEMBER_PREFIX)
        return [m for item in items if (m := from_item(Membership, item)) is not None]

    # ------------------------------------------------------------------ store writes
    def create(self, store: Store, owner: Membership, markets: Sequence[Market], events: Sequence[OutboxEvent]) -> None:
        writes = [
            put(_key_marker(store), unless_exists=_key_taken(store.key)),
            put(to_item(store, keys.store(store.id), "STORE"), unless_exists=Conflict("Store id collision")),
            _membership_put(owner),
            *[w for market in markets for w in MarketRepository.create_writes(market)],
            *[outbox_write(e) for e in events],
        ]
        self.table.transact(writes)

    def update(self, store: Store, previous_key: str) -> None:
        """Writes the editable settings only, so concurrent team changes to owner_count survive."""
        editable = store.model_dump(include={"key", "timezone", "languages", "emails", "payment_hold_minutes",
                                             "abandoned_cart_minutes", "allowed_origins", "activity_retention_days",
                                             "updated_at"})
        writes = [set_fields(keys.store(store.id), editable, condition="attribute_exists(PK)", error=STORE_GONE)]
        if store.key != previous_key:
            writes += [
                delete(keys.store_key(previous_key), condition="store_id = :id", values={":id": store.id}),
                put(_key_marker(store), unless_exists=_key_taken(store.key)),
            ]
        self.table.transact(writes)

    # ------------------------------------------------------------------ billing writes
    def keep_stripe_customer(self, store_id: str, customer_id: str) -> str:
        """Records the store's Stripe customer unless one is already recorded; returns the recorded one
        (a concurrent first subscribe may have won, and its customer is the one to keep)."""
        try:
            self.table.write(update(keys.store(store_id), "SET stripe_customer_id = :customer",
                                    condition=f"attribute_exists(PK) AND {_UNSET.format('stripe_customer_id')}",
                                    values={":customer": customer_id, ":null_type": "NULL"},
                                    error=BILLING_CUSTOMER_KEPT))
        except Conflict as kept:
            if kept is not BILLING_CUSTOMER_KEPT:
                raise
            store = self.get(store_id)
            if store is None or store.stripe_customer_id is None:
                raise STORE_GONE from None
            return store.stripe_customer_id
        return customer_id

    def save_subscription(self, store: Store, events: Sequence[OutboxEvent]) -> None:
        """Writes the store's subscription and the time of the billing event it came from, unless a
        later event was applied meanwhile (Stripe's events arrive in any order)."""
        assert store.subscription is not None and store.billing_event_at is not None
        fields = {"subscription": store.subscription.model_dump(), "billing_event_at": store.billing_event_at,
                  "updated_at": store.updated_at}
        write = set_fields(keys.store(store.id), fields, error=LATER_BILLING_EVENT,
                           condition=f"attribute_exists(PK) AND ({_UNSET.format('billing_event_at')} "
                                     "OR billing_event_at <= :at)")
        write.values.update({":at": store.billing_event_at, ":null_type": "NULL"})
        self.table.transact([write, *[outbox_write(e) for e in events]])

    def delete(self, store: Store, purge_due_at: int) -> None:
        """Makes the store disappear at once; its remaining items are purged by `purge`.

        The purge job sits in the sparse DueIndex, so a crash half-way through the purge is
        finished by the scheduler instead of leaving orphans behind.
        """
        job_pk, job_sk = keys.purge_job(store.id)
        self.table.transact([
            delete(keys.store(store.id), condition="attribute_exists(PK)", error=STORE_GONE),
            delete(keys.store_key(store.key), condition="store_id = :id", values={":id": store.id}),
            put({"PK": job_pk, "SK": job_sk, "entity": "PURGE", "store_id": store.id,
                 "DUEPK": keys.DUE_PARTITION, "DUESK": keys.due_sort(purge_due_at, job_pk)}),
        ])

    def purge(self, store_id: str, profile_index_keys: Callable[[Item], Iterable[Key]]) -> int:
        """Deletes every item the store owns, then the job itself. Idempotent, so safe to rerun.

        The store's own partitions, plus its profiles, their subscription lists, email and username
        markers, search index items, sessions (a Query of each profile's) and pending email verifications,
        which live in partitions of their own and are found through the store's profile list index, its API
        clients (found through their list index, the same way), and its audiences' subscriber partitions, found
        through the audiences (so those go first). What it leaves, README's "Erasure and store deletion" names.
        """
        removed = 0
        audiences = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.AUDIENCE_PREFIX,
                                         keys_only=True)
        for audience in audiences:
            partition = keys.subscribers_of(audience["SK"].removeprefix(keys.AUDIENCE_PREFIX))
            removed += self._delete_all((item["PK"], item["SK"])
                                        for item in self.table.query_all(partition, keys_only=True))
        for partition in keys.store_partitions(store_id):
            removed += self._delete_all((item["PK"], item["SK"])
                                        for item in self.table.query_all(partition, keys_only=True))
        profiles = self.table.query_all(keys.profiles_of(store_id, keys.ALL), index="GSI1")
        removed += self._delete_all(
            key for item in profiles
            for key in [*self._session_keys(item["id"]), (item["PK"], item["SK"]),
                        keys.profile_subscriptions(item["id"]), keys.email_verification(item["id"]),
                        *([keys.profile_email(store_id, item["email"])] if item.get("email") else []),
                        *([keys.profile_username(store_id, item["username"])] if item.get("username") else []),
                        *profile_index_keys(item)])
        clients = self.table.query_all(keys.api_clients_of(store_id), index="GSI1")
        removed += self._delete_all((item["PK"], item["SK"]) for item in clients)
        self.table.write(delete(keys.purge_job(store_id)))
        return removed

    def _session_keys(self, profile_id: str) -> list[Key]:
        return [(str(i["PK"]), str(i["SK"]))
                for i in self.table.query_all(keys.sessions_of("profile", profile_id), index="GSI1")]

    def _delete_all(self, found: Iterable[Key]) -> int:
        removed = 0
        batch: list[Key] = []
        for key in found:
            batch.append(key)
            if len(batch) == 100:
                self.table.delete_many(batch)
                removed, batch = removed + len(batch), []
        self.table.delete_many(batch)
        return removed + len(batch)

    @staticmethod
    def purge_job_key(store_id: str) -> Key:
        """The purge job's item, which holds its DueIndex entry."""
        return keys.purge_job(store_id)

    def due_purges(self, now: int, limit: int = 50) -> list[str]:
        page = self.table.query(keys.DUE_PARTITION, index="DueIndex", limit=limit,
                                sk_between=("0", f"{now:010d}~"))
        return [item["PK"].removeprefix("PURGE#") for item in page.items if item["PK"].startswith("PURGE#")]

    # ------------------------------------------------------------------ team writes
    def add_member(self, store: Store, membership: Membership, previous: Membership | None,
                   account_writes: Sequence[Write], events: Sequence[OutboxEvent]) -> None:
        writes: list[Write] = [*account_writes, *[outbox_write(e) for e in events]]
        writes.append(_membership_put(membership, previous))
        owner_delta = _owners(membership) - (_owners(previous) if previous else 0)
        writes.append(_owner_count(store.id, owner_delta))
        self.table.transact(writes)

    def remove_member(self, store: Store, membership: Membership, events: Sequence[OutboxEvent]) -> None:
        self.table.transact(self.remove_member_writes(membership, events))

    @staticmethod
    def remove_member_of_deleted_store_write(membership: Membership) -> Write:
        """A membership left behind by a deleted store until its purge: removed alone (no store to count owners
        on, nobody to tell)."""
        return delete(keys.member(membership.store_id, membership.account_id))

    @staticmethod
    def remove_member_writes(membership: Membership, events: Sequence[OutboxEvent]) -> list[Write]:
        """The membership's removal, to join a transaction: refused (LAST_OWNER) for the store's last owner."""
        return [
            delete(keys.member(membership.store_id, membership.account_id), condition="#role = :role",
                   names={"#role": "role"}, values={":role": membership.role.value},
                   error=Conflict("The membership changed meanwhile, try again")),
            _owner_count(membership.store_id, -_owners(membership)),
            *[outbox_write(e) for e in events],
        ]


# A store attribute never set: missing on stores made before it existed, NULL on those made since.
_UNSET = "(attribute_not_exists({0}) OR attribute_type({0}, :null_type))"


def _key_marker(store: Store) -> Item:
    pk, sk = keys.store_key(store.key)
    return {"PK": pk, "SK": sk, "entity": "STOREKEY", "store_id": store.id}


def _membership_put(membership: Membership, previous: Membership | None = None) -> Write:
    """Creates a membership, or replaces `previous` only if its role is still the one we read."""
    item = to_item(membership, keys.member(membership.store_id, membership.account_id), "MEMBER",
                   GSI1PK=keys.memberships_of(membership.account_id), GSI1SK=f"STORE#{membership.store_id}")
    if previous is None:
        return put(item, unless_exists=AlreadyMember())
    return put(item, condition="#role = :previous", names={"#role": "role"},
               values={":previous": previous.role.value},
               error=Conflict("The membership changed meanwhile, try again"))


def _owners(membership: Membership | None) -> int:
    return 1 if membership is not None and membership.role == Role.OWNER else 0


def _owner_count(store_id: str, delta: int) -> Write:
    """Keeps owner_count exact; a decrement that would reach zero fails the whole transaction."""
    if delta < 0:
        return update(keys.store(store_id), "ADD owner_count :delta", condition="owner_count > :one",
                      values={":delta": delta, ":one": -delta}, error=LAST_OWNER)
    if delta > 0:
        return update(keys.store(store_id), "ADD owner_count :delta", condition="attribute_exists(PK)",
                      values={":delta": delta}, error=STORE_GONE)
    return check(keys.store(store_id), "attribute_exists(PK)", error=STORE_GONE)
