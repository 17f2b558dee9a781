"""The composition root: builds each service once per container, on first use.

Imports happen inside the builders so a function only loads the modules of the services it
uses (the scheduler never pays for mail, tokens or email validation at cold start).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from storecrm.config import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    from storecrm.domain.access import StoreGuard
    from storecrm.domain.account_tokens import AccountTokens
    from storecrm.domain.accounts import AccountLogin
    from storecrm.domain.api_clients import ApiClientService
    from storecrm.domain.audience_signup import AudienceSignup
    from storecrm.domain.audiences import AudienceService
    from storecrm.domain.bookings import (
        AvailabilityFinder,
        BookingCatalog,
        CatalogEntryService,
        ServiceProviderService,
    )
    from storecrm.domain.carts import CartService
    from storecrm.domain.clienteling import ClientelingService
    from storecrm.domain.codes import LoginCodes
    from storecrm.domain.consumer_profiles import ConsumerProfiles
    from storecrm.domain.customers import Customers
    from storecrm.domain.delivery import Dispatcher, EventFanout
    from storecrm.domain.due import DueScheduler
    from storecrm.domain.email_templates import EmailTemplateService
    from storecrm.domain.integrations import IntegrationService
    from storecrm.domain.jobs import JobFailures, Scheduler
    from storecrm.domain.locations import LocationService
    from storecrm.domain.markets import MarketService
    from storecrm.domain.media import MediaLibrary
    from storecrm.domain.memberships import StripeEvents
    from storecrm.domain.migrations import Migrations
    from storecrm.domain.models.bookings import Provider, Service
    from storecrm.domain.offers import Eligibility, OfferService
    from storecrm.domain.orders import OrderService
    from storecrm.domain.payments import OrderPayments
    from storecrm.domain.products import ProductCatalog, ProductService
    from storecrm.domain.profile_erasure import ProfileErasure
    from storecrm.domain.profile_sessions import ProfileSessions
    from storecrm.domain.profiles import ProfileService
    from storecrm.domain.sessions import SessionService
    from storecrm.domain.staff_accounts import StaffAccounts
    from storecrm.domain.store_billing import StoreBilling
    from storecrm.domain.store_mail import StoreMail
    from storecrm.domain.storefront import StorefrontService
    from storecrm.domain.stores import StoreService
    from storecrm.domain.team import TeamService
    from storecrm.domain.webhooks import WebhookService
    from storecrm.gateways.outbound import Outbound
    from storecrm.gateways.secret_box import SecretBox
    from storecrm.gateways.stripe_payments import StripePayments
    from storecrm.gateways.webhook_queue import WebhookQueue


@lru_cache(maxsize=1)
def session_service() -> SessionService:
    from storecrm.domain.sessions import SessionService
    from storecrm.gateways.signing_keys import token_signing_keys
    from storecrm.repositories.auth import SessionRepository

    return SessionService(SessionRepository(), token_signing_keys, settings())


@lru_cache(maxsize=1)
def login_codes() -> LoginCodes:
    from storecrm.domain.codes import LoginCodes
    from storecrm.gateways.mail import SesMailer
    from storecrm.gateways.signing_keys import login_code_keys
    from storecrm.repositories.auth import CodeRepository

    return LoginCodes(CodeRepository(), SesMailer(), login_code_keys, settings())


@lru_cache(maxsize=1)
def account_login() -> AccountLogin:
    from storecrm.domain.accounts import AccountLogin
    from storecrm.repositories.accounts import AccountRepository
    from storecrm.repositories.stores import StoreRepository

    return AccountLogin(AccountRepository(), StoreRepository(), login_codes(), session_service())


@lru_cache(maxsize=1)
def profile_sessions() -> ProfileSessions:
    from storecrm.domain.profile_sessions import ProfileSessions
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    return ProfileSessions(ProfileRepository(), StoreRepository(), login_codes(), session_service(),
                           SessionRepository(), AudienceRepository())


@lru_cache(maxsize=1)
def customers() -> Customers:
    from storecrm.domain.customers import Customers
    from storecrm.gateways.mail import SesMailer
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.auth import CodeRepository, SessionRepository
    from storecrm.repositories.email_verifications import EmailVerificationRepository
    from storecrm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    return Customers(ProfileRepository(), StoreRepository(), login_codes(), CodeRepository(), session_service(),
                     SessionRepository(), AudienceRepository(), EmailVerificationRepository(), SesMailer(),
                     ProfilePhotoRepository(), settings())


@lru_cache(maxsize=1)
def offer_service() -> OfferService:
    from storecrm.domain.offers import OfferService
    from storecrm.repositories.offers import OfferRepository

    return OfferService(OfferRepository(), store_guard())


@lru_cache(maxsize=1)
def eligibility() -> Eligibility:
    """Kept per container with the store offers it read (domain.offers.OFFERS_CACHE_SECONDS)."""
    from storecrm.domain.offers import Eligibility
    from storecrm.repositories.offers import OfferRepository

    return Eligibility(OfferRepository(), customers())


@lru_cache(maxsize=1)
def store_guard() -> StoreGuard:
    from storecrm.domain.access import StoreGuard
    from storecrm.repositories.stores import StoreRepository

    return StoreGuard(StoreRepository())


@lru_cache(maxsize=1)
def api_client_service() -> ApiClientService:
    from storecrm.domain.api_clients import ApiClientService
    from storecrm.gateways.signing_keys import token_signing_keys
    from storecrm.repositories.api_clients import ApiClientRepository
    from storecrm.repositories.auth import CodeRepository
    from storecrm.repositories.stores import StoreRepository

    return ApiClientService(ApiClientRepository(), CodeRepository(), StoreRepository(), store_guard(),
                            token_signing_keys, settings())


@lru_cache(maxsize=1)
def clienteling_service() -> ClientelingService:
    from storecrm.domain.clienteling import ClientelingService
    from storecrm.repositories.clienteling import ClientelingRepository
    from storecrm.repositories.locations import LocationRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    return ClientelingService(ClientelingRepository(), ProfileRepository(), LocationRepository(), StoreRepository())


@lru_cache(maxsize=1)
def store_service() -> StoreService:
    from storecrm.domain.stores import StoreService
    from storecrm.repositories.accounts import AccountRepository
    from storecrm.repositories.objects import ObjectStore
    from storecrm.repositories.stores import StoreRepository

    return StoreService(StoreRepository(), AccountRepository(), store_guard(), ObjectStore(),
                        lambda store: store_billing().end_subscription(store))


@lru_cache(maxsize=1)
def store_billing() -> StoreBilling:
    from storecrm.domain.store_billing import StoreBilling
    from storecrm.gateways.platform_stripe import platform_stripe_keys
    from storecrm.repositories.stores import StoreRepository

    def payments() -> StripePayments:
        from storecrm.gateways.stripe_payments import StripePayments

        return StripePayments()

    return StoreBilling(StoreRepository(), store_guard(), platform_stripe_keys, payments)


@lru_cache(maxsize=1)
def account_tokens() -> AccountTokens:
    from storecrm.domain.account_tokens import AccountTokens
    from storecrm.repositories.account_tokens import AccountTokenRepository
    from storecrm.repositories.auth import CodeRepository

    return AccountTokens(AccountTokenRepository(), CodeRepository(), settings())


@lru_cache(maxsize=1)
def staff_accounts() -> StaffAccounts:
    from storecrm.domain.staff_accounts import StaffAccounts
    from storecrm.repositories.account_tokens import AccountTokenRepository
    from storecrm.repositories.stores import StoreRepository

    return StaffAccounts(AccountTokenRepository(), StoreRepository(), store_guard())


@lru_cache(maxsize=1)
def team_service() -> TeamService:
    from storecrm.domain.team import TeamService
    from storecrm.repositories.accounts import AccountRepository
    from storecrm.repositories.stores import StoreRepository

    return TeamService(StoreRepository(), AccountRepository(), store_guard())


@lru_cache(maxsize=1)
def market_service() -> MarketService:
    from storecrm.domain.markets import MarketService
    from storecrm.repositories.integrations import IntegrationRepository
    from storecrm.repositories.markets import MarketRepository

    return MarketService(MarketRepository(), IntegrationRepository(), store_guard())


@lru_cache(maxsize=1)
def location_service() -> LocationService:
    from storecrm.domain.locations import LocationService
    from storecrm.repositories.locations import LocationRepository

    return LocationService(LocationRepository(), store_guard())


@lru_cache(maxsize=1)
def profile_service() -> ProfileService:
    from storecrm.domain.profiles import ProfileService
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.events import ProfileEventLog
    from storecrm.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.repositories.profiles import ProfileRepository

    return ProfileService(ProfileRepository(), SessionRepository(), store_guard(), AudienceRepository(),
                          commerce=ProfileCommerceRepository(), photos=ProfilePhotoRepository(),
                          event_log=ProfileEventLog())


@lru_cache(maxsize=1)
def profile_erasure() -> ProfileErasure:
    from storecrm.domain.profile_erasure import ProfileErasure
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.carts import CartRepository
    from storecrm.repositories.clienteling import ClientelingRepository
    from storecrm.repositories.events import ProfileEventLog
    from storecrm.repositories.orders import OrderRepository
    from storecrm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.repositories.profiles import ProfileRepository

    return ProfileErasure(ProfileRepository(), AudienceRepository(), ClientelingRepository(), ProfilePhotoRepository(),
                          CartRepository(), OrderRepository(), ProfileEventLog())


@lru_cache(maxsize=1)
def consumer_profiles() -> ConsumerProfiles:
    from storecrm.domain.consumer_profiles import ConsumerProfiles
    from storecrm.domain.profile_erasure import ErasureRequests
    from storecrm.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    return ConsumerProfiles(ProfileRepository(), StoreRepository(), ProfileCommerceRepository(),
                            ErasureRequests(ProfileRepository()))


@lru_cache(maxsize=1)
def storefront_service() -> StorefrontService:
    from storecrm.domain.storefront import StorefrontService
    from storecrm.repositories.markets import MarketRepository
    from storecrm.repositories.stores import StoreRepository

    return StorefrontService(StoreRepository(), MarketRepository(), profile_sessions(), session_service())


@lru_cache(maxsize=1)
def secret_box() -> SecretBox:
    from storecrm.gateways.secret_box import KmsSecretBox

    return KmsSecretBox()


@lru_cache(maxsize=1)
def outbound() -> Outbound:
    from storecrm.gateways.outbound import Outbound

    return Outbound(allow_loopback=settings().allow_loopback_webhooks)


@lru_cache(maxsize=1)
def webhook_queue() -> WebhookQueue:
    from storecrm.gateways.webhook_queue import SqsWebhookQueue

    return SqsWebhookQueue()


@lru_cache(maxsize=1)
def media_library() -> MediaLibrary:
    from storecrm.domain.media import MediaLibrary
    from storecrm.repositories.media import MediaRepository
    from storecrm.repositories.objects import ObjectStore

    return MediaLibrary(MediaRepository(), ObjectStore(), store_guard(), settings())


@lru_cache(maxsize=1)
def webhook_service() -> WebhookService:
    from storecrm.domain.webhooks import WebhookService
    from storecrm.repositories.webhooks import WebhookRepository

    return WebhookService(WebhookRepository(), store_guard(), secret_box(), outbound(), webhook_queue(), settings())


@lru_cache(maxsize=1)
def integration_service() -> IntegrationService:
    from storecrm.domain.integrations import IntegrationService
    from storecrm.gateways.oauth import HttpTokenEndpoint
    from storecrm.repositories.integrations import IntegrationRepository

    return IntegrationService(IntegrationRepository(), store_guard(), secret_box(), HttpTokenEndpoint(), settings())


@lru_cache(maxsize=1)
def event_fanout() -> EventFanout:
    from storecrm.domain.delivery import EventFanout
    from storecrm.repositories.webhooks import WebhookRepository

    return EventFanout(WebhookRepository(), webhook_queue())


@lru_cache(maxsize=1)
def dispatcher() -> Dispatcher:
    from storecrm.domain.delivery import Dispatcher
    from storecrm.repositories.webhooks import WebhookRepository

    return Dispatcher(WebhookRepository(), secret_box(), outbound(), settings())


@lru_cache(maxsize=1)
def delivery_idempotency() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    # Keyed on what makes a delivery distinct; the attempt number is not part of it.
    return IdempotencyConfig(event_key_jmespath="[webhook_id, event.id, redelivery]",
                             expires_after_seconds=settings().event_retention, raise_on_no_idempotency_key=True)


@lru_cache(maxsize=1)
def delivery_once() -> Callable[..., dict[str, Any]]:
    """Dispatcher.deliver behind a Powertools idempotency record: a delivered job is never sent again."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    from storecrm.domain.delivery import DeliveryJob
    from storecrm.repositories.idempotency import idempotency_store

    @idempotent_function(data_keyword_argument="job", config=delivery_idempotency(),
                         persistence_store=idempotency_store("webhooks"))
    def deliver(job: dict[str, Any], attempt: int) -> dict[str, Any]:
        return {"status": dispatcher().deliver(DeliveryJob.model_validate(job), attempt)}

    return deliver


@lru_cache(maxsize=1)
def mail_idempotency() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    from storecrm.repositories.mail_outbox import MAIL_RETENTION

    # One record per mail, kept as long as the mail item: the stream hands a record over again within that time.
    return IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=MAIL_RETENTION,
                             raise_on_no_idempotency_key=True)


@lru_cache(maxsize=1)
def mail_once() -> Callable[..., dict[str, Any]]:
    """MailDelivery.send behind a Powertools idempotency record: a mail sent (or refused for good) is never sent
    again, and two copies of one record are not sent at the same time."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    from storecrm.domain.mail_delivery import MailDelivery
    from storecrm.domain.models.mail import OutboxMail
    from storecrm.gateways.mail import SesMailer
    from storecrm.repositories.idempotency import idempotency_store
    from storecrm.repositories.mail_outbox import MailOutbox

    delivery = MailDelivery(SesMailer(), MailOutbox())

    @idempotent_function(data_keyword_argument="mail", config=mail_idempotency(),
                         persistence_store=idempotency_store("mail"))
    def send(mail: dict[str, Any]) -> dict[str, Any]:
        return {"outcome": delivery.send(OutboxMail.model_validate(mail))}

    return send


@lru_cache(maxsize=1)
def product_service() -> ProductService:
    from storecrm.domain.products import ProductService
    from storecrm.repositories.markets import MarketRepository
    from storecrm.repositories.products import ProductRepository

    return ProductService(ProductRepository(), MarketRepository(), store_guard())


@lru_cache(maxsize=1)
def product_catalog() -> ProductCatalog:
    from storecrm.domain.products import ProductCatalog
    from storecrm.repositories.products import ProductRepository
    from storecrm.repositories.stores import StoreRepository

    return ProductCatalog(ProductRepository(), StoreRepository())


@lru_cache(maxsize=1)
def service_catalog_service() -> CatalogEntryService[Service]:
    from storecrm.domain.bookings import CatalogEntryService
    from storecrm.domain.models.bookings import Service
    from storecrm.repositories.bookings import CatalogEntries, ServiceProviderRepository

    return CatalogEntryService(CatalogEntries(Service, "SERVICE"), ServiceProviderRepository(), store_guard())


@lru_cache(maxsize=1)
def provider_service() -> CatalogEntryService[Provider]:
    from storecrm.domain.bookings import CatalogEntryService
    from storecrm.domain.models.bookings import Provider
    from storecrm.repositories.bookings import CatalogEntries, ServiceProviderRepository

    return CatalogEntryService(CatalogEntries(Provider, "PROVIDER"), ServiceProviderRepository(), store_guard())


@lru_cache(maxsize=1)
def service_provider_service() -> ServiceProviderService:
    from storecrm.domain.bookings import ServiceProviderService
    from storecrm.domain.models.bookings import Provider, Service
    from storecrm.repositories.bookings import CatalogEntries, ServiceProviderRepository
    from storecrm.repositories.markets import MarketRepository

    return ServiceProviderService(ServiceProviderRepository(), CatalogEntries(Service, "SERVICE"),
                                  CatalogEntries(Provider, "PROVIDER"), MarketRepository(), store_guard())


@lru_cache(maxsize=1)
def booking_catalog() -> BookingCatalog:
    from storecrm.domain.bookings import BookingCatalog
    from storecrm.domain.models.bookings import Provider, Service
    from storecrm.repositories.bookings import CatalogEntries, ServiceProviderRepository
    from storecrm.repositories.stores import StoreRepository

    return BookingCatalog(CatalogEntries(Service, "SERVICE"), CatalogEntries(Provider, "PROVIDER"),
                          ServiceProviderRepository(), StoreRepository())


@lru_cache(maxsize=1)
def availability_finder() -> AvailabilityFinder:
    from storecrm.domain.bookings import AvailabilityFinder
    from storecrm.domain.models.bookings import Provider, Service
    from storecrm.repositories.bookings import BookingLedger, CatalogEntries, ServiceProviderRepository
    from storecrm.repositories.stores import StoreRepository

    return AvailabilityFinder(CatalogEntries(Service, "SERVICE"), CatalogEntries(Provider, "PROVIDER"),
                              ServiceProviderRepository(), BookingLedger(), StoreRepository(), store_guard())


@lru_cache(maxsize=1)
def store_mail() -> StoreMail:
    """Store mails into the outbox, with the decisions that make them (the mail function sends them)."""
    from storecrm.domain.store_mail import StoreMail
    from storecrm.repositories.email_templates import EmailTemplateRepository
    from storecrm.repositories.mail_outbox import MailOutbox

    return StoreMail(EmailTemplateRepository(), MailOutbox())


@lru_cache(maxsize=1)
def due_scheduler() -> DueScheduler:
    """The every-minute walk through due work; each kind of due item names the work that does it."""
    from storecrm.domain.cart_recovery import CartRecovery
    from storecrm.domain.due import DueScheduler
    from storecrm.domain.reminders import OrderReminders
    from storecrm.repositories import keys
    from storecrm.repositories.bookings import REMINDER_KIND, BookingLedger
    from storecrm.repositories.carts import IDLE_CART_KIND, CartRepository
    from storecrm.repositories.due import DueRepository
    from storecrm.repositories.orders import OrderRepository
    from storecrm.repositories.stores import StoreRepository

    mail = store_mail()
    reminders = OrderReminders(OrderRepository(), BookingLedger(), StoreRepository(), mail)
    recovery = CartRecovery(CartRepository(), StoreRepository(), mail)
    return DueScheduler(DueRepository(), {REMINDER_KIND: reminders, IDLE_CART_KIND: recovery},
                        shards=keys.DUE_SHARDS, failures=job_failures())


@lru_cache(maxsize=1)
def job_failures() -> JobFailures:
    from storecrm.domain.jobs import JobFailures
    from storecrm.repositories.due import JobEntries

    return JobFailures(JobEntries())


@lru_cache(maxsize=1)
def migrations() -> Migrations:
    """Every data migration, in the order they run (domain/migrations.py)."""
    from storecrm.domain.migrations import Migrations, ProfileEntries
    from storecrm.repositories.migrations import MigrationRepository
    from storecrm.repositories.orders import OrderRepository
    from storecrm.repositories.profiles import ProfileRepository

    return Migrations(MigrationRepository(), [ProfileEntries(ProfileRepository(), OrderRepository())])


@lru_cache(maxsize=1)
def scheduler() -> Scheduler:
    """The every-minute run: each step a job at a time (domain/jobs.py), the due minutes, the data migrations."""
    from storecrm.domain.jobs import Scheduler

    steps = [("store_purges", store_service().purge_due), ("payment_holds", order_service().release_due_holds),
             ("media_uploads", media_library().expire_uploads), ("profile_erasures", profile_erasure().erase_due)]
    return Scheduler(steps, due_scheduler(), migrations(), job_failures())


@lru_cache(maxsize=1)
def cart_service() -> CartService:
    from storecrm.domain.carts import CartService
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.bookings import BookingLedger
    from storecrm.repositories.carts import CartRepository
    from storecrm.repositories.markets import MarketRepository
    from storecrm.repositories.products import ProductRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    return CartService(CartRepository(), ProductRepository(), MarketRepository(), SessionRepository(),
                       ProfileRepository(), StoreRepository(), store_guard(), _stripe_account, _stripe_payments,
                       BookingLedger())


def _stripe_account(store_id: str, integration_id: str | None) -> tuple[str, str]:
    """The Stripe integration named (else the store's active one): its id and secret key."""
    account_id, secrets = integration_service().stripe_account(store_id, integration_id)
    return account_id, secrets["secret_key"]


def _stripe_payments() -> StripePayments:
    from storecrm.gateways.stripe_payments import StripePayments

    return StripePayments()


@lru_cache(maxsize=1)
def order_service() -> OrderService:
    from storecrm.domain.orders import OrderService
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.bookings import BookingLedger
    from storecrm.repositories.orders import OrderRepository
    from storecrm.repositories.products import ProductRepository

    return OrderService(OrderRepository(), ProductRepository(), SessionRepository(), store_guard(), BookingLedger(),
                        lambda order: order_payments().end_hold(order))


@lru_cache(maxsize=1)
def order_payments() -> OrderPayments:
    from storecrm.domain.payments import OrderPayments
    from storecrm.repositories.orders import OrderRepository

    return OrderPayments(OrderRepository(), order_service(), _stripe_account, _stripe_payments)


@lru_cache(maxsize=1)
def email_template_service() -> EmailTemplateService:
    from storecrm.domain.email_templates import EmailTemplateService
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.email_templates import EmailTemplateRepository

    return EmailTemplateService(EmailTemplateRepository(), AudienceRepository(), store_guard())


@lru_cache(maxsize=1)
def audience_service() -> AudienceService:
    from storecrm.domain.audiences import AudienceService
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.email_templates import EmailTemplateRepository
    from storecrm.repositories.integrations import IntegrationRepository
    from storecrm.repositories.profiles import ProfileRepository

    return AudienceService(AudienceRepository(), EmailTemplateRepository(), ProfileRepository(),
                           IntegrationRepository(), store_guard())


@lru_cache(maxsize=1)
def audience_signup() -> AudienceSignup:
    from storecrm.domain.audience_signup import AudienceSignup
    from storecrm.domain.memberships import StripeCheckout
    from storecrm.gateways.signing_keys import signing_keys
    from storecrm.gateways.stripe_payments import StripePayments
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.email_templates import EmailTemplateRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    return AudienceSignup(AudienceRepository(), ProfileRepository(), SessionRepository(), StoreRepository(),
                          EmailTemplateRepository(), store_mail(), signing_keys,
                          checkout=StripeCheckout(integration_service(), StripePayments()))


@lru_cache(maxsize=1)
def stripe_events() -> StripeEvents:
    from storecrm.domain.memberships import StripeEvents
    from storecrm.gateways.stripe_payments import StripePayments
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.profiles import ProfileRepository

    return StripeEvents(integration_service(), StripePayments(), AudienceRepository(), ProfileRepository(),
                        order_payments())


def reset() -> None:
    """Forget every cached service and setting (tests change the environment between cases). Every
    builder above is cached, so each is found here rather than kept in a second list."""
    for value in list(globals().values()):
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
