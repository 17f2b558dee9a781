"""A profile's erasure on request (GDPR): it disappears from every dialect at once, and the scheduler erases
what is left of it and tells of it with `profile.deleted`.

What the scheduler does, each step safe to run again after a crash (the job goes last):
- marks the profile erased where the webhook dispatcher looks, so no queued or redriven message of its events is
  sent again, and ends its sessions (no new cart or order can start meanwhile);
- removes its clienteling consents, its picture's object, its carts (names, addresses, emails; each cart is its
  own abandoned-cart due item, so no recovery mail goes out afterwards) and their current-cart markers;
- anonymises its orders (anonymised_order): they are the store's financial records, so amounts, lines, taxes,
  payments and refunds stay, and who bought (email, names, street, phone, forms, session) goes;
- empties the data of its outbox events and webhook delivery log entries (they keep type, ids and times), which a
  redelivery then refuses;
- deletes its form submissions (through `erasers`, the data of contexts above profiles: the CRM's forms);
- deletes its audience subscriptions, commerce facts and pending email verification, then the job, with
  `profile.deleted` (none when the store was deleted meanwhile: its purge takes everything).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from storecrm import metrics
from storecrm.clock import now
from storecrm.kernel.errors import Conflict
from storecrm.kernel.models.addresses import Address
from storecrm.kernel.models.events import OutboxEvent
from storecrm.profiles.models.profiles import Profile

if TYPE_CHECKING:
    from collections.abc import Sequence

    from storecrm.commerce.models.orders import Order
    from storecrm.commerce.repositories.carts import CartRepository
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.crm.repositories.clienteling import ClientelingRepository
    from storecrm.crm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.kernel.jobs import Jobs
    from storecrm.kernel.repositories.events import ProfileEventLog
    from storecrm.kernel.repositories.table import Write
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.profile_records import ProfileRecords
    from storecrm.profiles.repositories.profiles import DueDeletion, ProfileRepository

ERASED = "erased"


def anonymised_address(address: Address | None) -> Address | None:
    """Only where the goods went, as far as tax needs it (country and state); nobody's name, street or contact."""
    if address is None:
        return None
    return Address(country=address.country, state=address.state)


def anonymised_order(order: Order, at: int) -> Order:
    """The order with nothing left of who placed it; what was sold, for how much, taxed and paid how, stays."""
    from storecrm.commerce.models.orders import HistoryEntry, ServiceOrderItem

    items = [i.model_copy(update={"forms": []}) if isinstance(i, ServiceOrderItem) else i for i in order.items]
    return order.model_copy(update={
        "email": None, "session_id": None, "forms": [], "items": items,
        "shipping_address": anonymised_address(order.shipping_address),
        "billing_address": anonymised_address(order.billing_address),
        "history": [*order.history, HistoryEntry(action=ERASED, reason="profile_erased", timestamp=at)],
        "revision": order.revision + 1, "updated_at": at})


def is_anonymised(order: Order) -> bool:
    return any(entry.action == ERASED for entry in order.history)


class ErasureRequests:
    """Asking for an erasure: all an API function needs (without the repositories the scheduler's part reads)."""

    def __init__(self, profiles: ProfileRepository) -> None:
        self.profiles = profiles

    def request(self, profile: Profile) -> None:
        """One transaction (see ProfileRepository.request_deletion); the job is due at once, the scheduler's
        next minute finishes it."""
        self.profiles.request_deletion(profile, due_at=now())


class ProfileErasure(ErasureRequests):
    def __init__(self, profiles: ProfileRepository, subscriptions: AudienceRepository,
                 consents: ClientelingRepository, photos: ProfilePhotoRepository, carts: CartRepository,
                 orders: OrderRepository, event_log: ProfileEventLog, records: Sequence[ProfileRecords] = ()) -> None:
        super().__init__(profiles)
        self.records = records  # other contexts' records of a profile (activities, form submissions)
        self.subscriptions = subscriptions
        self.consents = consents
        self.photos = photos
        self.carts = carts
        self.orders = orders
        self.event_log = event_log

    def erase_due(self) -> Jobs:
        """Finishes the erasures that are due, a job each (see storecrm.kernel.jobs). Run by the scheduler; every
        step may run again after a crash (the job goes last). A job whose order changed meanwhile is left for the
        next run, without counting as a failure."""
        for job in self.profiles.due_deletions(now()):
            yield self.profiles.deletion_key(job.profile_id)
            try:
                done = self._erase(job)
            except Conflict:
                continue  # an order of it changed meanwhile (a staff edit, a payment event): next minute
            if done:
                metrics.count(metrics.PROFILES_DELETED)

    def _erase(self, job: DueDeletion) -> bool:
        store_id, profile_id, at = job.store_id, job.profile_id, now()
        if job.store_exists:  # else its purge takes (took) what lives in the store's partitions
            self.event_log.mark_erased(store_id, profile_id, at)
        self.profiles.end_sessions(profile_id)
        if job.store_exists:
            self.consents.forget(store_id, profile_id)
            if job.photo_key:
                self.photos.delete(job.photo_key)
            self.carts.erase(self.carts.carts_of_profile(store_id, profile_id))
            for order in self.orders.orders_of_profile(store_id, profile_id):
                if not is_anonymised(order):
                    self.orders.transact(self.orders.save_writes(anonymised_order(order, at), order, []))
            self.event_log.redact(store_id, profile_id, at)
            for records in self.records:
                records.erase(store_id, profile_id)
        # With the store gone, its purge takes the subscriptions (in its audiences' partitions); only the list
        # beside the profile is left to go.
        theirs = self.subscriptions.subscriptions_of(profile_id) if job.store_exists else []
        also: list[Write] = [*[self.subscriptions.subscription_delete(s) for s in theirs],
                             self.subscriptions.listing_delete(profile_id)]
        event = OutboxEvent.new("profile.deleted", store_id, {"profile_id": profile_id,
                                                              "reason": "erasure_requested"})
        done = self.profiles.finish_deletion(store_id, profile_id, also, [event])
        if done and job.store_exists:
            # Once more, now that nothing can add to them (a store event about it read from the stream meanwhile).
            for records in self.records:
                records.erase(store_id, profile_id)
        return done
