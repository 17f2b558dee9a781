"""Customers who sign in with a password (or a mailed code) and manage their own profile.

The rules behind the Pelcro-style dialect, over the same store-scoped profile the arky routes use:
registering creates a profile (email marker, search terms, `profile.created`), a login opens a
profile session, and the customer's token is a token of that session with a kind of its own
("customer"), checked against the session on every use, so a logout or a staff revocation ends it
at once. Each customer gets a store-wide customer number (the profile's display id, or beside it when
the NewStore dialect gave the profile a display id of letters).
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode, urlsplit

from pydantic import AfterValidator, Field, model_validator

from storecrm.clock import now
from storecrm.config import Settings
from storecrm.crm import pictures
from storecrm.crm.models.customers import EmailVerification
from storecrm.identity import passwords
from storecrm.identity.auth import Principal, RateLimit, hash_secret
from storecrm.identity.codes import CodeScope, LoginCodes
from storecrm.identity.models.accounts import CodeSummary, Session
from storecrm.identity.sessions import PendingSession, SessionService
from storecrm.kernel.errors import NotFound, Unauthorized, ValidationFailed
from storecrm.kernel.fields import Command, Email
from storecrm.kernel.models.events import OutboxEvent
from storecrm.messaging.models.audiences import Subscription
from storecrm.messaging.profile_sessions import (
    LISTED,
    check_live_session,
    end_listed_session,
    listing_session,
    session_summary,
    store_budget,
)
from storecrm.messaging.subscriptions import profile_subscriptions
from storecrm.profiles.activity_items import RetentionCache, activity_writes
from storecrm.profiles.email_proof import EmailProof, EmailProofs
from storecrm.profiles.models.profiles import Profile, profile_event
from storecrm.profiles.profile_room import ProfileRoom
from storecrm.stores.link_origins import mail_link
from storecrm.stores.plan_limits import ProfileSlot

if TYPE_CHECKING:
    from storecrm.crm.repositories.email_verifications import EmailVerificationRepository
    from storecrm.crm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.identity.repositories.auth import CodeRepository, SessionRepository
    from storecrm.kernel.gateways.mail import Mailer
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.stores import StoreRepository

# One answer for an unknown email or username, a profile without a password and a wrong password.
INVALID_CREDENTIALS = "Invalid credentials"
# A mailed email-verification token: `{profileId}.{secret}`, valid this long, spent by its first use.
EMAIL_TOKEN_TTL = 24 * 3600
EMAIL_TOKEN = re.compile(r"^[A-Za-z0-9-]{1,64}\.[A-Za-z0-9_-]{20,100}$")
BAD_EMAIL_TOKEN = ValidationFailed.on("email_verify_token", "is invalid, used or expired")

Password = Annotated[str, Field(max_length=passwords.MAX_LENGTH), AfterValidator(passwords.check_password)]
AnyPassword = Annotated[str, Field(min_length=1, max_length=passwords.MAX_LENGTH)]
# Every password field is declared with repr=False: a model's repr is what debug logs show (Powertools
# logs a route's arguments at DEBUG), and a password must never reach a log.
Username = Annotated[str, Field(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Name = Annotated[str, Field(max_length=100)]
Phone = Annotated[str, Field(max_length=40, pattern=r"^\+?[0-9 ()./-]{3,40}$")]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Metadata = Annotated[dict[str, str | int | float | bool | None], Field(max_length=50)]


class _CustomerCommand(Command):
    # Passwords are taken as typed: a space at either end is part of them.
    model_config = {"extra": "ignore", "str_strip_whitespace": False}


class NewCustomer(_CustomerCommand):
    email: Email
    password: Password = Field(repr=False)
    first_name: Name | None = None
    last_name: Name | None = None
    display_name: Name | None = None
    username: Username | None = None
    phone: Phone | None = None
    language: LanguageCode | None = None
    metadata: Metadata = Field(default_factory=dict)


class CustomerChanges(_CustomerCommand):
    """Only the fields sent change; a name, phone or language sent as null is removed."""

    email: Email | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    display_name: Name | None = None
    username: Username | None = None
    phone: Phone | None = None
    language: LanguageCode | None = None
    metadata: Metadata | None = None
    password: Password | None = Field(default=None, repr=False)
    current_password: AnyPassword | None = Field(default=None, repr=False)

    @model_validator(mode="after")
    def _no_null_credentials(self) -> CustomerChanges:
        for name in ("email", "password", "metadata"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class Credentials(_CustomerCommand):
    """Email or username, and the password."""

    email: Email | None = None
    username: str | None = Field(default=None, max_length=50)
    password: AnyPassword = Field(repr=False)

    @model_validator(mode="after")
    def _one_name(self) -> Credentials:
        if (self.email is None) == (self.username is None):
            raise ValueError("send either email or username")
        return self


@dataclass(frozen=True)
class CustomerView:
    """A customer as the dialect shows them: the profile, its audience subscriptions and the session."""

    profile: Profile
    subscriptions: list[Subscription]
    session: Session
    token: str | None = None  # a new token for the session, when the answer hands one out
    photo_url: str | None = None  # a presigned link to the picture, for a while (`picture_link_ttl`)

    @property
    def number(self) -> int:
        """The customer number (every profile a customer session opens on has one: `_open`)."""
        return customer_number(self.profile)


def customer_number(profile: Profile) -> int:
    """The Pelcro dialect's integer id: the display id when that is a number, else the number kept beside it."""
    if profile.customer_number is not None:
        return profile.customer_number
    assert profile.display_id is not None and profile.display_id.isdigit()
    return int(profile.display_id)


def customer_session_id(caller: Principal, store_id: str) -> str:
    """The session of a customer token of this store; any other token (staff, an arky profile
    session, another store's customer) is a 401."""
    if caller.kind != "customer" or caller.store_id != store_id or not caller.session_id:
        raise Unauthorized("This token is not a customer session of this site", "GENERAL.INVALID_TOKEN")
    return caller.session_id


class Customers:
    def __init__(self, profiles: ProfileRepository, stores: StoreRepository, codes: LoginCodes,
                 counters: CodeRepository, sessions: SessionService, session_store: SessionRepository,
                 subscriptions: AudienceRepository, verifications: EmailVerificationRepository, mailer: Mailer,
                 photos: ProfilePhotoRepository, config: Settings) -> None:
        self.profiles = profiles
        self.stores = stores
        self.codes = codes
        self.counters = counters
        self.sessions = sessions
        self.session_store = session_store
        self.subscriptions = subscriptions
        self.verifications = verifications
        self.mailer = mailer
        self.photos = photos
        self.config = config
        self.room = ProfileRoom(profiles, stores)
        self.proofs = EmailProofs(profiles, session_store)
        # The store's activity retention, for the activities a sign-up or sign-in records in its transaction.
        self.retention = RetentionCache(stores)

    # ------------------------------------------------------------------ signing in
    def register(self, store_id: str, data: NewCustomer) -> CustomerView:
        """A new profile with a password and its first session, in one transaction (a taken email or
        username fails it). Two calls: the customer number (which also proves the store exists), then
        the transaction."""
        first = self.room.read(store_id)  # under a plan's profile cap: one more call, and the 402 at the cap
        number = self.stores.next_customer_number(store_id)
        days = self.retention.days(store_id)
        password_hash = passwords.hash_password(data.password)

        def make(slot: ProfileSlot | None) -> CustomerView:
            pending = self._prepare(self.room.new_id(slot), store_id)
            at = pending.session.created_at
            profile = Profile(
                id=pending.session.owner_id, store_id=store_id, email=data.email, display_id=str(number),
                password_hash=password_hash, first_name=data.first_name, last_name=data.last_name,
                display_name=data.display_name, username=data.username, phone=data.phone, language=data.language,
                metadata=data.metadata, origin_session_id=pending.session.id,
                auth_tokens=[session_summary(pending)], created_at=at, updated_at=at)
            self.session_store.create(pending.session, [*self.profiles.create_writes(
                profile, [profile_event("profile.created", profile)], slot),
                *activity_writes(store_id, profile.id, "signup", at=at, retention_days=days)])
            return self._view(profile, [], pending.session)

        return self.room.create(store_id, first, make)

    def login(self, store_id: str, credentials: Credentials, source_ip: str) -> CustomerView:
        """Every failure is the same 401. Each attempt is counted per account (its email and username alike;
        the name given when it names none) and per source address BEFORE the password is checked
        (`login_failures_allowed` in `login_failure_window`), so however many arrive at once no more than that
        are checked in a window; once either is used up, every attempt is a 429 until the window ends, a
        right password included. A right password gives its count back in the transaction that logs in, so
        the limits count failures (and attempts under way).

        Four calls (budget 2): the account's marker, the attempt counted, the profile with its subscription
        list, the session's transaction; a failure stops after the third."""
        name = credentials.email or (credentials.username or "").lower()
        marker = (self.profiles.email_key(store_id, credentials.email) if credentials.email
                  else self.profiles.username_key(store_id, name))
        _, _, found = self.profiles.load(None, store_id, None, extra=[marker])
        profile_id = self.profiles.id_from_marker(found.get(marker))
        limits = self._login_limits(store_id, f"profile:{profile_id}" if profile_id else f"name:{name}", source_ip)
        at = now()
        self.counters.count(limits, at)
        profile, listed = self._with_subscriptions(profile_id, store_id)
        if profile is None or not profile.password_hash:
            passwords.burn_time(credentials.password)  # as long as a wrong password takes
            raise Unauthorized(INVALID_CREDENTIALS, "CUSTOMER.INVALID_CREDENTIALS")
        if not passwords.password_matches(credentials.password, profile.password_hash):
            raise Unauthorized(INVALID_CREDENTIALS, "CUSTOMER.INVALID_CREDENTIALS")
        changes: dict[str, object] = {}
        if passwords.needs_upgrade(profile.password_hash):
            changes["password_hash"] = passwords.hash_password(credentials.password)
        return self._open(profile, listed, changes,
                          also=[self.counters.check_back_write(limit, at) for limit in limits], activities=("signin",))

    def request_code(self, store_id: str, email: str, source_ip: str, redirect_url: str | None = None) -> None:
        """Mails a login code, whether or not the email has a profile, with the limits of the arky codes; the
        store's existence is checked in the code's own transaction. With `redirect_url` on one of the store's
        allowed origins the mail also carries a link to it with `email` and `token` added (another origin is a
        400; a store that lists none gets the code alone): one more read, the store."""
        page = None
        if redirect_url is not None:
            store = self.stores.get(store_id)
            page = mail_link(store, redirect_url, "redirect_url") if store is not None else None
        self.codes.send(code_scope(store_id), email, source_ip, also=[self.stores.exists_check(store_id)],
                        link_for=_link_maker(page, "token", email=email))

    def login_with_code(self, store_id: str, email: str, code: str) -> CustomerView:
        """A correct code logs in to the profile that has the email (one is created if none has) and
        proves the email: the first proof ends what others did with it (`EmailProofs`: a password registered
        before goes, with every session). A profile made by the arky flows gets its customer number here."""
        checked = self.codes.check(code_scope(store_id), email, code)
        writes = [*self.codes.consume_writes(checked), self.stores.exists_check(store_id)]
        used = CodeSummary(created_at=checked.record.created_at, used=True)
        profile, listed = self._with_subscriptions(self.profiles.id_for_email(store_id, email), store_id)
        if profile is None:
            first = self.room.read(store_id)
            number = self.stores.next_customer_number(store_id)
            days = self.retention.days(store_id)

            def make(slot: ProfileSlot | None) -> CustomerView:
                pending = self._prepare(self.room.new_id(slot), store_id)
                at = pending.session.created_at
                created = Profile(id=pending.session.owner_id, store_id=store_id, email=email, verified=True,
                                  display_id=str(number), origin_session_id=pending.session.id,
                                  auth_tokens=[session_summary(pending)], verification_codes=[used],
                                  created_at=at, updated_at=at)
                self.session_store.create(pending.session, [*writes, *self.profiles.create_writes(
                    created, [profile_event("profile.created", created)], slot), *activity_writes(
                    store_id, created.id, ("signup", "verified_email"), at=at, retention_days=days)])
                return self._view(created, [], pending.session)

            return self.room.create(store_id, first, make)
        proof = self.proofs.prove(profile)
        changes: dict[str, object] = {"verification_codes": [used, *profile.verification_codes][:LISTED]}
        return self._open(profile, listed, changes, also=[*writes, *proof.ends], proof=proof,
                          activities=("signin", "verified_email") if proof.first else ("signin",))

    def logout(self, store_id: str, caller: Principal) -> None:
        """Ends the token's session; its tokens stop working at once. An ended session is a 401."""
        session_id = customer_session_id(caller, store_id)
        if not end_listed_session(self.profiles, self.session_store, store_id, caller.subject, session_id):
            raise Unauthorized("The session has ended; start a new one", "GENERAL.INVALID_TOKEN")

    # ------------------------------------------------------------------ the customer
    def current(self, store_id: str, caller: Principal) -> CustomerView:
        """The caller's profile, session and subscription list in one BatchGetItem (budget 1)."""
        profile, session, listed, _ = self._current(store_id, caller)
        return self._view(profile, listed, session, token=False)

    def refresh(self, store_id: str, caller: Principal) -> CustomerView:
        """A new token, the session prolonged to a full lifetime: the read, then one write."""
        profile, session, listed, _ = self._current(store_id, caller)
        return self._view(profile, listed, self.sessions.prolong(session, self.config.customer_session_ttl))

    def update(self, store_id: str, caller: Principal, changes: CustomerChanges,
               redirect_url: str | None = None) -> CustomerView:
        """Changes only what was sent, and hands out a new token: the read, then one transaction that
        also moves the email and username markers (a taken one fails it) and prolongs the session. A
        changed email is unconfirmed, and a verification token for it is mailed (a third call), unless the
        new address had its share of verification mails lately (`_recipient_limit`): then the change is made
        and no mail goes out (the customer asks again later with GET /customer/email/verify)."""
        at = now()
        new_email = changes.email if "email" in changes.model_fields_set else None
        recipient = self._recipient_limit(new_email) if new_email else None
        wanted = [self.stores.item_key(store_id), *([self.counters.counter_key(recipient, at)] if recipient else [])]
        profile, session, listed, found = self._current(store_id, caller, extra=wanted)
        page = self._page(found, store_id, redirect_url)
        sent = changes.model_fields_set & set(CustomerChanges.model_fields)  # a dialect's own fields aside
        given = {name: getattr(changes, name) for name in sent - {"password", "current_password"}}
        email_changes = "email" in given and given["email"] != profile.email
        checked_back: list[Write] = []
        if profile.password_hash and ("password" in sent or email_changes):
            # A session alone (a stolen token) does not change what logs in: the password does.
            checked_back = self._current_password(profile, changes.current_password)
        if "password" in sent:
            assert changes.password is not None
            given["password_hash"] = passwords.hash_password(changes.password)
        if email_changes:
            given["verified"] = False  # what was confirmed was the old address
        changed = sorted(name for name, value in given.items() if getattr(profile, name) != value)
        lifetime = self.config.customer_session_ttl
        if not changed:
            return self._view(profile, listed, self.sessions.prolong(session, lifetime, checked_back))
        updated = profile.model_copy(update={**given, "revision": profile.revision + 1, "updated_at": now()})
        shown = [name for name in changed if name != "password_hash"]  # events never carry credentials
        events = [profile_event("profile.updated", updated, changed=shown)] if shown else []
        writes = [*self.profiles.update_writes(updated, profile, events), *checked_back]
        token = None
        if "email" in changed and recipient is not None and (
                self.counters.exhausted(recipient, found.get(self.counters.counter_key(recipient, at)), at) is None):
            # The new address gets its verification mail; the token is stored, and the mail counted against the
            # address's limit, in the same transaction.
            record, token = self._verification_token(updated)
            writes += [self.verifications.issue_write(record), self.counters.count_write(recipient, at)]
        prolonged = self.sessions.prolong(session, lifetime, writes)
        if token is not None:
            self._mail_verification(updated, token, page)
        return self._view(updated, listed, prolonged)

    def _current_password(self, profile: Profile, given: str | None) -> list[Write]:
        """Checks the current password an email or password change needs, counted first against the account's
        login limit like a login (a 429 once used up); a wrong or missing one is a 400 on `current_password`.
        Answers the write that gives the check back, for the change's transaction (one more call)."""
        if given is None:
            raise ValidationFailed.on("current_password", "is required to change the email or the password")
        assert profile.password_hash is not None
        limits = self._login_limits(profile.store_id, f"profile:{profile.id}", None)
        at = now()
        self.counters.count(limits, at)
        if not passwords.password_matches(given, profile.password_hash):
            raise ValidationFailed.on("current_password", "does not match the current password")
        return [self.counters.check_back_write(limit, at) for limit in limits]

    # ------------------------------------------------------------------ picture
    def set_picture(self, store_id: str, caller: Principal, data: bytes) -> CustomerView:
        """Stores an acceptable picture (`pictures.check_picture`) under a new name, then points the profile
        at it; the previous picture is deleted once nothing points at it. Three calls, four with a
        previous picture."""
        picture = pictures.check_picture(data)
        profile, session, listed, _ = self._current(store_id, caller)
        key = self.photos.new_key(store_id, profile.id, picture.extension)
        self.photos.put(key, data, picture.mime_type)
        try:
            updated = self._photo_changed(profile, key)
        except Exception:
            self.photos.delete(key)  # nothing points at it
            raise
        return self._view(updated, listed, session, token=False)

    def remove_picture(self, store_id: str, caller: Principal) -> CustomerView:
        """The profile without its picture, and the picture deleted (nothing to do without one)."""
        profile, session, listed, _ = self._current(store_id, caller)
        updated = self._photo_changed(profile, None) if profile.photo_key else profile
        return self._view(updated, listed, session, token=False)

    def _photo_changed(self, profile: Profile, key: str | None) -> Profile:
        updated = profile.model_copy(update={"photo_key": key, "revision": profile.revision + 1, "updated_at": now()})
        self.profiles.update(updated, profile, [])
        if profile.photo_key:
            self.photos.delete(profile.photo_key)
        return updated

    # ------------------------------------------------------------------ email verification
    def request_email_verification(self, store_id: str, caller: Principal, redirect_url: str | None = None) -> None:
        """Mails a token that proves the customer's email (replacing any earlier one); 404 when the email
        is confirmed already. Limited per customer and per address (`_recipient_limit`: whichever site or profile
        asks), 429 when either is used up. Three calls: the customer, the store and the counters, the token
        stored and counted in one transaction, the mail."""
        at = now()
        limit = RateLimit("email-verify", f"{store_id}#{caller.subject}", self.config.code_requests_per_email,
                          self.config.rate_window)
        counter = self.counters.counter_key(limit, at)
        profile, _, _, found = self._current(store_id, caller, extra=[counter, self.stores.item_key(store_id)])
        if profile.verified or not profile.email:
            raise NotFound("The email is already confirmed" if profile.email else "There is no email to confirm",
                           "CUSTOMER.EMAIL_CONFIRMED")
        page = self._page(found, store_id, redirect_url)
        # The address's counter is not read first (the address is known once the profile is): its count's
        # condition refuses a used-up one in the transaction, the same 429.
        recipient = self._recipient_limit(profile.email)
        refused = self.counters.exhausted(limit, found.get(counter), at)
        if refused:
            raise refused
        record, token = self._verification_token(profile)
        self.verifications.issue(record, also=[self.counters.count_write(limit, at),
                                               self.counters.count_write(recipient, at)])
        self._mail_verification(profile, token, page)

    def confirm_email(self, store_id: str, token: str) -> Profile:
        """Confirms the email a mailed token was made for, if it is still the profile's email; the token
        is spent in the same transaction (a replay, or a token of another site, is a 400). Two calls."""
        profile_id, _, secret = token.partition(".")
        if not EMAIL_TOKEN.match(token):
            raise BAD_EMAIL_TOKEN
        key = self.verifications.item_key(profile_id)
        profile, _, found = self.profiles.load(profile_id, store_id, None, extra=[key])
        record = self.verifications.from_item(found.get(key))
        if (profile is None or record is None or profile.store_id != store_id or record.store_id != store_id
                or record.expires_at <= now() or record.email != profile.email
                or not hmac.compare_digest(hash_secret(secret), record.secret_hash)):
            raise BAD_EMAIL_TOKEN
        if profile.verified:
            self.verifications.consume(record, BAD_EMAIL_TOKEN, also=[])
            return profile
        # The first proof of the address (a third call: its sessions): whoever set the password may not own it.
        proof = self.proofs.prove(profile)
        updated = proof.profile.model_copy(update={"revision": profile.revision + 1, "updated_at": now()})
        self.verifications.consume(record, BAD_EMAIL_TOKEN, also=[*self.profiles.update_writes(
            updated, profile, [profile_event("profile.updated", updated, changed=["verified"])]), *proof.ends])
        return updated

    def _verification_token(self, profile: Profile) -> tuple[EmailVerification, str]:
        assert profile.email is not None
        secret = secrets.token_urlsafe(32)
        at = now()
        record = EmailVerification(profile_id=profile.id, store_id=profile.store_id, email=profile.email,
                                   secret_hash=hash_secret(secret), created_at=at, expires_at=at + EMAIL_TOKEN_TTL)
        return record, f"{profile.id}.{secret}"

    def _recipient_limit(self, email: str) -> RateLimit:
        """Verification mails to one address, whichever site or profile asks for them (anyone may register or
        change a customer to any address): as many as code requests, per window."""
        return RateLimit("email-verify-to", email, self.config.code_requests_per_email, self.config.rate_window)

    def _page(self, found: dict[Key, Item], store_id: str, redirect_url: str | None) -> str | None:
        """The page a mailed link may open: `redirect_url` when its origin is one of the store's allowed origins
        (another is a 400 naming it); none when not given or the store lists none (the token alone, as text)."""
        store = self.stores.from_item(found.get(self.stores.item_key(store_id)))
        return mail_link(store, redirect_url, "redirect_url") if store is not None else None

    def _mail_verification(self, profile: Profile, token: str, page: str | None) -> None:
        assert profile.email is not None
        link_for = _link_maker(page, "email_verify_token")
        link = f"\n\nOr open this link: {link_for(token)}" if link_for else ""
        hours = EMAIL_TOKEN_TTL // 3600
        self.mailer.send(
            profile.email, "Confirm your email address",
            f"Your email verification token is {token}{link}\n\nIt works once, for {hours} hours. If you did "
            "not create an account with this address, do not confirm it: ignore this mail.")

    # ------------------------------------------------------------------ helpers
    def _current(self, store_id: str, caller: Principal, extra: Sequence[Key] = ()
                 ) -> tuple[Profile, Session, list[Subscription], dict[Key, Item]]:
        """The caller's profile, live session and subscriptions, with the `extra` items, in one BatchGetItem."""
        session_id = customer_session_id(caller, store_id)
        session_key = self.session_store.item_key(session_id)
        listing = self.subscriptions.listing_key(caller.subject)
        profile, _, found = self.profiles.load(caller.subject, store_id, None, extra=[session_key, listing, *extra])
        session = self.session_store.from_item(found.get(session_key))
        check_live_session(session, profile, store_id)
        assert profile is not None and session is not None
        return profile, session, profile_subscriptions(
            self.subscriptions.listed_subscriptions(found.get(listing)), profile), found

    def _prepare(self, profile_id: str, store_id: str) -> PendingSession:
        # A password or a code proved who this is: the session sees the whole profile.
        return self.sessions.prepare("profile", profile_id, store_id=store_id, verified=True,
                                     lifetime=self.config.customer_session_ttl)

    def _with_subscriptions(self, profile_id: str | None, store_id: str) -> tuple[Profile | None, list[Subscription]]:
        """A profile of this store and its audience subscriptions, in one BatchGetItem."""
        if profile_id is None:
            return None, []
        listing = self.subscriptions.listing_key(profile_id)
        profile, _, found = self.profiles.load(profile_id, store_id, None, extra=[listing])
        if profile is None or profile.store_id != store_id:
            return None, []
        return profile, profile_subscriptions(
            self.subscriptions.listed_subscriptions(found.get(listing)), profile)

    def _open(self, profile: Profile, listed: list[Subscription], changes: dict[str, object],
              also: Sequence[Write] = (), proof: EmailProof | None = None,
              activities: Sequence[str] = ()) -> CustomerView:
        """A new session on an existing profile, listed on it in the same transaction (with `changes`, the
        email's `proof` when the session proved it, and the profile's `activities`)."""
        if profile.display_id is None:
            changes = {**changes, "display_id": str(self.stores.next_customer_number(profile.store_id))}
        elif not profile.display_id.isdigit() and profile.customer_number is None:
            changes = {**changes, "customer_number": self.stores.next_customer_number(profile.store_id)}
        pending = self._prepare(profile.id, profile.store_id)
        updated = listing_session(proof.profile if proof else profile, pending, changes)
        events: list[OutboxEvent] = []
        if proof is not None and proof.first:
            events.append(profile_event("profile.updated", updated, changed=["verified"]))
        recorded = activity_writes(profile.store_id, profile.id, activities, at=pending.session.created_at,
                                   retention_days=self.retention.days(profile.store_id)) if activities else []
        self.session_store.create(pending.session, [*also, *self.profiles.update_writes(updated, profile, events),
                                                    *recorded])
        return self._view(updated, listed, pending.session)

    def _view(self, profile: Profile, subscriptions: list[Subscription], session: Session,
              token: bool = True) -> CustomerView:
        issued = self.sessions.customer_token(session)[0] if token else None
        photo = self.photos.link(profile.photo_key, self.config.picture_link_ttl) if profile.photo_key else None
        return CustomerView(profile, subscriptions, session, issued, photo)

    def _login_limits(self, store_id: str, account: str, source_ip: str | None) -> list[RateLimit]:
        """Password checks per account (`profile:{id}`, or `name:{name}` for a name nobody has) and per source
        address (none for a check by the account's own session)."""
        allowed, window = self.config.login_failures_allowed, self.config.login_failure_window
        return [RateLimit("login-account", f"{store_id}#{account}", allowed, window),
                *([RateLimit("login-ip", f"{store_id}#{source_ip}", allowed, window)] if source_ip else [])]



def _link_maker(page: str | None, token_name: str, **fixed: str) -> Callable[[str], str] | None:
    """What turns a mailed token into a link to `page` (None without a page): the page's own query is kept, and
    `fixed` and the token (as `token_name`) are added to it."""
    if page is None:
        return None
    joiner = "&" if urlsplit(page).query else "?"
    return lambda token: f"{page}{joiner}{urlencode({**fixed, token_name: token})}"


def code_scope(store_id: str) -> CodeScope:
    """Customer codes are their own: an arky profile code does not log in here, nor the reverse. Both count
    against the store's one budget per email (`store_budget`)."""
    return CodeScope(f"customer#{store_id}", budget=store_budget(store_id))
