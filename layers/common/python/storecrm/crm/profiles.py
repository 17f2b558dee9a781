"""CRM profiles as store staff manage them: create (idempotent by email), read, update, list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field

from storecrm import metrics
from storecrm.clock import now
from storecrm.commerce import profile_commerce
from storecrm.commerce.newest_records import DETAIL_LIST_CAP
from storecrm.identity.auth import Principal
from storecrm.identity.models.accounts import SessionSummary
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, Email, SortDirection
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.references import referenced
from storecrm.messaging import subscriptions
from storecrm.messaging.models.audiences import Subscription
from storecrm.profiles import search
from storecrm.profiles.activity_items import RetentionCache, activity_writes
from storecrm.profiles.models.profiles import (
    Profile,
    ProfileCommerce,
    ProfileStatus,
    PromoUsage,
    TaxonomyEntry,
    profile_event,
)
from storecrm.profiles.profile_room import ProfileRoom
from storecrm.stores.access import AccessRefused, StoreGuard
from storecrm.stores.permissions import Action
from storecrm.stores.plan_limits import ProfileSlot

if TYPE_CHECKING:
    from collections.abc import Sequence

    from storecrm.commerce.models.commerce import Cart
    from storecrm.commerce.models.orders import Order
    from storecrm.commerce.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.crm.models.forms import FormSubmission
    from storecrm.crm.repositories.forms import FormRepository
    from storecrm.crm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.repositories.events import ProfileEventLog
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.profile_records import ProfileRecords
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.profiles.taxonomies import TaxonomyValues

PROFILE_NOT_FOUND = "Profile not found"
# A search page's profiles are read with the access check's two items in one BatchGetItem,
# which takes at most 100 keys.
SEARCH_PAGE_MAX = 98
# With has_cart or has_activity, each profile of a search page is read with its commerce facts item.
FILTERED_SEARCH_PAGE_MAX = SEARCH_PAGE_MAX // 2
# Sessions revoked in the single transaction of revoke-all (100 writes less the two access checks,
# the profile's update and its activity's two writes); more take one more call each way.
REVOKE_ALL_AT_ONCE = 95

ProfileSortField = Literal["created_at", "updated_at", "email"]


Taxonomies = Annotated[list[TaxonomyEntry], Field(max_length=20), AfterValidator(search.check_indexable)]


class NewProfile(Command):
    email: Email
    taxonomies: Taxonomies = Field(default_factory=list)


class ProfileChanges(Command):
    email: Email | None = None
    taxonomies: Taxonomies | None = None
    status: ProfileStatus | None = None


class ProfileQuery(Command):
    query: str | None = Field(default=None, max_length=200)
    taxonomy_query: list[search.TaxonomyQuery] | None = Field(default=None, max_length=5)
    status: ProfileStatus | None = None
    sort_field: ProfileSortField = "created_at"
    sort_direction: SortDirection = "desc"
    has_cart: bool | None = None
    has_activity: bool | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    @property
    def by_commerce(self) -> bool:
        return self.has_cart is not None or self.has_activity is not None


class ProfileRecordsQuery(Command):
    """A page of a profile's carts or orders, newest first."""

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


@dataclass(frozen=True)
class ProfileView:
    """A profile with what links to it: the newest of its carts and orders, and cursors for the rest."""

    profile: Profile
    subscriptions: list[Subscription] = field(default_factory=list)
    carts: list[Cart] = field(default_factory=list)
    carts_cursor: str | None = None
    orders: list[Order] = field(default_factory=list)
    orders_cursor: str | None = None
    form_submissions: list[FormSubmission] = field(default_factory=list)


class MergeRequest(Command):
    source_id: str = Field(min_length=1, max_length=64)
    store_id: str | None = Field(default=None, max_length=64)


# What logs in to a profile besides its email: a merge keeps the target's and never takes the source's, since
# whoever set the source's (a registrant of a duplicate) would then log in to the target (issue 24 section 5).
CREDENTIALS = ("password_hash", "username")


def merge_profiles(target: Profile, source: Profile, at: int) -> Profile:
    """One profile from two: the target's values win, the source fills gaps (never with a credential), lists
    are unioned."""
    entries = {e.taxonomy_id: e.model_copy(deep=True) for e in target.taxonomies}
    for entry in source.taxonomies:
        if entry.taxonomy_id not in entries:
            entries[entry.taxonomy_id] = entry.model_copy(deep=True)
            continue
        known = {f.key for f in entries[entry.taxonomy_id].fields}
        entries[entry.taxonomy_id].fields += [f for f in entry.fields if f.key not in known]
    taxonomies = list(entries.values())
    try:
        search.check_indexable(taxonomies)
    except ValueError as exc:
        raise ValidationFailed.on("source_id", f"the merged profile would be too large: {exc}") from None
    uses: dict[str, int] = {}
    for usage in [*target.promo_usage, *source.promo_usage]:
        uses[usage.promo_code_id] = uses.get(usage.promo_code_id, 0) + usage.uses
    email_from_source = target.email is None and source.email is not None
    filled = {name: getattr(target, name) or getattr(source, name)
              for name in ("first_name", "last_name", "display_name", "phone", "display_id", "language",
                           "photo_key", "country_code", "created_by", "customer_number")}
    filled.update({name: getattr(target, name) for name in CREDENTIALS})
    return target.model_copy(update={
        **filled,
        "email": source.email if email_from_source else target.email,
        "verified": target.verified or (email_from_source and source.verified),
        "taxonomies": taxonomies,
        "promo_usage": [PromoUsage(promo_code_id=k, uses=v) for k, v in uses.items()],
        "metadata": {**source.metadata, **target.metadata},
        "addresses": [*target.addresses, *[a for a in source.addresses if a not in target.addresses]],
        "extended_attributes": [*target.extended_attributes, *[
            a for a in source.extended_attributes
            if a.name not in {t.name for t in target.extended_attributes}]],
        "revision": target.revision + 1,
        "updated_at": at,
    })


class _SearchPosition(Model):
    model_config = {"extra": "forbid"}
    driver: str
    key: dict[str, str]


class _ListPosition(Model):
    model_config = {"extra": "forbid"}
    sort: str
    status: str | None
    key: dict[str, str]


class _RecordsPosition(Model):
    """Where a page of a profile's carts or orders ends (the key names the list: store, profile and kind)."""

    model_config = {"extra": "forbid"}
    key: dict[str, str]


def _records_cursor(last: dict[str, str] | None) -> str | None:
    return cursors.encode(_RecordsPosition(key=last)) if last else None


def _records_start(cursor: str | None) -> dict[str, str] | None:
    start = cursors.decode(cursor, _RecordsPosition)
    return start.key if start else None



def _revoked(store_id: str, profile_id: str, sessions: int, at: int, retention_days: int) -> list[Write]:
    """The profile's `sessions_revoked` activity, in the transaction that ends its sessions."""
    return activity_writes(store_id, profile_id, "sessions_revoked", {"sessions": sessions}, at=at,
                           retention_days=retention_days)


class ProfileService:
    def __init__(self, profiles: ProfileRepository, sessions: SessionRepository, guard: StoreGuard,
                 subscriptions: AudienceRepository | None = None, *, commerce: ProfileCommerceRepository,
                 photos: ProfilePhotoRepository | None = None, event_log: ProfileEventLog | None = None,
                 taxonomy_values: TaxonomyValues | None = None, records: Sequence[ProfileRecords] = (),
                 forms: FormRepository | None = None) -> None:
        self.forms = forms  # the profile's form submissions, for its detail
        self.profiles = profiles
        self.records = records  # other contexts' records of a profile (activities, form submissions), moved in a merge
        self.sessions = sessions
        self.guard = guard
        self.subscriptions = subscriptions
        self.commerce = commerce
        self.photos = photos  # a merged source's picture object goes when the target keeps its own
        self.event_log = event_log  # a merged source's events are the target's to erase
        self.taxonomy_values = taxonomy_values  # checks taxonomy values against their schemas
        self.room = ProfileRoom(profiles, guard.stores)
        self.retention = RetentionCache(guard.stores)

    def create(self, principal: Principal, store_id: str, data: NewProfile) -> Profile:
        """Returns the existing profile when the email is already known (case and spaces ignored). A new one
        must fit under the plan's profile cap (its count read with the access check)."""
        marker = self.profiles.email_key(store_id, data.email)
        access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES,
                                  extra=[marker, *self.room.keys(store_id),
                                         *self._taxonomy_keys(store_id, data.taxonomies)])
        if self.taxonomy_values:
            self.taxonomy_values.check(store_id, data.taxonomies, access.view.extras)
        existing_id = self.profiles.id_from_marker(access.view.extras.get(marker))
        if existing_id is None:
            slot = self.room.slot(access.store, access.view.extras)

            def make(slot: ProfileSlot | None) -> Profile:
                at = now()
                profile = Profile(id=self.room.new_id(slot), store_id=store_id, email=data.email,
                                  taxonomies=data.taxonomies, created_at=at, updated_at=at)
                self.profiles.create(profile, [profile_event("profile.created", profile)], slot)
                return profile

            try:
                profile = self.room.create(store_id, slot, make)
                metrics.count(metrics.PROFILES_CREATED)
                return profile
            except Conflict:
                # Created by a concurrent request between our read and our write: same answer.
                existing_id = self.profiles.id_for_email(store_id, data.email)
        existing = self.profiles.get(existing_id) if existing_id else None
        if existing is None:
            raise Conflict("The profile changed meanwhile; try again", "PROFILE.CONFLICT")
        return existing

    def get(self, principal: Principal, store_id: str, profile_id: str) -> Profile:
        """Store, membership and profile in one BatchGetItem."""
        key = self.profiles.item_key(profile_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES, extra=[key])
        return self._in_store(self.profiles.from_item(access.view.extras.get(key)), store_id)

    def detail(self, principal: Principal, store_id: str, profile_id: str) -> ProfileView:
        """The profile, its audience subscriptions and its newest carts and orders.

        Store, membership, profile, its subscription list and its commerce facts in one BatchGetItem: one
        call (the budget of a get by id) for a profile that never had a cart. The carts and the orders are
        each one Query on the profile's index (newest first, DETAIL_LIST_CAP of them), made only when the
        facts say there are some: up to two more calls, for profiles with carts and orders."""
        key, facts_key = self.profiles.item_key(profile_id), self.commerce.facts_key(store_id, profile_id)
        listing = self.subscriptions.listing_key(profile_id) if self.subscriptions else None
        access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES,
                                  extra=[key, facts_key, *([listing] if listing else [])])
        found = access.view.extras
        profile = self._in_store(self.profiles.from_item(found.get(key)), store_id)
        listed = (subscriptions.profile_subscriptions(self.subscriptions.listed_subscriptions(found.get(listing)),
                                                      profile) if self.subscriptions and listing else [])
        facts = self.commerce.facts(found.get(facts_key))
        if facts.promo_usage:  # counted on the facts by checkouts, not on the profile record
            profile = profile.model_copy(update={"promo_usage": facts.promo_usage})
        carts, carts_last = (self.commerce.carts_page(store_id, profile_id, limit=DETAIL_LIST_CAP, after=None)
                             if facts.has_carts else ([], None))
        orders, orders_last = (self.commerce.orders_page(store_id, profile_id, limit=DETAIL_LIST_CAP, after=None)
                               if facts.has_orders else ([], None))
        # The newest form submissions, one more Query, only for a profile that submitted a form.
        submissions = (self.forms.latest_of_profile(store_id, profile_id, limit=DETAIL_LIST_CAP)
                       if facts.has_form_submissions and self.forms is not None else [])
        return ProfileView(profile, listed, carts, _records_cursor(carts_last), orders,
                           _records_cursor(orders_last), submissions)

    def carts(self, principal: Principal, store_id: str, profile_id: str,
              q: ProfileRecordsQuery) -> tuple[list[Cart], str | None]:
        """The profile's carts, newest first: the access check with the profile, then one Query."""
        self.get(principal, store_id, profile_id)
        start = _records_start(q.cursor)
        carts, last = self.commerce.carts_page(store_id, profile_id, limit=q.limit, after=start)
        return carts, _records_cursor(last)

    def orders(self, principal: Principal, store_id: str, profile_id: str,
               q: ProfileRecordsQuery) -> tuple[list[Order], str | None]:
        """The profile's orders, newest first: the access check with the profile, then one Query."""
        self.get(principal, store_id, profile_id)
        start = _records_start(q.cursor)
        orders, last = self.commerce.orders_page(store_id, profile_id, limit=q.limit, after=start)
        return orders, _records_cursor(last)

    def update(self, principal: Principal, store_id: str, profile_id: str, changes: ProfileChanges) -> Profile:
        """Store, membership, profile and the taxonomies its new values name in one BatchGetItem."""
        key = self.profiles.item_key(profile_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES,
                                  extra=[key, *self._taxonomy_keys(store_id, changes.taxonomies)])
        current = self._in_store(self.profiles.from_item(access.view.extras.get(key)), store_id)
        if self.taxonomy_values:
            self.taxonomy_values.check(store_id, changes.taxonomies, access.view.extras)
        given = changes.model_dump(exclude_none=True)
        if not given:
            return current
        if current.verified and "email" in given and given["email"] != current.email:
            given["verified"] = False  # what was verified was the old address
        updated = current.model_validate({**current.model_dump(), **given, "updated_at": now(),
                                          "revision": current.revision + 1})
        self.profiles.update(updated, current, [profile_event("profile.updated", updated,
                                                              changed=sorted(given))])
        return updated

    def _taxonomy_keys(self, store_id: str, entries: list[TaxonomyEntry] | None) -> list[Key]:
        return self.taxonomy_values.keys(store_id, entries) if self.taxonomy_values else []

    def merge(self, principal: Principal, store_id: str, target_id: str, request: MergeRequest) -> Profile:
        """The source is erased (GDPR): record, email marker, index items and sessions."""
        if request.store_id is not None and request.store_id != store_id:
            raise ValidationFailed.on("store_id", "profiles can only be merged within the store in the path")
        if request.source_id == target_id:
            raise ValidationFailed.on("source_id", "a profile cannot be merged into itself")
        target_key, source_key = self.profiles.item_key(target_id), self.profiles.item_key(request.source_id)
        source_facts_key = self.commerce.facts_key(store_id, request.source_id)
        access = self.guard.enter(principal, store_id, Action.DELETE_PROFILES,
                                  extra=[target_key, source_key, source_facts_key])
        target = self._in_store(self.profiles.from_item(access.view.extras.get(target_key)), store_id)
        source = referenced(self.profiles.from_item(access.view.extras.get(source_key)), store_id, "source_id",
                            "profile")
        merged = merge_profiles(target, source, now())
        source_commerce = self.commerce.facts(access.view.extras.get(source_facts_key))
        # The source's carts and orders move first, batch by batch, while it still exists: a merge cut short
        # leaves them with the target, and running it again finishes it.
        self._move_commerce(store_id, source.id, target.id, source_commerce)
        self._move_records(store_id, source.id, target.id)
        events = [
            profile_event("profile.merged", merged, source_id=source.id),
            OutboxEvent.new("profile.deleted", store_id, {"profile_id": source.id, "reason": "merged",
                                                          "merged_into": target.id}),
        ]
        # Every session of the source ends: those its session index shows, and those listed on it (read with it,
        # so one opened too lately for the index is not missed).
        source_sessions = list(dict.fromkeys([*self.profiles.session_keys(source.id),
                                              *[self.sessions.item_key(t.id) for t in source.auth_tokens]]))
        self.profiles.merge(merged, target, source, source_sessions, events,
                            also=self._moved_subscriptions(source, merged))
        if source_commerce.has_activity:
            # A cart or order the source's sessions made while the merge ran; then its facts go too.
            self._move_commerce(store_id, source.id, target.id, source_commerce)
            self.commerce.add_promo_uses(store_id, target.id, source_commerce.promo_usage)
            self.commerce.forget(store_id, source.id)
        # And what was recorded of the source meanwhile (an activity its session tracked before it ended).
        self._move_records(store_id, source.id, target.id)
        if self.photos is not None and source.photo_key and merged.photo_key != source.photo_key:
            self.photos.delete(source.photo_key)  # one more call, only for a source with a picture of its own
        if self.event_log is not None:
            self.event_log.hand_over(store_id, source.id, target.id)  # a Query, and a write per event of the source
        metrics.count(metrics.PROFILES_MERGED)
        metrics.count(metrics.PROFILES_DELETED)  # the source, erased
        metrics.count(metrics.SESSIONS_REVOKED, len(source_sessions))
        return merged

    def _move_records(self, store_id: str, source_id: str, target_id: str) -> None:
        for records in self.records:
            records.move(store_id, source_id, target_id)

    def _move_commerce(self, store_id: str, source_id: str, target_id: str, facts: ProfileCommerce) -> None:
        """More calls on a merge for a source that had carts (a Query, a consistent read and a transaction per
        batch) or orders (a Query and a transaction per batch); none for one that had not."""
        if facts.has_carts:
            self.commerce.move_carts(store_id, source_id, target_id)
        if facts.has_orders:
            self.commerce.move_orders(store_id, source_id, target_id)

    def _moved_subscriptions(self, source: Profile, target: Profile) -> list[Write]:
        """The source's audience subscriptions, re-pointed to the target (the better of two stays),
        and the source's subscription list erased."""
        # Up to two more calls on a merge: a GetItem of the source's subscription list, and of the
        # target's only when the source has any.
        if self.subscriptions is None:
            return []
        erased = self.subscriptions.listing_delete(source.id)
        theirs = self.subscriptions.subscriptions_of(source.id)
        if not theirs:
            return [erased]
        ours = self.subscriptions.subscriptions_of(target.id)
        moved = subscriptions.repointed(theirs, ours, target, now())
        return [erased, *[self.subscriptions.subscription_delete(s) for s in theirs],
                *[self.subscriptions.subscription_write(new, replaced) for new, replaced in moved],
                *([self.subscriptions.listing_write(target.id, listed=[new for new, _ in moved])] if moved else [])]

    def revoke_session(self, principal: Principal, store_id: str, profile_id: str, session_id: str) -> None:
        profile_key, session_key = self.profiles.item_key(profile_id), self.sessions.item_key(session_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES, extra=[profile_key, session_key])
        self.retention.known(store_id, access.store.activity_retention_days)
        profile = self._in_store(self.profiles.from_item(access.view.extras.get(profile_key)), store_id)
        session = self.sessions.from_item(access.view.extras.get(session_key))
        if session is None or session.owner_kind != "profile" or session.owner_id != profile.id:
            raise NotFound("This profile has no such session", "SESSION.NOT_FOUND")
        self._revoke(profile, [session_key], keep=[t for t in profile.auth_tokens if t.id != session_id])

    def revoke_all_sessions(self, principal: Principal, store_id: str, profile_id: str) -> None:
        """Two calls for up to REVOKE_ALL_AT_ONCE sessions: every session of the profile (a Query on the
        owner's session index, so sessions no longer listed on the profile are found too), then one
        transaction that checks the caller's store access and the profile's store, empties the
        profile's listing and deletes them all, so each is refused from that moment on. What the
        Query found is used only once that transaction's checks pass. Either way the transaction that ends the
        sessions records the profile's `sessions_revoked` activity (the store's retention is read once per
        container for it)."""
        session_keys = self.profiles.session_keys(profile_id)
        if len(session_keys) > REVOKE_ALL_AT_ONCE:
            # More than one transaction holds: check access first, delete, then clear the listing.
            profile = self.get(principal, store_id, profile_id)
            self._revoke(profile, session_keys, keep=[])
            return
        checks = self.guard.checks(principal, store_id, Action.MANAGE_PROFILES)
        at = now()
        try:
            self.profiles.revoke_all_sessions(store_id, profile_id, session_keys, at, [
                *checks, *_revoked(store_id, profile_id, len(session_keys), at, self.retention.days(store_id))])
        except AccessRefused:
            raise self.guard.refused(principal, store_id, Action.MANAGE_PROFILES) from None
        metrics.count(metrics.SESSIONS_REVOKED, len(session_keys))

    def _revoke(self, profile: Profile, session_keys: list[Key], keep: list[SessionSummary]) -> None:
        at = now()
        updated = profile.model_copy(update={"auth_tokens": keep, "revision": profile.revision + 1, "updated_at": at})
        self.profiles.revoke_sessions(updated, profile, session_keys, _revoked(
            profile.store_id, profile.id, len(session_keys), at, self.retention.days(profile.store_id)))
        metrics.count(metrics.SESSIONS_REVOKED, len(session_keys))

    def find(self, principal: Principal, store_id: str, q: ProfileQuery) -> tuple[list[Profile], str | None]:
        """A plain list is one Query on the index for its order and status, reading only the page.

        With `query` or `taxonomy_query`, one index drives the page (the first taxonomy condition,
        else the longest query word) in that index's order; the profiles of the page are then read
        together with the access check, and the other conditions and the status filter applied to
        them, so a page may hold fewer than `limit` items while the cursor goes on.

        `has_cart` and `has_activity` filter a page the same way: its profiles' commerce facts items are
        read with the access check (no Scan, still two calls; the facts are kept exact by the cart and
        checkout transactions).
        """
        if q.query or q.taxonomy_query:
            return self._search(principal, store_id, q)
        if not q.by_commerce:
            self.guard.enter(principal, store_id, Action.MANAGE_PROFILES)
        start = cursors.decode(q.cursor, _ListPosition)
        if start and (start.sort != q.sort_field or start.status != q.status):
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        items, last = self.profiles.list_page(store_id, q.sort_field, q.status, forward=q.sort_direction == "asc",
                                              limit=min(q.limit, SEARCH_PAGE_MAX) if q.by_commerce else q.limit,
                                              after=start.key if start else None)
        if q.by_commerce:
            # The page's commerce facts are read with the access check: still two calls.
            facts_keys = {p.id: self.commerce.facts_key(store_id, p.id) for p in items}
            access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES, extra=list(facts_keys.values()))
            items = [p for p in items if self._commerce_matches(access.view.extras.get(facts_keys[p.id]), q)]
        cursor = cursors.encode(_ListPosition(sort=q.sort_field, status=q.status, key=last)) if last else None
        return items, cursor

    def _commerce_matches(self, facts_item: Item | None, q: ProfileQuery) -> bool:
        return profile_commerce.matches(self.commerce.facts(facts_item), q.has_cart, q.has_activity)

    def _search(self, principal: Principal, store_id: str, q: ProfileQuery) -> tuple[list[Profile], str | None]:
        words = search.query_words(q.query or "")
        if q.query is not None and (not words or min(len(w) for w in words) < search.MIN_QUERY):
            raise ValidationFailed.on("query", f"search words need at least {search.MIN_QUERY} characters")
        if q.taxonomy_query:
            tq = q.taxonomy_query[0]
            condition = tq.query[0]
            driver = f"tax:{tq.taxonomy_id}:{condition.key}:{condition.operation}:{condition.value}"
        else:
            word = max(words, key=len)
            driver = f"term:{word}"
        start = cursors.decode(q.cursor, _SearchPosition)
        if start and start.driver != driver:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        after = start.key if start else None
        limit = min(q.limit, FILTERED_SEARCH_PAGE_MAX if q.by_commerce else SEARCH_PAGE_MAX)
        if q.taxonomy_query:
            ids, last = self.profiles.taxonomy_page(store_id, tq.taxonomy_id, condition.key,
                                                    condition.sort_key_range(), forward=q.sort_direction == "asc",
                                                    limit=limit, after=after)
        else:
            ids, last = self.profiles.search_page(store_id, word, limit=limit, after=after)
        item_keys = [self.profiles.item_key(profile_id) for profile_id in ids]
        facts_keys = {profile_id: self.commerce.facts_key(store_id, profile_id) for profile_id in ids
                      if q.by_commerce}
        access = self.guard.enter(principal, store_id, Action.MANAGE_PROFILES,
                                  extra=[*item_keys, *facts_keys.values()])
        found = [p for key in item_keys if (p := self.profiles.from_item(access.view.extras.get(key)))]
        items = [
            p for p in found
            if p.store_id == store_id
            and (q.status is None or p.status == q.status)
            and (not q.taxonomy_query or search.profile_matches(p, q.taxonomy_query))
            and (q.query is None or search.query_matches(p, q.query))
            and (not q.by_commerce or self._commerce_matches(access.view.extras.get(facts_keys[p.id]), q))
        ]
        cursor = cursors.encode(_SearchPosition(driver=driver, key=last)) if last else None
        return items, cursor

    @staticmethod
    def _in_store(profile: Profile | None, store_id: str) -> Profile:
        if profile is None or profile.store_id != store_id:
            raise NotFound(PROFILE_NOT_FOUND, "PROFILE.NOT_FOUND")
        return profile
