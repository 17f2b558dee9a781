"""Profiles, their per-store unique email markers and the list indexes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import NamedTuple

from storecrm.kernel.errors import Conflict, NotFound, TransactionConflict
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, check, delete, put, update
from storecrm.profiles import search
from storecrm.profiles.models.profiles import Profile
from storecrm.profiles.repositories.taxonomy_use import use_items
from storecrm.stores.plan_limits import COUNT_CHANGED, ProfileSlot

# Profile ids in index order, and the position to continue from.
IdPage = tuple[list[str], dict[str, str] | None]
# Profile ids of an offset page, and the index entries known up to its end (plus one when more follow).
MatchPage = tuple[list[str], int]

PROFILE_GONE = NotFound("Profile not found", "PROFILE.NOT_FOUND")
# A new display id met one given before; the caller draws another.
DISPLAY_ID_TAKEN = Conflict("The display id is taken", "PROFILE.DISPLAY_ID_TAKEN")
# Another scheduler run finished this erasure (and told of it) first.
DELETION_FINISHED = Conflict("The profile's erasure is finished already", "PROFILE.ERASED")
# The erased profile's store was deleted meanwhile: no event is written into its purged partitions.
STORE_DELETED = NotFound("Store not found", "STORE.NOT_FOUND")
# Another create took the last place of the shard this one counted on (or changed the count it checked).
COUNT_TAKEN = Conflict("The store's profile count changed meanwhile; try again", COUNT_CHANGED)
CHANGED_MEANWHILE = Conflict("The profile changed meanwhile; read it again and retry", "PROFILE.CONFLICT")
# A profile's created_at order entry stands for its share of the store's profile count: every create writes both
# and every erasure (a deletion request, a merge's source) removes both. A profile written before the count and the
# entries existed has neither until the backfill migration (kernel/migrations.py) adds both in one transaction; an
# erasure before that gives back no share it never had.
COUNTED = Conflict("The profile has its share of the store's profile count", "PROFILE.COUNTED")
NOT_COUNTED = Conflict("The profile has no share of the store's profile count", "PROFILE.NOT_COUNTED")
STORE_GONE = Conflict("The profile's store was deleted", "STORE.NOT_FOUND")
# Reads of a profile the backfill makes when it changes meanwhile, before leaving it to a later run.
BACKFILL_TRIES = 3


def email_taken(email: str) -> Conflict:
    return Conflict(f"Another profile in this store already has the email {email}", "PROFILE.EMAIL_TAKEN")


def username_taken(username: str) -> Conflict:
    return Conflict(f"Another profile in this store already has the username {username}", "PROFILE.USERNAME_TAKEN")


class ProfileRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(profile_id: str) -> keys.Key:
        return keys.profile(profile_id)

    @staticmethod
    def email_key(store_id: str, email: str) -> keys.Key:
        return keys.profile_email(store_id, email)

    @staticmethod
    def username_key(store_id: str, username: str) -> keys.Key:
        return keys.profile_username(store_id, username)

    @staticmethod
    def from_item(item: Item | None) -> Profile | None:
        return from_item(Profile, item)

    @staticmethod
    def id_from_marker(marker: Item | None) -> str | None:
        return str(marker["profile_id"]) if marker else None

    def read(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        """Profiles and what is read with them (their store, its profile count) in one BatchGetItem."""
        return self.table.get_many(wanted)

    def get(self, profile_id: str) -> Profile | None:
        return from_item(Profile, self.table.get(keys.profile(profile_id)))

    def create(self, profile: Profile, events: Sequence[OutboxEvent], slot: ProfileSlot | None = None,
               also: Sequence[Write] = ()) -> None:
        self.table.transact([*self.create_writes(profile, events, slot), *also])

    def update(self, profile: Profile, previous: Profile, events: Sequence[OutboxEvent]) -> None:
        self.table.transact(self.update_writes(profile, previous, events))

    @staticmethod
    def create_writes(profile: Profile, events: Sequence[OutboxEvent], slot: ProfileSlot | None = None) -> list[Write]:
        """The profile, its markers and index items, the store's count (under a plan's cap, on the condition of
        `slot`) and its events."""
        writes = [put(_item(profile), unless_exists=Conflict("Profile id collision")),
                  *([count_change(profile, 1)] if slot is None else _counted(profile, slot))]
        if profile.email:
            writes.append(_email_marker(profile))
        if profile.username:
            writes.append(_username_marker(profile))
        if profile.display_id:
            writes.append(_display_id_marker(profile))
        writes += [put(item) for item in _index_items(profile).values()]
        return [*writes, *[outbox_write(e) for e in events]]

    @staticmethod
    def update_writes(profile: Profile, previous: Profile, events: Sequence[OutboxEvent]) -> list[Write]:
        """Writes `profile` if nobody wrote since `previous` was read; moves the email marker."""
        writes: list[Write] = [put(_item(profile), condition="revision = :seen", values={":seen": previous.revision},
                                   error=CHANGED_MEANWHILE)]
        writes += _marker_moves(previous, profile, attrgetter("email"), keys.profile_email, _email_marker)
        writes += _marker_moves(previous, profile, attrgetter("username"), keys.profile_username, _username_marker)
        writes += _marker_moves(previous, profile, attrgetter("display_id"), keys.profile_display_id,
                                _display_id_marker)
        before, after = _index_items(previous), _index_items(profile)
        writes += [delete(key) for key in before.keys() - after.keys()]
        writes += [put(item) for key, item in after.items() if key not in before]
        return [*writes, *[outbox_write(e) for e in events]]

    def load(self, profile_id: str | None, store_id: str, email: str | None,
             extra: Sequence[keys.Key] = ()) -> tuple[Profile | None, str | None, dict[keys.Key, Item]]:
        """One BatchGetItem: a profile, the id of the profile owning an email, and other items."""
        wanted = [*([keys.profile(profile_id)] if profile_id else []),
                  *([keys.profile_email(store_id, email)] if email else []), *extra]
        found = self.table.get_many(wanted) if wanted else {}
        profile = from_item(Profile, found.get(keys.profile(profile_id))) if profile_id else None
        owner = self.id_from_marker(found.get(keys.profile_email(store_id, email))) if email else None
        return profile, owner, found

    def session_keys(self, profile_id: str) -> list[keys.Key]:
        """Every session of a profile (GSI1 lists an owner's sessions)."""
        items = self.table.query_all(keys.sessions_of("profile", profile_id), index="GSI1")
        return [(item["PK"], item["SK"]) for item in items]

    def revoke_sessions(self, profile: Profile, previous: Profile, session_keys: Sequence[keys.Key],
                        also: Sequence[Write] = ()) -> None:
        """Deletes sessions and updates their listing on the profile (with `also`, e.g. the profile's activity).

        Sessions go first (in batches when there are many): a crash then leaves at worst a stale
        listing, never a live session the profile no longer shows.
        """
        if len(session_keys) > 90:
            self.table.delete_many(list(session_keys))
            session_keys = []
        self.table.transact([*[delete(key) for key in session_keys], *self.update_writes(profile, previous, []),
                             *also])

    def revoke_all_sessions(self, store_id: str, profile_id: str, session_keys: Sequence[keys.Key], at: int,
                            access_checks: Sequence[Write]) -> None:
        """Deletes the sessions and empties the profile's listing of them in one transaction that
        also holds the caller's store-access checks and the caller's other writes (`access_checks`: at most 97
        sessions with the checks and two more writes; the caller splits more)."""
        order = keys.profile_updated_order(profile_id, at)
        names = {f"#{name}": name for name in order}
        values = {f":{name}": value for name, value in order.items()}
        expression = ("SET auth_tokens = :none, updated_at = :at, "
                      + ", ".join(f"#{name} = :{name}" for name in order) + " ADD revision :one")
        clear = update(keys.profile(profile_id), expression, condition="attribute_exists(PK) AND store_id = :store",
                       names=names, values={**values, ":none": [], ":at": at, ":one": 1, ":store": store_id},
                       error=PROFILE_GONE)
        self.table.transact([*access_checks, clear, *[delete(key) for key in session_keys]])

    def merge(self, target: Profile, target_before: Profile, source: Profile, source_sessions: Sequence[keys.Key],
              events: Sequence[OutboxEvent], also: Sequence[Write] = ()) -> None:
        """Target updated, source erased (record, email marker, index items, sessions), one transaction;
        `also` joins it.

        If everything does not fit in one transaction (100 writes), the source's index items and
        sessions are deleted right after it; they point at a profile that no longer exists.
        """
        erase: list[Write] = [put(_item(target), condition="revision = :seen", values={":seen": target_before.revision},
                                  error=CHANGED_MEANWHILE),
                              delete(keys.profile(source.id), condition="revision = :seen",
                                     values={":seen": source.revision}, error=CHANGED_MEANWHILE)]
        if source.email and source.email != target.email:
            erase.append(delete(keys.profile_email(source.store_id, source.email)))
        if target.email and target.email != target_before.email:
            erase.append(_moved_marker(target))
        if source.username and source.username != target.username:
            erase.append(delete(keys.profile_username(source.store_id, source.username)))
        if target.username and target.username != target_before.username:
            erase.append(_moved_marker(target, username=True))
        if source.display_id and source.display_id != target.display_id:
            erase.append(delete(keys.profile_display_id(source.store_id, source.display_id)))
        if target.display_id and target.display_id != target_before.display_id:
            erase.append(put(_display_id_item(target)))  # the source's, handed over
        before, after = _index_items(target_before), _index_items(target)
        erase += [delete(key) for key in before.keys() - after.keys()]
        erase += [put(item) for key, item in after.items() if key not in before]
        erase += [outbox_write(e) for e in events]
        erase += also  # e.g. the source's audience subscriptions, re-pointed to the target
        leftovers = [key for key in _index_items(source) if key not in after and key != counted_entry(source)]
        leftovers += source_sessions
        fits = len(erase) + len(leftovers) + 2 <= 100  # 2: the source's count share given back
        self._transact_releasing_count(source, [*erase, *([delete(key) for key in leftovers] if fits else [])])
        if not fits:
            self.table.delete_many(leftovers)

    def id_for_email(self, store_id: str, email: str) -> str | None:
        return self.id_from_marker(self.table.get(keys.profile_email(store_id, email)))
    def search_page(self, store_id: str, word: str, *, limit: int, after: dict[str, str] | None) -> IdPage:
        """Profile ids with a term starting with `word`, in term order."""
        partition = keys.search_partition(store_id, word)
        return self._index_page(partition, limit=limit, after=after, forward=True,
                                sk_between=(word, word + "\uffff"))

    def taxonomy_page(self, store_id: str, taxonomy_id: str, field_key: str, sk_range: tuple[str, str], *,
                      forward: bool, limit: int, after: dict[str, str] | None) -> IdPage:
        """Profile ids whose value of one taxonomy field lies in the range, in value order."""
        partition = keys.taxonomy_partition(store_id, taxonomy_id, field_key)
        return self._index_page(partition, limit=limit, after=after, forward=forward, sk_between=sk_range)

    def _index_page(self, partition: str, *, limit: int, after: dict[str, str] | None, forward: bool,
                    sk_between: tuple[str, str]) -> IdPage:
        check_cursor(after, partition)
        page = self.table.query(partition, sk_between=sk_between, limit=limit, start_key=after, forward=forward)
        ids = list(dict.fromkeys(str(item["profile_id"]) for item in page.items))
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return ids, last

    def list_page(self, store_id: str, sort_field: str, status: str | None, *, forward: bool, limit: int,
                  after: dict[str, str] | None) -> tuple[list[Profile], dict[str, str] | None]:
        """One Query on the index for this order (all profiles, or one status)."""
        all_index, status_index = keys.PROFILE_LIST_INDEXES[sort_field]
        index, scope = (status_index, status) if status else (all_index, keys.ALL)
        partition = keys.profiles_of(store_id, scope)
        check_cursor(after, partition, index)
        page = self.table.query(partition, index=index, limit=limit, start_key=after, forward=forward)
        profiles = [p for item in page.items if (p := from_item(Profile, item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return profiles, last

    # ------------------------------------------------------------------ the store's count, offset pages
    @staticmethod
    def count_keys(store_id: str) -> list[keys.Key]:
        return [keys.profile_count(store_id, shard) for shard in range(keys.PROFILE_COUNT_SHARDS)]

    @staticmethod
    def shard_counts(store_id: str, found: dict[keys.Key, Item]) -> list[int | None]:
        """Each count shard's value among the items read (None: never written)."""
        return [int(found[key]["count"]) if "count" in found.get(key, {}) else None
                for key in ProfileRepository.count_keys(store_id)]

    @staticmethod
    def shard_of(profile_id: str) -> int:
        return keys.profile_count_shard(profile_id)

    @staticmethod
    def count_from_items(store_id: str, found: dict[keys.Key, Item]) -> int:
        return max(sum(int(found[key]["count"]) for key in ProfileRepository.count_keys(store_id) if key in found), 0)

    def offset_page(self, store_id: str, sort_field: str, *, forward: bool, offset: int,
                    count: int) -> list[Profile]:
        """`count` profiles from `offset` in one list order: the entries before them are passed over without
        being returned (Select=COUNT), then one Query of the order's index reads the page. Where the order has
        small entries of its own, those are passed over (a 1 MB response holds ~8,000 of them, against ~1,000
        whole profiles), and the last one names the index position to read on from."""
        index = keys.PROFILE_LIST_INDEXES[sort_field][0]
        partition = keys.profiles_of(store_id, keys.ALL)
        start: dict[str, str] | None = None
        if offset and sort_field in keys.PROFILE_ORDER_ENTRIES:
            _, passed_to = self.table.skip(keys.profile_order_partition(store_id, sort_field), offset,
                                           forward=forward)
            if passed_to is None:
                return []
            start = keys.profile_list_start(store_id, sort_field, str(passed_to["SK"]))
        elif offset:
            _, start = self.table.skip(partition, offset, index=index, forward=forward)
            if start is None:
                return []
        page = self.table.query(partition, index=index, limit=count, start_key=start, forward=forward)
        return [p for item in page.items if (p := from_item(Profile, item)) is not None]

    def contact_ids(self, store_id: str, kind: str, term: str, *, whole: bool, offset: int,
                    count: int) -> MatchPage:
        """Profile ids with a contact term equal to (or, not `whole`, starting with) `term`, in term order."""
        low = f"{kind}:{term}" + ("#" if whole else "")
        return self._offset_ids(keys.contact_partition(store_id, term), (low, low + ("~" if whole else "\uffff")),
                                offset=offset, count=count, forward=True)

    def created_by_ids(self, store_id: str, created_by: str, *, forward: bool, offset: int,
                       count: int) -> MatchPage:
        """Profile ids one API client created, in creation order."""
        return self._offset_ids(keys.profiles_created_by(store_id, created_by), None, offset=offset, count=count,
                                forward=forward)

    def attribute_ids(self, store_id: str, name: str, value: str | None, *, offset: int,
                      count: int) -> MatchPage:
        """Profile ids with the extended attribute `name` (equal to `value`, case ignored, when given)."""
        start = keys.extended_attribute_value(value.lower()) if value is not None else None
        return self._offset_ids(keys.extended_attribute_partition(store_id, name),
                                (start, start + "~") if start else None, offset=offset, count=count, forward=True)

    def _offset_ids(self, partition: str, sk_between: tuple[str, str] | None, *, offset: int, count: int,
                    forward: bool) -> MatchPage:
        start = None
        if offset:
            passed, start = self.table.skip(partition, offset, sk_between=sk_between, forward=forward)
            if start is None:
                return [], passed  # the entries ended before the offset: that is all of them
        page = self.table.query(partition, sk_between=sk_between, limit=count, start_key=start, forward=forward)
        ids = list(dict.fromkeys(str(item["profile_id"]) for item in page.items))
        return ids, offset + len(page.items) + (1 if page.last_key else 0)

    # ------------------------------------------------------------------ erasure
    def request_deletion(self, profile: Profile, due_at: int) -> None:
        """One transaction: the record goes (on the revision read), with its markers and index items, so every
        dialect stops finding it at once; the store's count drops; an erasure job for the rest is due."""
        writes: list[Write] = [delete(keys.profile(profile.id), condition="revision = :seen",
                                      values={":seen": profile.revision}, error=CHANGED_MEANWHILE)]
        if profile.email:
            writes.append(delete(keys.profile_email(profile.store_id, profile.email)))
        if profile.username:
            writes.append(delete(keys.profile_username(profile.store_id, profile.username)))
        if profile.display_id:
            writes.append(delete(keys.profile_display_id(profile.store_id, profile.display_id)))
        writes += [delete(key) for key in _index_items(profile) if key != counted_entry(profile)]
        pk, sk = keys.profile_deletion(profile.id)
        writes.append(put({"PK": pk, "SK": sk, "entity": "PROFILEDELETION", "store_id": profile.store_id,
                           "profile_id": profile.id, "requested_at": due_at,
                           **({"photo_key": profile.photo_key} if profile.photo_key else {}),
                           "DUEPK": keys.PROFILE_DELETIONS_DUE, "DUESK": keys.due_sort(due_at, pk)}))
        self._transact_releasing_count(profile, writes)

    @staticmethod
    def deletion_key(profile_id: str) -> keys.Key:
        """The erasure job's item, which holds its DueIndex entry."""
        return keys.profile_deletion(profile_id)

    def due_deletions(self, at: int, limit: int = 50) -> list[DueDeletion]:
        """Erasure jobs due by `at`: the due index holds keys only, so the jobs are read after it, with their
        stores (a store deleted meanwhile is purged whole: its profile's erasure only ends what lives apart)."""
        page = self.table.query(keys.PROFILE_DELETIONS_DUE, index="DueIndex", limit=limit,
                                sk_between=("0", f"{at:010d}~"))
        jobs = self.table.get_many([(item["PK"], item["SK"]) for item in page.items])
        stores = self.table.get_many([keys.store(str(job["store_id"])) for job in jobs.values()]) if jobs else {}
        return [DueDeletion(str(job["store_id"]), str(job["profile_id"]), job.get("photo_key"),
                            keys.store(str(job["store_id"])) in stores)
                for job in jobs.values()]

    def end_sessions(self, profile_id: str) -> None:
        """Deletes every session of a profile whose record is gone already (its erasure): a Query, then batches."""
        self.table.delete_many(self.session_keys(profile_id))

    def finish_deletion(self, store_id: str, profile_id: str, also: Sequence[Write],
                        events: Sequence[OutboxEvent]) -> bool:
        """Deletes what is left of an erased profile (its commerce facts and pending email verification, and the
        `also` writes), then the job with its events in one transaction, unless the store is gone (its purge took
        or takes the rest: then the job goes without them). Each step may run again after a crash; False when
        another run finished the job first."""
        self.table.delete_many([keys.profile_commerce(store_id, profile_id), keys.email_verification(profile_id)])
        for start in range(0, len(also), 90):
            self.table.transact(also[start:start + 90])
        job = delete(keys.profile_deletion(profile_id), condition="attribute_exists(PK)", error=DELETION_FINISHED)
        store = check(keys.store(store_id), "attribute_exists(PK)", error=STORE_DELETED)
        try:
            try:
                self.table.transact([job, store, *[outbox_write(e) for e in events]])
            except NotFound as gone:
                if gone is not STORE_DELETED:
                    raise
                self.table.transact([job])
        except Conflict as error:
            if error is not DELETION_FINISHED:
                raise
            return False
        return True

    def _transact_releasing_count(self, profile: Profile, writes: Sequence[Write]) -> None:
        """`writes`, with the erased profile's share of the store's count given back where it has one: first as if
        it had (every profile written since the count exists), then, when its created_at entry is missing, on the
        condition that it still is (the backfill may count it meanwhile)."""
        counted = True
        for _ in range(3):
            release = ([delete(counted_entry(profile), condition="attribute_exists(PK)", error=NOT_COUNTED),
                        count_change(profile, -1)] if counted
                       else [check(counted_entry(profile), "attribute_not_exists(PK)", error=COUNTED)])
            try:
                self.table.transact([*writes, *release])
                return
            except Conflict as error:
                if error is not (NOT_COUNTED if counted else COUNTED):
                    raise
                counted = not counted
        raise TransactionConflict()

    # ------------------------------------------------------------------ the backfill migration
    def backfill_page(self, items: Sequence[Item]) -> int:
        """`backfill_entries` for the profiles among `items` that have no created_at entry (found with one
        BatchGetItem, so profiles that need nothing cost no write); answers how many it changed."""
        profiles = [p for item in items if (p := from_item(Profile, item)) is not None]
        found = self.table.get_many([counted_entry(p) for p in profiles]) if profiles else {}
        by_id = {str(item["id"]): item for item in items}
        return sum(self.backfill_entries(by_id[p.id]) for p in profiles if counted_entry(p) not in found)

    def backfill_entries(self, item: Item | None) -> bool:
        """What a fresh write of this profile makes beside it, for a profile written before some of it existed: all
        its index items (search terms, taxonomy values, contact terms, creator, extended attributes, list-order
        entries) and its share of the store's profile count, in one transaction on the revision read and the store
        still there. A profile whose created_at entry exists has its share and every entry (the code that writes
        that entry writes them all) and is left: so a rerun, or a page read twice, never counts one twice. One
        changed meanwhile is read again; one erased meanwhile is left. False when there was nothing to do."""
        for _ in range(BACKFILL_TRIES):
            profile = from_item(Profile, item)
            if profile is None:
                return False
            entries = _index_items(profile)
            counted = counted_entry(profile)
            writes = [check(keys.profile(profile.id), "revision = :seen", values={":seen": profile.revision},
                            error=CHANGED_MEANWHILE),
                      check(keys.store(profile.store_id), "attribute_exists(PK)", error=STORE_GONE),
                      put(entries[counted], unless_exists=COUNTED), count_change(profile, 1),
                      *[put(entry) for key, entry in entries.items() if key != counted]]
            try:
                self.table.transact(writes)  # fits: a profile has at most 73 index items (see search.py)
            except Conflict as error:
                if error is COUNTED or error is STORE_GONE:
                    return False
                if error is not CHANGED_MEANWHILE and not isinstance(error, TransactionConflict):
                    raise
                item = self.table.get(keys.profile(profile.id), consistent=True)
                continue
            return True
        raise CHANGED_MEANWHILE


class DueDeletion(NamedTuple):
    store_id: str
    profile_id: str
    photo_key: str | None  # the picture the profile had, whose object goes with it
    store_exists: bool = True


def _item(profile: Profile) -> Item:
    return to_item(profile, keys.profile(profile.id), "PROFILE", **keys.profile_index_keys(
        profile.store_id, profile.id, profile.status, profile.created_at, profile.updated_at, profile.email))


def _index_items(profile: Profile) -> dict[keys.Key, Item]:
    """The search-term and taxonomy-value items that make this profile findable."""
    found: list[keys.Key] = [keys.search_term(profile.store_id, term, profile.id)
                             for term in search.search_terms(profile)]
    found += [keys.taxonomy_value(profile.store_id, taxonomy_id, field_key, encoded, profile.id)
              for taxonomy_id, field_key, encoded in search.taxonomy_values(profile)]
    found += [keys.contact_term(profile.store_id, kind, term, profile.id)
              for kind, term in search.contact_terms(profile)]
    found += [keys.extended_attribute(profile.store_id, name, value, profile.id)
              for name, value in search.extended_attribute_values(profile)]
    if profile.created_by:
        found.append(keys.profile_created_by(profile.store_id, profile.created_by, profile.created_at, profile.id))
    sort_values = keys.profile_sort_values(profile.created_at, profile.updated_at, profile.email)
    found += [(keys.profile_order_partition(profile.store_id, field), f"{sort_values[field]}#{profile.id}")
              for field in keys.PROFILE_ORDER_ENTRIES]
    entries = {key: {"PK": key[0], "SK": key[1], "entity": "PROFILEINDEX", "profile_id": profile.id} for key in found}
    # The taxonomies it carries know it uses them (their delete is refused while it does).
    return {**entries, **use_items(profile.store_id, "PROFILE", profile.id, profile.taxonomies)}


def index_keys(item: Item) -> list[keys.Key]:
    """The index items of a stored profile (for the store purge, which reads profiles as items)."""
    profile = from_item(Profile, item)
    return list(_index_items(profile)) if profile else []


def counted_entry(profile: Profile) -> keys.Key:
    """The profile's created_at order entry, which stands for its share of the store's count."""
    return keys.profile_order_partition(profile.store_id, "created_at"), f"{profile.created_at:010d}#{profile.id}"


def _counted(profile: Profile, slot: ProfileSlot) -> list[Write]:
    """One more on the profile's count shard, within the shard's part of the cap; where the store has a shard
    above its part, on the condition that no shard changed since they were read (see plan_limits.ProfileSlot).
    Either failing is COUNT_CHANGED: the create reads again."""
    shard = keys.profile_count_shard(profile.id)
    assert shard == slot.shard, "the profile's id is drawn for its slot"

    def unchanged(seen: int | None) -> tuple[str, Item]:
        return ("attribute_not_exists(#count)", {}) if seen is None else ("#count = :seen", {":seen": seen})

    if slot.seen is None:
        condition, values = "attribute_not_exists(#count) OR #count < :share", {":share": slot.share}
    else:
        condition, values = unchanged(slot.seen[shard])
    writes = [update(keys.profile_count(profile.store_id, shard), "SET #entity = :entity ADD #count :delta",
                     condition=condition, names={"#entity": "entity", "#count": "count"},
                     values={":entity": "PROFILECOUNT", ":delta": 1, **values}, error=COUNT_TAKEN)]
    for other, seen in enumerate(slot.seen or ()):
        if other != shard:
            condition, values = unchanged(seen)
            writes.append(check(keys.profile_count(profile.store_id, other), condition, names={"#count": "count"},
                                values=values, error=COUNT_TAKEN))
    return writes


def count_change(profile: Profile, delta: int) -> Write:
    """The store's profile count, changed in the transaction that adds or erases a profile (on the profile's
    shard of it)."""
    key = keys.profile_count(profile.store_id, keys.profile_count_shard(profile.id))
    return update(key, "SET #entity = :entity ADD #count :delta",
                  names={"#entity": "entity", "#count": "count"}, values={":entity": "PROFILECOUNT", ":delta": delta})


def _display_id_item(profile: Profile) -> Item:
    assert profile.display_id
    pk, sk = keys.profile_display_id(profile.store_id, profile.display_id)
    return {"PK": pk, "SK": sk, "entity": "PROFILEDISPLAYID", "profile_id": profile.id}


def _marker_moves(previous: Profile, profile: Profile, value: Callable[[Profile], str | None],
                  key: Callable[[str, str], keys.Key], marker: Callable[[Profile], Write]) -> list[Write]:
    """A unique value's marker follows the value: the old one released (if it is still this profile's), the new
    one claimed. Nothing when both name the same marker (a username differing only in case)."""
    before, after = value(previous), value(profile)
    old = key(previous.store_id, before) if before else None
    if old == (key(profile.store_id, after) if after else None):
        return []
    released = [delete(old, condition="profile_id = :id", values={":id": profile.id})] if old else []
    return [*released, *([marker(profile)] if after else [])]


def _display_id_marker(profile: Profile) -> Write:
    return put(_display_id_item(profile), unless_exists=DISPLAY_ID_TAKEN)


def _moved_marker(profile: Profile, *, username: bool = False) -> Write:
    """The email (or username) marker handed to `profile` (it was the merged source's)."""
    if username:
        assert profile.username
        pk, sk = keys.profile_username(profile.store_id, profile.username)
        return put({"PK": pk, "SK": sk, "entity": "PROFILEUSERNAME", "profile_id": profile.id})
    assert profile.email
    pk, sk = keys.profile_email(profile.store_id, profile.email)
    return put({"PK": pk, "SK": sk, "entity": "PROFILEEMAIL", "profile_id": profile.id})


def _username_marker(profile: Profile) -> Write:
    assert profile.username
    pk, sk = keys.profile_username(profile.store_id, profile.username)
    return put({"PK": pk, "SK": sk, "entity": "PROFILEUSERNAME", "profile_id": profile.id},
               unless_exists=username_taken(profile.username))


def _email_marker(profile: Profile) -> Write:
    assert profile.email
    pk, sk = keys.profile_email(profile.store_id, profile.email)
    return put({"PK": pk, "SK": sk, "entity": "PROFILEEMAIL", "profile_id": profile.id},
               unless_exists=email_taken(profile.email))
