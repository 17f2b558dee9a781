"""A profile's erasure on request (GDPR): it disappears from every dialect at once, and the scheduler erases
what is left of it (sessions, subscriptions, clienteling consents, its picture, commerce facts, the pending
email verification) and tells of it with `profile.deleted`. Orders stay with the store: they are its
commercial records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storecrm import metrics
from storecrm.clock import now
from storecrm.domain.models.events import OutboxEvent
from storecrm.domain.models.profiles import Profile

if TYPE_CHECKING:
    from storecrm.domain.jobs import Jobs
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.clienteling import ClientelingRepository
    from storecrm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.table import Write


class ProfileErasure:
    def __init__(self, profiles: ProfileRepository, subscriptions: AudienceRepository,
                 consents: ClientelingRepository, photos: ProfilePhotoRepository) -> None:
        self.profiles = profiles
        self.subscriptions = subscriptions
        self.consents = consents
        self.photos = photos

    def request(self, profile: Profile) -> None:
        """One transaction (see ProfileRepository.request_deletion); the job is due at once, the scheduler's
        next minute finishes it."""
        self.profiles.request_deletion(profile, due_at=now())

    def erase_due(self) -> Jobs:
        """Finishes the erasures that are due, a job each (see storecrm.domain.jobs). Run by the scheduler; every
        step may run again after a crash (the job goes last)."""
        for store_id, profile_id, photo_key in self.profiles.due_deletions(now()):
            yield self.profiles.deletion_key(profile_id)
            self.consents.forget(store_id, profile_id)
            if photo_key:
                self.photos.delete(photo_key)
            theirs = self.subscriptions.subscriptions_of(profile_id)
            also: list[Write] = [*[self.subscriptions.subscription_delete(s) for s in theirs],
                                 self.subscriptions.listing_delete(profile_id)]
            event = OutboxEvent.new("profile.deleted", store_id, {"profile_id": profile_id,
                                                                  "reason": "erasure_requested"})
            if self.profiles.finish_deletion(store_id, profile_id, also, [event]):
                metrics.count(metrics.PROFILES_DELETED)
