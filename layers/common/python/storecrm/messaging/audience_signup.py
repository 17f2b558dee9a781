"""Audiences as shoppers use them: the storefront's reads of active audiences, subscribe (single or
double opt-in; paid through a checkout port), confirm and unsubscribe links from mail, and the access check.

The reads are public. Subscribe and access need a profile session of the store, which may only act
for its own profile; the session is read in the same BatchGetItem as the audience and the
subscription, so a revoked session stops at once. A session that only named an email is shown a
subscription only if it may see it (profile_sessions.sees_record): one it created itself.

A double opt-in subscribe is something anyone can make the store do to any address (connect it, then subscribe),
so its confirmation mail is store mail with a recipient rule (storecrm.messaging.store_mail): it goes to the outbox in
the transaction that stores the pending subscription, counts against the store's daily quota, and an address gets
at most one per audience within 24 hours. A subscribe within those 24 hours answers as before and mails nothing:
the pending subscription keeps the token of the mail already sent, so that mail's link still confirms it. Every
confirmation mail carries List-Unsubscribe headers (RFC 8058) with its unsubscribe link, which also takes the
one-click POST. Links built from a caller's URL (`confirm_url`, Stripe's `success_url` and `cancel_url`) must lead
to one of the store's allowed origins (storecrm.stores.link_origins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode, urlsplit

from pydantic import AliasChoices, Field

from storecrm import metrics
from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal, SigningKeys, own_session_id
from storecrm.identity.models.accounts import Session
from storecrm.kernel.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from storecrm.kernel.fields import Command, ReturnUrl
from storecrm.messaging import audience_tokens
from storecrm.messaging.audience_tokens import AudienceToken, InvalidLink
from storecrm.messaging.audiences import AUDIENCE_NOT_FOUND, AudienceLookup, AudienceQuery
from storecrm.messaging.models.audiences import (
    Audience,
    AudiencePrice,
    ConfirmationAudience,
    PaidAudience,
    Subscription,
)
from storecrm.messaging.profile_sessions import check_live_session, sees_record, sees_whole_profile
from storecrm.messaging.store_mail import MailDecision, StoreMail, unsubscribe_headers
from storecrm.messaging.subscriptions import SUBSCRIBED, grants_access, new_subscription, subscriber_added
from storecrm.messaging.template_rendering import MailContent
from storecrm.profiles.activity_items import RetentionCache, activity_writes
from storecrm.profiles.models.profiles import Profile
from storecrm.stores.link_origins import mail_link, redirect_target

if TYPE_CHECKING:
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.messaging.models.email_templates import EmailTemplate
    from storecrm.messaging.models.mail import OutboxMail
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.models.stores import Store
    from storecrm.stores.repositories.stores import StoreRepository

ACTIVE_STATES = frozenset({"pending", "active", "cancellation_scheduled"})


class SubscribeRequest(Command):
    profile_id: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("profile_id", "profileId"))
    price_id: str | None = Field(default=None, max_length=100, validation_alias=AliasChoices("price_id", "priceId"))
    success_url: ReturnUrl | None = Field(default=None, validation_alias=AliasChoices("success_url", "successUrl"))
    cancel_url: ReturnUrl | None = Field(default=None, validation_alias=AliasChoices("cancel_url", "cancelUrl"))
    confirm_url: ReturnUrl | None = Field(default=None, validation_alias=AliasChoices("confirm_url", "confirmUrl"),
                                          description="Base URL of the confirmation link (double opt-in audiences): "
                                                      "used when its origin is one of the store's allowed_origins; "
                                                      "without it, or when the store lists none, the mail links to "
                                                      "this API's own confirm route")


class CheckoutPort(Protocol):
    """Starts a payment for a paid audience and answers the URL to send the shopper to.

    Not wired yet: the payment integration (Stripe) plugs in here, and owns what a paid
    subscription records (status, price_id, external_subscription_id, current_period_end).
    """

    def start_checkout(self, store_id: str, audience: Audience, price: AudiencePrice, profile: Profile,
                       session_id: str, success_url: str | None, cancel_url: str | None) -> str:
        """`session_id` is the subscribing session, which the subscription the payment creates records."""
        ...


@dataclass(frozen=True)
class SubscribeResult:
    subscription: Subscription | None = None
    checkout_url: str | None = None
    # The profile has a subscription this session may not see; verifying by code would show it.
    verification_required: bool = False


@dataclass(frozen=True)
class AccessResult:
    has_access: bool
    subscription: Subscription | None
    # No subscription this session may see, while one it may not see could exist: verifying settles it.
    verification_required: bool = False


def recipient_scope(audience: Audience) -> str:
    """The recipient rule's scope of a confirmation mail: one per address and audience a day."""
    return f"audience#{audience.id}"


def with_token(url: str, token: str) -> str:
    """`url` with `token=...` appended to its query."""
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode({'token': token})}"


class AudienceSignup:
    def __init__(self, audiences: AudienceRepository, profiles: ProfileRepository, sessions: SessionRepository,
                 stores: StoreRepository, templates: EmailTemplateRepository, mail: StoreMail,
                 signing: Callable[[], SigningKeys], checkout: CheckoutPort | None) -> None:
        self.audiences = audiences
        self.profiles = profiles
        self.sessions = sessions
        self.stores = stores
        self.templates = templates
        self.mail = mail
        self.signing = signing
        self.checkout = checkout
        self.lookup = AudienceLookup(audiences)
        self.retention = RetentionCache(stores)

    def subscribe(self, store_id: str, caller: Principal, ref: str, request: SubscribeRequest,
                  links_base: str) -> SubscribeResult:
        """Standard: active at once (2 calls). Double opt-in: pending, with its mail in the outbox; the template and
        the recipient's mark are read once the audience names them, so 3 calls (read, read, write). Paid: a checkout
        URL."""
        session_id = own_session_id(caller, store_id)
        if request.profile_id != caller.subject:
            raise Forbidden("A session may only subscribe its own profile", "PROFILE.FORBIDDEN")
        store_key = self.stores.item_key(store_id)
        profile_key = self.profiles.item_key(caller.subject)
        guessed = self.audiences.subscription_key(ref, caller.subject)
        found = self.audiences.load([store_key, profile_key, self.sessions.item_key(session_id),
                                     *self.lookup.keys(store_id, ref), guessed])
        profile, session = self._live(found, profile_key, session_id, store_id)
        audience = self.lookup.pick(store_id, ref, found)
        if audience.status != "active":
            raise Conflict("This audience is not open for subscriptions", "AUDIENCE.NOT_ACTIVE")
        store = self.stores.from_item(found.get(store_key))
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        existing = self._subscription(found, audience, profile.id, guessed)
        # A subscription the session may not see is neither shown nor continued: a pending one is
        # replaced by the session's own, an active one left as it is.
        own = existing if existing is not None and sees_record(profile, session, existing.origin_session_id) else None
        if existing is not None and existing.status in SUBSCRIBED:
            metrics.count(metrics.AUDIENCE_SUBSCRIPTIONS, outcome="already_subscribed")
            return SubscribeResult(subscription=own, verification_required=own is None)
        if isinstance(audience.type, PaidAudience):
            checkout_url = self._checkout(store, audience, audience.type, profile, session, request)
            metrics.count(metrics.AUDIENCE_SUBSCRIPTIONS, outcome="checkout_started")
            return SubscribeResult(checkout_url=checkout_url)
        at = now()
        pending = own if own is not None and own.status == "pending" else None
        if isinstance(audience.type, ConfirmationAudience):
            if not profile.email:
                raise ValidationFailed.on("profile_id", "the profile has no email yet; connect one first")
            confirm_page = mail_link(store, request.confirm_url, "confirm_url")
            asked = self._ask_confirmation(store, audience, audience.type, profile, session, existing, pending,
                                           confirm_page, links_base, at)
            return SubscribeResult(subscription=asked)
        subscription = self._activated(audience, profile, session, existing, pending, at)
        self.audiences.save_subscription(subscription, existing, [subscriber_added(audience, subscription)])
        metrics.count(metrics.AUDIENCE_SUBSCRIPTIONS, outcome="subscribed")
        return SubscribeResult(subscription=subscription)

    def confirm(self, store_id: str, raw_token: str) -> None:
        """Activates the pending subscription this mail was sent for; the link works once."""
        token, audience, existing = self._from_link(store_id, raw_token, "confirm")
        if existing is None or existing.status != "pending" or existing.pending_token != token.id:
            raise InvalidLink()
        at = now()
        subscription = existing.model_copy(update={"status": "active", "pending_token": None,
                                                   "revision": existing.revision + 1, "updated_at": at})
        self.audiences.save_subscription(subscription, existing, [subscriber_added(audience, subscription)],
                                         also=[self.audiences.token_use_write(token.id, token.expires_at),
                                               *self._activity(audience, existing, "audience_confirmed", at)])
        metrics.count(metrics.AUDIENCE_SUBSCRIPTIONS, outcome="confirmed")

    def unsubscribe(self, store_id: str, raw_token: str) -> None:
        token, audience, existing = self._from_link(store_id, raw_token, "unsubscribe")
        if existing is None or existing.status not in ACTIVE_STATES:
            raise InvalidLink("There is no subscription left to cancel with this link")
        if isinstance(audience.type, PaidAudience):
            raise Conflict("Paid memberships are cancelled through billing", "SUBSCRIPTION.PAID")
        at = now()
        subscription = existing.model_copy(update={"status": "cancelled", "pending_token": None,
                                                   "revision": existing.revision + 1, "updated_at": at})
        self.audiences.save_subscription(subscription, existing,
                                         also=[self.audiences.token_use_write(token.id, token.expires_at),
                                               *self._activity(audience, existing, "audience_unsubscribed", at)])
        metrics.count(metrics.AUDIENCE_SUBSCRIPTIONS, outcome="unsubscribed")

    def access(self, store_id: str, caller: Principal, ref: str) -> AccessResult:
        """The bearer's own subscription and whether it grants access: one BatchGetItem for an id.

        A session that may not see the subscription gets the answer it would get without one, whether
        or not one exists, so the answer does not tell a member from anyone else."""
        session_id = own_session_id(caller, store_id)
        guessed = self.audiences.subscription_key(ref, caller.subject)
        profile_key = self.profiles.item_key(caller.subject)
        found = self.audiences.load([profile_key, self.sessions.item_key(session_id),
                                     *self.lookup.keys(store_id, ref), guessed])
        profile, session = self._live(found, profile_key, session_id, store_id)
        audience = self.lookup.pick(store_id, ref, found)
        subscription = self._subscription(found, audience, caller.subject, guessed)
        if subscription is not None and not sees_record(profile, session, subscription.origin_session_id):
            subscription = None
        return AccessResult(grants_access(subscription, now()), subscription,
                            verification_required=subscription is None and not sees_whole_profile(profile, session))

    # ------------------------------------------------------------------ storefront reads
    def shown(self, store_id: str, ref: str) -> Audience:
        """An active audience by id or key, as a storefront shows it (one BatchGetItem for an id); drafts
        and archived ones answer like unknown ones."""
        audience = self.lookup.pick(store_id, ref, self._with_store(store_id, self.lookup.keys(store_id, ref)))
        if audience.status != "active":
            raise NotFound(AUDIENCE_NOT_FOUND, "AUDIENCE.NOT_FOUND")
        return audience

    def listed(self, store_id: str, q: AudienceQuery) -> tuple[list[Audience], str | None]:
        """The store's active audiences, found as staff find them (AudienceLookup.find)."""
        found, cursor = self.lookup.find(store_id, q, lambda wanted: self._with_store(store_id, wanted))
        return [a for a in found if a.status == "active"], cursor

    # ------------------------------------------------------------------ helpers
    def _live(self, found: dict[Key, Item], profile_key: Key, session_id: str,
              store_id: str) -> tuple[Profile, Session]:
        """The caller's profile and session from a read that asked for both; an ended session is a 401."""
        profile = self.profiles.from_item(found.get(profile_key))
        session = self.sessions.from_item(found.get(self.sessions.item_key(session_id)))
        check_live_session(session, profile, store_id)
        assert profile is not None and session is not None
        return profile, session

    def _with_store(self, store_id: str, wanted: list[Key]) -> dict[Key, Item]:
        """`wanted` read together with the store, whose audiences outlive it only until the purge."""
        store_key = self.stores.item_key(store_id)
        found = self.audiences.load([store_key, *wanted])
        if store_key not in found:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        return found

    @staticmethod
    def _activated(audience: Audience, profile: Profile, session: Session, existing: Subscription | None,
                   pending: Subscription | None, at: int) -> Subscription:
        """The session's own `pending` one made active, else a new one that replaces `existing`."""
        if pending is not None:
            return pending.model_copy(update={"status": "active", "pending_token": None, "email": profile.email,
                                              "revision": pending.revision + 1, "updated_at": at})
        return new_subscription(audience, profile, "active", "signup", at, existing, session.id)

    def _ask_confirmation(self, store: Store, audience: Audience, kind: ConfirmationAudience,
                          profile: Profile, session: Session, existing: Subscription | None,
                          pending: Subscription | None, confirm_page: str | None, links_base: str,
                          at: int) -> Subscription:
        """Pending, with the one token that may confirm it, and its mail in the outbox. The mail links to
        `confirm_page` (an allowed origin's page) or else to this API's confirm route.

        Asking again for the session's own `pending` one replaces the earlier mail's token; otherwise a new one
        replaces `existing`. When no mail goes out (the address had this audience's mail within 24 hours, or the
        store's quota is used up), the pending subscription keeps the token of the last mail sent, if any."""
        assert profile.email
        scope = recipient_scope(audience)
        template_key = self.templates.item_key(audience.store_id, kind.confirm_template_id)
        marker_key = self.mail.recipient_key(store.id, scope, profile.email)
        found = self.audiences.load([template_key, marker_key])
        template = self.templates.from_item(found.get(template_key))
        if template is None:  # deleted after the audience was read: it is single opt-in now
            raise Conflict("The audience changed meanwhile; try again", "AUDIENCE.CONFLICT")
        if self.mail.mailed_lately(found.get(marker_key), at):
            self.mail.stopped(store, "confirmation", "recipient_limited")
            return self._pending_without_mail(audience, profile, session, existing, pending, at, also=[])
        signing = self.signing()
        confirm = AudienceToken.new("confirm", audience.store_id, audience.id, profile.id, at)
        leave = AudienceToken.new("unsubscribe", audience.store_id, audience.id, profile.id, at)
        mail = self._confirmation_mail(store, audience, template, profile.email, confirm_page, links_base,
                                       audience_tokens.issue(confirm, signing), audience_tokens.issue(leave, signing),
                                       at, profile.id)

        def commit(decision: MailDecision) -> Subscription:
            if not decision.mailed:
                return self._pending_without_mail(audience, profile, session, existing, pending, at,
                                                  also=decision.writes)
            if pending is not None:
                asked = pending.model_copy(update={"pending_token": confirm.id, "email": profile.email,
                                                   "revision": pending.revision + 1, "updated_at": at})
            else:
                asked = new_subscription(audience, profile, "pending", "signup", at, existing, session.id)
                asked = asked.model_copy(update={"pending_token": confirm.id})
            self.audiences.save_subscription(asked, existing, also=decision.writes)
            return asked

        asked, outcome = self.mail.queue(store, mail, commit, once_per=scope)
        if outcome == "queued":
            metrics.count(metrics.AUDIENCE_SUBSCRIPTIONS, outcome="confirmation_sent")
        return asked

    def _confirmation_mail(self, store: Store, audience: Audience, template: EmailTemplate, to: str,
                           confirm_page: str | None, links_base: str, confirm_token: str, leave_token: str,
                           at: int, profile_id: str) -> OutboxMail:
        confirm_url = with_token(confirm_page or f"{links_base}/v1/stores/{audience.store_id}/audiences/confirm",
                                 confirm_token)
        unsubscribe_url = with_token(f"{links_base}/v1/stores/{audience.store_id}/audiences/unsubscribe", leave_token)
        return self.mail.compose(store, "confirmation", to, template, MailContent.of(template), {
            "confirm_url": confirm_url, "unsubscribe_url": unsubscribe_url, "email": to, "store_name": store.key,
            "audience_key": audience.key}, at, headers=unsubscribe_headers(unsubscribe_url), profile_id=profile_id)

    def _pending_without_mail(self, audience: Audience, profile: Profile, session: Session,
                              existing: Subscription | None, pending: Subscription | None, at: int,
                              also: list[Write]) -> Subscription:
        """The pending subscription when no confirmation mail goes out: the session's own as it is; else one that
        replaces `existing` and keeps its token when that was pending for the same address (the link already
        mailed still confirms it), or gets a token nobody was sent."""
        if pending is not None and pending.email == profile.email and not also:
            return pending  # nothing changes: no write
        if pending is not None and pending.email == profile.email:
            asked = pending.model_copy(update={"revision": pending.revision + 1, "updated_at": at})
        else:
            kept = existing.pending_token if (existing is not None and existing.status == "pending"
                                              and existing.email == profile.email) else None
            asked = new_subscription(audience, profile, "pending", "signup", at, existing, session.id)
            asked = asked.model_copy(update={"pending_token": kept or new_id()})
        self.audiences.save_subscription(asked, existing, also=also)
        return asked

    def _checkout(self, store: Store, audience: Audience, kind: PaidAudience, profile: Profile, session: Session,
                  request: SubscribeRequest) -> str:
        if request.price_id is None:
            raise ValidationFailed.on("price_id", "is required for a paid audience")
        price = next((p for p in kind.prices if p.id == request.price_id), None)
        if price is None:
            raise ValidationFailed.on("price_id", "is not a price of this audience")
        if request.success_url is None:
            raise ValidationFailed.on("success_url", "is required for a paid audience")
        # Stripe sends the payer back to these: only to the store's own origins.
        success_url = redirect_target(store, request.success_url, "success_url")
        cancel_url = redirect_target(store, request.cancel_url, "cancel_url") if request.cancel_url else None
        if self.checkout is None:
            raise Unavailable("Paid audiences need a payment integration, and none is set up yet")
        return self.checkout.start_checkout(audience.store_id, audience, price, profile, session.id,
                                            success_url, cancel_url)

    def _from_link(self, store_id: str, raw_token: str,
                   kind: audience_tokens.TokenKind) -> tuple[AudienceToken, Audience, Subscription | None]:
        token = audience_tokens.read(raw_token, kind, self.signing(), now())
        if token.store_id != store_id:
            raise InvalidLink()
        audience_key = self.audiences.item_key(store_id, token.audience_id)
        sub_key = self.audiences.subscription_key(token.audience_id, token.profile_id)
        store_key = self.stores.item_key(store_id)  # its activity retention, for the link's activity
        found = self.audiences.load([audience_key, sub_key, store_key])
        audience = self.audiences.from_item(found.get(audience_key))
        if audience is None:
            raise NotFound("Audience not found", "AUDIENCE.NOT_FOUND")
        store = self.stores.from_item(found.get(store_key))
        if store is not None:
            self.retention.known(store_id, store.activity_retention_days)
        return token, audience, self.audiences.subscription_from_item(found.get(sub_key))

    def _activity(self, audience: Audience, subscription: Subscription, type_: str, at: int) -> list[Write]:
        """The profile's activity of a mailed link (`audience_confirmed`, `audience_unsubscribed`), for the
        transaction the link's change makes."""
        return activity_writes(audience.store_id, subscription.profile_id, type_,
                               {"audience_id": audience.id, "audience_key": audience.key}, at=at,
                               retention_days=self.retention.days(audience.store_id))

    def _subscription(self, found: dict[Key, Item], audience: Audience, profile_id: str,
                      guessed: Key) -> Subscription | None:
        key = self.audiences.subscription_key(audience.id, profile_id)
        if key == guessed:
            return self.audiences.subscription_from_item(found.get(key))
        return self.audiences.get_subscription(audience.id, profile_id)  # found by key: one more read
