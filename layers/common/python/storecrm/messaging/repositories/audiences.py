"""Audiences (store partition, unique key markers), their subscriptions and used mail tokens."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.kernel.cursors import BAD_CURSOR
from storecrm.kernel.errors import Conflict, DomainError, NotFound, ValidationFailed
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.table import ConditionFailed, Item, Table, Write, delete, put, update
from storecrm.messaging.models.audiences import Audience, Subscription
from storecrm.messaging.repositories.email_templates import CONFIRM_READY
from storecrm.stores.plan_limits import CountedAdd
from storecrm.stores.repositories import plan_counters

AUDIENCE_GONE = NotFound("Audience not found", "AUDIENCE.NOT_FOUND")
AUDIENCE_CHANGED = Conflict("The audience changed meanwhile; read it again and retry", "AUDIENCE.CONFLICT")
SUBSCRIPTION_CHANGED = Conflict("The subscription changed meanwhile; try again", "SUBSCRIPTION.CONFLICT")
# The template was deleted, or lost {{confirm_url}}, between the audience call's read and its write.
TEMPLATE_NOT_USABLE = ValidationFailed.on(
    "confirm_template_id", "no email template with this id in this store whose body contains {{confirm_url}}")
TOKEN_USED = Conflict("This link has already been used", "AUDIENCE.TOKEN_USED")

Position = dict[str, str]


def _key_taken(key: str) -> Conflict:
    return Conflict(f"An audience with key '{key}' already exists in this store", "AUDIENCE.KEY_TAKEN")


class AudienceRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    # ------------------------------------------------------------------ keys and items
    @staticmethod
    def item_key(store_id: str, audience_id: str) -> keys.Key:
        return keys.audience(store_id, audience_id)

    @staticmethod
    def marker_key(store_id: str, key: str) -> keys.Key:
        return keys.audience_key(store_id, key)

    @staticmethod
    def subscription_key(audience_id: str, profile_id: str) -> keys.Key:
        return keys.subscription(audience_id, profile_id)

    @staticmethod
    def from_item(item: Item | None) -> Audience | None:
        return from_item(Audience, item)

    @staticmethod
    def subscription_from_item(item: Item | None) -> Subscription | None:
        return from_item(Subscription, item)

    @staticmethod
    def id_from_marker(item: Item | None) -> str | None:
        return str(item["audience_id"]) if item else None

    # ------------------------------------------------------------------ audience reads
    def get(self, store_id: str, audience_id: str) -> Audience | None:
        return from_item(Audience, self.table.get(keys.audience(store_id, audience_id)))

    def using_template(self, store_id: str, template_id: str) -> list[Audience]:
        """The store's audiences that send this template (a Query over its small audience collection)."""
        items = self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.AUDIENCE_PREFIX)
        return [a for item in items if (a := from_item(Audience, item)) and a.confirm_template_id == template_id]

    def key_page(self, store_id: str, prefix: str, *, limit: int,
                 after: Position | None) -> tuple[list[str], Position | None]:
        """Audience ids whose key starts with `prefix`, in key order (read from the key markers)."""
        partition, start = keys.audience_key(store_id, prefix)
        if after is not None and (set(after) != {"PK", "SK"} or after["PK"] != partition
                                  or not after["SK"].startswith(start)):
            raise ValidationFailed.on("cursor", BAD_CURSOR)
        page = self.table.query(partition, sk_prefix=start, limit=limit, start_key=after)
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return [str(item["audience_id"]) for item in page.items], last

    # ------------------------------------------------------------------ audience writes
    def count_in_store(self, store_id: str) -> int:
        return sum(1 for _ in self.table.query_all(keys.store_partition(store_id), sk_prefix=keys.AUDIENCE_PREFIX,
                                                   keys_only=True))

    @staticmethod
    def counter_key(store_id: str) -> keys.Key:
        """The store's count of audiences (plan caps)."""
        return plan_counters.counter_key(store_id, "audiences")

    @staticmethod
    def counted(item: Item | None) -> int | None:
        return plan_counters.count_from(item)

    def create(self, audience: Audience, counted: CountedAdd | None = None, refused: DomainError | None = None) -> None:
        """With `counted`, the store's counter moves in the same transaction (`refused` when the cap is met)."""
        self.table.transact([
            put(_item(audience), unless_exists=Conflict("Audience id collision")),
            put(_marker(audience), unless_exists=_key_taken(audience.key)),
            *_link_writes(audience.store_id, None, audience.confirm_template_id),
            *([plan_counters.added(audience.store_id, "audiences", counted, refused or plan_counters.COUNT_REFUSED)]
              if counted else []),
        ])

    def update(self, audience: Audience, previous: Audience) -> None:
        writes = self.replace_writes(audience, previous)
        if audience.key != previous.key:
            writes += [
                delete(keys.audience_key(previous.store_id, previous.key), condition="audience_id = :id",
                       values={":id": audience.id}),
                put(_marker(audience), unless_exists=_key_taken(audience.key)),
            ]
        writes += _link_writes(audience.store_id, previous.confirm_template_id, audience.confirm_template_id)
        self.table.transact(writes)

    @staticmethod
    def replace_writes(audience: Audience, previous: Audience) -> list[Write]:
        """Writes `audience` if nobody wrote it since `previous` was read."""
        return [put(_item(audience), condition="revision = :seen", values={":seen": previous.revision},
                    error=AUDIENCE_CHANGED)]

    # ------------------------------------------------------------------ subscriptions
    def subscriber_page(self, audience_id: str, *, limit: int,
                        after: Position | None) -> tuple[list[Subscription], Position | None]:
        partition = keys.subscribers_of(audience_id)
        check_cursor(after, partition)
        page = self.table.query(partition, sk_prefix=keys.SUBSCRIBER_PREFIX, limit=limit, start_key=after)
        subs = [s for item in page.items if (s := from_item(Subscription, item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return subs, last

    def get_subscription(self, audience_id: str, profile_id: str) -> Subscription | None:
        return from_item(Subscription, self.table.get(keys.subscription(audience_id, profile_id)))

    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        """One BatchGetItem for the items a public audience call needs."""
        return self.table.get_many(wanted)

    def subscriptions_of(self, profile_id: str) -> list[Subscription]:
        """Every subscription of a profile: one GetItem of its subscription list."""
        return self.listed_subscriptions(self.table.get(keys.profile_subscriptions(profile_id)))

    @staticmethod
    def listing_key(profile_id: str) -> keys.Key:
        return keys.profile_subscriptions(profile_id)

    @staticmethod
    def listed_subscriptions(item: Item | None) -> list[Subscription]:
        """The subscriptions copied onto a profile's subscription list, in audience id order."""
        found = sorted((name, value) for name, value in (item or {}).items()
                       if name.startswith(keys.LISTED_SUBSCRIPTION_PREFIX))
        return [Subscription.model_validate(value) for _, value in found]

    @staticmethod
    def listing_write(profile_id: str, listed: Sequence[Subscription] = (), unlisted: Sequence[str] = ()) -> Write:
        """One update of a profile's subscription list (a transaction may touch an item only once)."""
        names = {f"#s{i}": keys.listed_subscription(s.audience_id) for i, s in enumerate(listed)}
        names |= {f"#r{i}": keys.listed_subscription(audience_id) for i, audience_id in enumerate(unlisted)}
        values: Item = {f":s{i}": s.model_dump(mode="json") for i, s in enumerate(listed)}
        parts = []
        if listed:
            parts.append("SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(listed))) + ", entity = :entity")
            values[":entity"] = "PROFILESUBSCRIPTIONS"
        if unlisted:
            parts.append("REMOVE " + ", ".join(f"#r{i}" for i in range(len(unlisted))))
        return update(keys.profile_subscriptions(profile_id), " ".join(parts), names=names, values=values)

    @staticmethod
    def listing_delete(profile_id: str) -> Write:
        return delete(keys.profile_subscriptions(profile_id))

    @staticmethod
    def subscription_write(subscription: Subscription, previous: Subscription | None) -> Write:
        """Creates the subscription, or replaces `previous` if it is still what was read (the
        profile's subscription list is written beside it: `listing_write`)."""
        item = to_item(subscription, keys.subscription(subscription.audience_id, subscription.profile_id),
                       "SUBSCRIPTION")
        if previous is None:
            return put(item, unless_exists=SUBSCRIPTION_CHANGED)
        return put(item, condition="revision = :seen", values={":seen": previous.revision},
                   error=SUBSCRIPTION_CHANGED)

    @staticmethod
    def subscription_delete(subscription: Subscription) -> Write:
        return delete(keys.subscription(subscription.audience_id, subscription.profile_id),
                      condition="revision = :seen", values={":seen": subscription.revision},
                      error=SUBSCRIPTION_CHANGED)

    def save_subscription(self, subscription: Subscription, previous: Subscription | None,
                          events: Sequence[OutboxEvent] = (), also: Sequence[Write] = ()) -> None:
        """The subscription, its events and `also` (e.g. a used-token marker), in one transaction."""
        self.table.transact([*also, self.subscription_write(subscription, previous),
                             self.listing_write(subscription.profile_id, listed=[subscription]),
                             *[outbox_write(e) for e in events]])

    def remove_subscription(self, subscription: Subscription) -> bool:
        """False when it was removed (or changed) meanwhile."""
        try:
            self.table.transact([delete(keys.subscription(subscription.audience_id, subscription.profile_id),
                                        condition="attribute_exists(PK)"),
                                 self.listing_write(subscription.profile_id, unlisted=[subscription.audience_id])])
        except ConditionFailed:
            return False
        return True

    @staticmethod
    def token_use_write(token_id: str, expires_at: int, error: DomainError = TOKEN_USED) -> Write:
        """Marks a mailed token used; a second use fails this write (TTL removes it after expiry)."""
        pk, sk = keys.used_audience_token(token_id)
        return put({"PK": pk, "SK": sk, "entity": "AUDTOKEN", "expires_at": expires_at}, unless_exists=error)


def _item(audience: Audience) -> Item:
    return to_item(audience, keys.audience(audience.store_id, audience.id), "AUDIENCE")


def _marker(audience: Audience) -> Item:
    pk, sk = keys.audience_key(audience.store_id, audience.key)
    return {"PK": pk, "SK": sk, "entity": "AUDIENCEKEY", "audience_id": audience.id}


def _link_writes(store_id: str, before: str | None, after: str | None) -> list[Write]:
    """Keeps each template's audience_count exact, so deleting a template sees every audience using it."""
    if before == after:
        return []
    writes: list[Write] = []
    if after is not None:
        writes.append(update(keys.email_template(store_id, after), "ADD audience_count :one",
                             condition=f"attribute_exists(PK) AND {CONFIRM_READY} = :ready",
                             values={":one": 1, ":ready": True}, error=TEMPLATE_NOT_USABLE))
    if before is not None:
        # The template can be gone only if its delete already downgraded this audience; then the
        # audience's revision check (earlier in the transaction) is the error reported.
        writes.append(update(keys.email_template(store_id, before), "ADD audience_count :minus",
                             condition="attribute_exists(PK)", values={":minus": -1}))
    return writes
