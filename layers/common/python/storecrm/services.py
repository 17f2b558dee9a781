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

    from storecrm.bookings.bookings import (
        AvailabilityFinder,
        BookingCatalog,
        CatalogEntryService,
        ServiceProviderService,
    )
    from storecrm.bookings.models.bookings import Provider, Service
    from storecrm.catalog.markets import MarketService
    from storecrm.catalog.products import ProductCatalog, ProductService
    from storecrm.commerce.carts import CartService
    from storecrm.commerce.fulfilment import Fulfilment
    from storecrm.commerce.gateways.shippo import ShippoGateway
    from storecrm.commerce.memberships import StripeEvents
    from storecrm.commerce.orders import OrderService
    from storecrm.commerce.payments import OrderPayments
    from storecrm.commerce.promo_codes import PromoCodeService
    from storecrm.crm.activities import ActivityService, EventActivities
    from storecrm.crm.clienteling import ClientelingService
    from storecrm.crm.consumer_profiles import ConsumerProfiles
    from storecrm.crm.customers import Customers
    from storecrm.crm.forms import FormEntries, FormService, StorefrontForms
    from storecrm.crm.offers import Eligibility, OfferService
    from storecrm.crm.profile_erasure import ProfileErasure
    from storecrm.crm.profiles import ProfileService
    from storecrm.crm.storefront import StorefrontService
    from storecrm.identity.account_tokens import AccountTokens
    from storecrm.identity.codes import LoginCodes
    from storecrm.identity.sessions import SessionService
    from storecrm.integrations.delivery import Dispatcher, EventFanout, WebhookQueue
    from storecrm.integrations.gateways.secret_box import SecretBox
    from storecrm.integrations.integrations import IntegrationService
    from storecrm.integrations.webhooks import WebhookService
    from storecrm.kernel.due import DueScheduler
    from storecrm.kernel.gateways.outbound import Outbound
    from storecrm.kernel.gateways.stripe_payments import StripePayments
    from storecrm.kernel.job_failures import JobFailures
    from storecrm.kernel.jobs import Scheduler
    from storecrm.kernel.migrations import Migrations
    from storecrm.media.media import MediaLibrary
    from storecrm.messaging.audience_signup import AudienceSignup
    from storecrm.messaging.audiences import AudienceService
    from storecrm.messaging.email_templates import EmailTemplateService
    from storecrm.messaging.profile_sessions import ProfileSessions
    from storecrm.messaging.store_mail import StoreMail
    from storecrm.profiles.taxonomies import TaxonomyService, TaxonomyValues
    from storecrm.stores.access import StoreGuard
    from storecrm.stores.accounts import AccountLogin
    from storecrm.stores.api_clients import ApiClientService
    from storecrm.stores.locations import LocationService
    from storecrm.stores.staff_accounts import StaffAccounts
    from storecrm.stores.store_billing import StoreBilling
    from storecrm.stores.stores import StoreService
    from storecrm.stores.team import TeamService


@lru_cache(maxsize=1)
def session_service() -> SessionService:
    from storecrm.identity.gateways.signing_keys import token_signing_keys
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.identity.sessions import SessionService

    return SessionService(SessionRepository(), token_signing_keys, settings())


@lru_cache(maxsize=1)
def login_codes() -> LoginCodes:
    from storecrm.identity.codes import LoginCodes
    from storecrm.identity.gateways.signing_keys import login_code_keys
    from storecrm.identity.repositories.auth import CodeRepository
    from storecrm.kernel.gateways.mail import SesMailer

    return LoginCodes(CodeRepository(), SesMailer(), login_code_keys, settings())


@lru_cache(maxsize=1)
def account_login() -> AccountLogin:
    from storecrm.identity.repositories.accounts import AccountRepository
    from storecrm.stores.accounts import AccountLogin
    from storecrm.stores.repositories.stores import StoreRepository

    return AccountLogin(AccountRepository(), StoreRepository(), login_codes(), session_service())


@lru_cache(maxsize=1)
def profile_sessions() -> ProfileSessions:
    from storecrm.commerce.newest_records import NewestRecords
    from storecrm.commerce.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.messaging.profile_sessions import ProfileSessions
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return ProfileSessions(ProfileRepository(), StoreRepository(), login_codes(), session_service(),
                           SessionRepository(), AudienceRepository(), NewestRecords(ProfileCommerceRepository()))


@lru_cache(maxsize=1)
def customers() -> Customers:
    from storecrm.crm.customers import Customers
    from storecrm.crm.repositories.email_verifications import EmailVerificationRepository
    from storecrm.crm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.identity.repositories.auth import CodeRepository, SessionRepository
    from storecrm.kernel.gateways.mail import SesMailer
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return Customers(ProfileRepository(), StoreRepository(), login_codes(), CodeRepository(), session_service(),
                     SessionRepository(), AudienceRepository(), EmailVerificationRepository(), SesMailer(),
                     ProfilePhotoRepository(), settings())


@lru_cache(maxsize=1)
def offer_service() -> OfferService:
    from storecrm.crm.offers import OfferService
    from storecrm.crm.repositories.offers import OfferRepository

    return OfferService(OfferRepository(), store_guard())


@lru_cache(maxsize=1)
def eligibility() -> Eligibility:
    """Kept per container with the store offers it read (crm.offers.OFFERS_CACHE_SECONDS)."""
    from storecrm.crm.offers import Eligibility
    from storecrm.crm.repositories.offers import OfferRepository

    return Eligibility(OfferRepository(), customers())


@lru_cache(maxsize=1)
def store_guard() -> StoreGuard:
    from storecrm.stores.access import StoreGuard
    from storecrm.stores.repositories.stores import StoreRepository

    return StoreGuard(StoreRepository())


@lru_cache(maxsize=1)
def api_client_service() -> ApiClientService:
    from storecrm.identity.gateways.signing_keys import token_signing_keys
    from storecrm.identity.repositories.auth import CodeRepository
    from storecrm.stores.api_clients import ApiClientService
    from storecrm.stores.repositories.api_clients import ApiClientRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return ApiClientService(ApiClientRepository(), CodeRepository(), StoreRepository(), store_guard(),
                            token_signing_keys, settings())


@lru_cache(maxsize=1)
def clienteling_service() -> ClientelingService:
    from storecrm.crm.clienteling import ClientelingService
    from storecrm.crm.repositories.clienteling import ClientelingRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.locations import LocationRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return ClientelingService(ClientelingRepository(), ProfileRepository(), LocationRepository(), StoreRepository())


@lru_cache(maxsize=1)
def store_service() -> StoreService:
    from storecrm.identity.repositories.accounts import AccountRepository
    from storecrm.kernel.repositories.objects import ObjectStore
    from storecrm.profiles.repositories.profiles import index_keys
    from storecrm.stores.repositories.stores import StoreRepository
    from storecrm.stores.stores import StoreService

    return StoreService(StoreRepository(), AccountRepository(), store_guard(), ObjectStore(),
                        lambda store: store_billing().end_subscription(store), index_keys)


@lru_cache(maxsize=1)
def store_billing() -> StoreBilling:
    from storecrm.stores.gateways.platform_stripe import platform_stripe_keys
    from storecrm.stores.repositories.stores import StoreRepository
    from storecrm.stores.store_billing import StoreBilling

    def payments() -> StripePayments:
        from storecrm.kernel.gateways.stripe_payments import StripePayments

        return StripePayments()

    return StoreBilling(StoreRepository(), store_guard(), platform_stripe_keys, payments)


@lru_cache(maxsize=1)
def account_tokens() -> AccountTokens:
    from storecrm.identity.account_tokens import AccountTokens
    from storecrm.identity.repositories.account_tokens import AccountTokenRepository
    from storecrm.identity.repositories.auth import CodeRepository

    return AccountTokens(AccountTokenRepository(), CodeRepository(), settings())


@lru_cache(maxsize=1)
def staff_accounts() -> StaffAccounts:
    from storecrm.identity.repositories.account_tokens import AccountTokenRepository
    from storecrm.stores.repositories.stores import StoreRepository
    from storecrm.stores.staff_accounts import StaffAccounts

    return StaffAccounts(AccountTokenRepository(), StoreRepository(), store_guard())


@lru_cache(maxsize=1)
def team_service() -> TeamService:
    from storecrm.identity.repositories.accounts import AccountRepository
    from storecrm.stores.repositories.stores import StoreRepository
    from storecrm.stores.team import TeamService

    return TeamService(StoreRepository(), AccountRepository(), store_guard())


@lru_cache(maxsize=1)
def market_service() -> MarketService:
    from storecrm.catalog.markets import MarketService
    from storecrm.integrations.repositories.integrations import IntegrationRepository
    from storecrm.stores.repositories.markets import MarketRepository

    return MarketService(MarketRepository(), IntegrationRepository(), store_guard())


@lru_cache(maxsize=1)
def location_service() -> LocationService:
    from storecrm.stores.locations import LocationService
    from storecrm.stores.repositories.locations import LocationRepository

    return LocationService(LocationRepository(), store_guard())


@lru_cache(maxsize=1)
def profile_service() -> ProfileService:
    from storecrm.commerce.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.crm.profiles import ProfileService
    from storecrm.crm.repositories.activities import ActivityRepository
    from storecrm.crm.repositories.forms import FormRepository
    from storecrm.crm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.repositories.events import ProfileEventLog
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository

    return ProfileService(ProfileRepository(), SessionRepository(), store_guard(), AudienceRepository(),
                          commerce=ProfileCommerceRepository(), photos=ProfilePhotoRepository(),
                          event_log=ProfileEventLog(), taxonomy_values=taxonomy_values(),
                          records=[ActivityRepository(), FormRepository()], forms=FormRepository())


@lru_cache(maxsize=1)
def profile_erasure() -> ProfileErasure:
    from storecrm.commerce.repositories.carts import CartRepository
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.crm.profile_erasure import ProfileErasure
    from storecrm.crm.repositories.activities import ActivityRepository
    from storecrm.crm.repositories.clienteling import ClientelingRepository
    from storecrm.crm.repositories.forms import FormRepository
    from storecrm.crm.repositories.profile_photos import ProfilePhotoRepository
    from storecrm.kernel.repositories.events import ProfileEventLog
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository

    return ProfileErasure(ProfileRepository(), AudienceRepository(), ClientelingRepository(), ProfilePhotoRepository(),
                          CartRepository(), OrderRepository(), ProfileEventLog(),
                          records=[ActivityRepository(), FormRepository()])


@lru_cache(maxsize=1)
def consumer_profiles() -> ConsumerProfiles:
    from storecrm.commerce.repositories.profile_commerce import ProfileCommerceRepository
    from storecrm.crm.consumer_profiles import ConsumerProfiles
    from storecrm.crm.profile_erasure import ErasureRequests
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return ConsumerProfiles(ProfileRepository(), StoreRepository(), ProfileCommerceRepository(),
                            ErasureRequests(ProfileRepository()))


@lru_cache(maxsize=1)
def storefront_service() -> StorefrontService:
    from storecrm.crm.storefront import StorefrontService
    from storecrm.stores.repositories.markets import MarketRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return StorefrontService(StoreRepository(), MarketRepository(), profile_sessions(), session_service())


@lru_cache(maxsize=1)
def secret_box() -> SecretBox:
    from storecrm.integrations.gateways.secret_box import KmsSecretBox

    return KmsSecretBox()


@lru_cache(maxsize=1)
def outbound() -> Outbound:
    from storecrm.kernel.gateways.outbound import Outbound

    return Outbound(allow_loopback=settings().allow_loopback_webhooks)


@lru_cache(maxsize=1)
def webhook_queue() -> WebhookQueue:
    from storecrm.integrations.gateways.webhook_queue import SqsWebhookQueue

    return SqsWebhookQueue()


@lru_cache(maxsize=1)
def media_library() -> MediaLibrary:
    from storecrm.kernel.repositories.objects import ObjectStore
    from storecrm.media.media import MediaLibrary
    from storecrm.media.repositories.media import MediaRepository

    return MediaLibrary(MediaRepository(), ObjectStore(), store_guard(), settings(), fetcher=outbound)


@lru_cache(maxsize=1)
def webhook_service() -> WebhookService:
    from storecrm.integrations.repositories.webhooks import WebhookRepository
    from storecrm.integrations.webhooks import WebhookService

    return WebhookService(WebhookRepository(), store_guard(), secret_box(), outbound(), webhook_queue(), settings())


@lru_cache(maxsize=1)
def integration_service() -> IntegrationService:
    from storecrm.integrations.gateways.oauth import HttpTokenEndpoint
    from storecrm.integrations.integrations import IntegrationService
    from storecrm.integrations.repositories.integrations import IntegrationRepository

    return IntegrationService(IntegrationRepository(), store_guard(), secret_box(), HttpTokenEndpoint(), settings())


@lru_cache(maxsize=1)
def event_fanout() -> EventFanout:
    from storecrm.integrations.delivery import EventFanout
    from storecrm.integrations.repositories.webhooks import WebhookRepository

    return EventFanout(WebhookRepository(), webhook_queue())


@lru_cache(maxsize=1)
def activity_service() -> ActivityService:
    from storecrm.crm.activities import ActivityService
    from storecrm.crm.repositories.activities import ActivityRepository
    from storecrm.identity.gateways.signing_keys import signing_keys
    from storecrm.identity.repositories.auth import CodeRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return ActivityService(ActivityRepository(), StoreRepository(), CodeRepository(), store_guard(), signing_keys,
                           settings())


@lru_cache(maxsize=1)
def event_activities() -> EventActivities:
    from storecrm.crm.activities import EventActivities
    from storecrm.crm.repositories.activities import ActivityRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return EventActivities(ActivityRepository(), StoreRepository())


@lru_cache(maxsize=1)
def dispatcher() -> Dispatcher:
    from storecrm.integrations.delivery import Dispatcher
    from storecrm.integrations.repositories.webhooks import WebhookRepository

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

    from storecrm.integrations.delivery import DeliveryJob
    from storecrm.kernel.repositories.idempotency import idempotency_store

    @idempotent_function(data_keyword_argument="job", config=delivery_idempotency(),
                         persistence_store=idempotency_store("webhooks"))
    def deliver(job: dict[str, Any], attempt: int) -> dict[str, Any]:
        return {"status": dispatcher().deliver(DeliveryJob.model_validate(job), attempt)}

    return deliver


@lru_cache(maxsize=1)
def mail_idempotency() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    from storecrm.messaging.repositories.mail_outbox import MAIL_RETENTION

    # One record per mail, kept as long as the mail item: the stream hands a record over again within that time.
    return IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=MAIL_RETENTION,
                             raise_on_no_idempotency_key=True)


@lru_cache(maxsize=1)
def mail_once() -> Callable[..., dict[str, Any]]:
    """MailDelivery.send behind a Powertools idempotency record: a mail sent (or refused for good) is never sent
    again, and two copies of one record are not sent at the same time."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    from storecrm.identity.gateways.signing_keys import signing_keys
    from storecrm.kernel.gateways.mail import SesMailer
    from storecrm.kernel.repositories.idempotency import idempotency_store
    from storecrm.messaging.mail_delivery import MailDelivery
    from storecrm.messaging.models.mail import OutboxMail
    from storecrm.messaging.repositories.mail_outbox import MailOutbox

    delivery = MailDelivery(SesMailer(), MailOutbox(), signing_keys, settings().public_api_base_url)

    @idempotent_function(data_keyword_argument="mail", config=mail_idempotency(),
                         persistence_store=idempotency_store("mail"))
    def send(mail: dict[str, Any]) -> dict[str, Any]:
        return {"outcome": delivery.send(OutboxMail.model_validate(mail))}

    return send


@lru_cache(maxsize=1)
def product_service() -> ProductService:
    from storecrm.catalog.products import ProductService
    from storecrm.catalog.repositories.products import ProductRepository
    from storecrm.stores.repositories.markets import MarketRepository

    return ProductService(ProductRepository(), MarketRepository(), store_guard(), taxonomy_values())


@lru_cache(maxsize=1)
def product_catalog() -> ProductCatalog:
    from storecrm.catalog.products import ProductCatalog
    from storecrm.catalog.repositories.products import ProductRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return ProductCatalog(ProductRepository(), StoreRepository())


@lru_cache(maxsize=1)
def service_catalog_service() -> CatalogEntryService[Service]:
    from storecrm.bookings.bookings import CatalogEntryService
    from storecrm.bookings.models.bookings import Service
    from storecrm.bookings.repositories.bookings import CatalogEntries, ServiceProviderRepository

    return CatalogEntryService(CatalogEntries(Service, "SERVICE"), ServiceProviderRepository(), store_guard(),
                               taxonomy_values())


@lru_cache(maxsize=1)
def provider_service() -> CatalogEntryService[Provider]:
    from storecrm.bookings.bookings import CatalogEntryService
    from storecrm.bookings.models.bookings import Provider
    from storecrm.bookings.repositories.bookings import CatalogEntries, ServiceProviderRepository

    return CatalogEntryService(CatalogEntries(Provider, "PROVIDER"), ServiceProviderRepository(), store_guard(),
                               taxonomy_values())


@lru_cache(maxsize=1)
def service_provider_service() -> ServiceProviderService:
    from storecrm.bookings.bookings import ServiceProviderService
    from storecrm.bookings.models.bookings import Provider, Service
    from storecrm.bookings.repositories.bookings import CatalogEntries, ServiceProviderRepository
    from storecrm.stores.repositories.markets import MarketRepository

    return ServiceProviderService(ServiceProviderRepository(), CatalogEntries(Service, "SERVICE"),
                                  CatalogEntries(Provider, "PROVIDER"), MarketRepository(), store_guard())


@lru_cache(maxsize=1)
def booking_catalog() -> BookingCatalog:
    from storecrm.bookings.bookings import BookingCatalog
    from storecrm.bookings.models.bookings import Provider, Service
    from storecrm.bookings.repositories.bookings import CatalogEntries, ServiceProviderRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return BookingCatalog(CatalogEntries(Service, "SERVICE"), CatalogEntries(Provider, "PROVIDER"),
                          ServiceProviderRepository(), StoreRepository())


@lru_cache(maxsize=1)
def availability_finder() -> AvailabilityFinder:
    from storecrm.bookings.bookings import AvailabilityFinder
    from storecrm.bookings.models.bookings import Provider, Service
    from storecrm.bookings.repositories.bookings import BookingLedger, CatalogEntries, ServiceProviderRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return AvailabilityFinder(CatalogEntries(Service, "SERVICE"), CatalogEntries(Provider, "PROVIDER"),
                              ServiceProviderRepository(), BookingLedger(), StoreRepository(), store_guard())


@lru_cache(maxsize=1)
def store_mail() -> StoreMail:
    """Store mails into the outbox, with the decisions that make them (the mail function sends them)."""
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository
    from storecrm.messaging.repositories.mail_outbox import MailOutbox
    from storecrm.messaging.store_mail import StoreMail

    return StoreMail(EmailTemplateRepository(), MailOutbox())


@lru_cache(maxsize=1)
def due_scheduler() -> DueScheduler:
    """The every-minute walk through due work; each kind of due item names the work that does it."""
    from storecrm.bookings.repositories.bookings import REMINDER_KIND, BookingLedger
    from storecrm.commerce.cart_recovery import CartRecovery
    from storecrm.commerce.reminders import OrderReminders
    from storecrm.commerce.repositories.carts import IDLE_CART_KIND, CartRepository
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.kernel.due import DueScheduler
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.due import DueRepository
    from storecrm.stores.repositories.stores import StoreRepository

    mail = store_mail()
    reminders = OrderReminders(OrderRepository(), BookingLedger(), StoreRepository(), mail)
    recovery = CartRecovery(CartRepository(), StoreRepository(), mail)
    return DueScheduler(DueRepository(), {REMINDER_KIND: reminders, IDLE_CART_KIND: recovery},
                        shards=keys.DUE_SHARDS, failures=job_failures())


@lru_cache(maxsize=1)
def job_failures() -> JobFailures:
    from storecrm.kernel.job_failures import JobFailures
    from storecrm.kernel.repositories.due import JobEntries

    return JobFailures(JobEntries())


@lru_cache(maxsize=1)
def migrations() -> Migrations:
    """Every data migration, in the order they run (kernel/migrations.py)."""
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.crm.data_migrations import ProfileEntries
    from storecrm.kernel.migrations import Migrations
    from storecrm.kernel.repositories.migrations import MigrationRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository

    return Migrations(MigrationRepository(), [ProfileEntries(ProfileRepository(), OrderRepository())])


@lru_cache(maxsize=1)
def scheduler() -> Scheduler:
    """The every-minute run: each step a job at a time (kernel/jobs.py), the due minutes, the data migrations."""
    from storecrm.kernel.jobs import Scheduler

    steps = [("store_purges", store_service().purge_due), ("payment_holds", order_service().release_due_holds),
             ("media_uploads", media_library().expire_uploads), ("profile_erasures", profile_erasure().erase_due)]
    return Scheduler(steps, due_scheduler(), migrations(), job_failures())


@lru_cache(maxsize=1)
def cart_service() -> CartService:
    from storecrm.bookings.repositories.bookings import BookingLedger
    from storecrm.catalog.repositories.products import ProductRepository
    from storecrm.commerce.carts import CartService
    from storecrm.commerce.repositories.carts import CartRepository
    from storecrm.commerce.repositories.promo_codes import PromoCodeRepository
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.markets import MarketRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return CartService(CartRepository(), ProductRepository(), MarketRepository(), SessionRepository(),
                       ProfileRepository(), StoreRepository(), store_guard(), _stripe_account, _stripe_payments,
                       BookingLedger(), PromoCodeRepository(), form_check=form_entries())


@lru_cache(maxsize=1)
def promo_code_service() -> PromoCodeService:
    from storecrm.commerce.promo_codes import PromoCodeService
    from storecrm.commerce.repositories.promo_codes import PromoCodeRepository

    return PromoCodeService(PromoCodeRepository(), store_guard())


def _stripe_account(store_id: str, integration_id: str | None) -> tuple[str, str]:
    """The Stripe integration named (else the store's active one): its id and secret key."""
    account_id, secrets = integration_service().stripe_account(store_id, integration_id)
    return account_id, secrets["secret_key"]


def _stripe_payments() -> StripePayments:
    from storecrm.kernel.gateways.stripe_payments import StripePayments

    return StripePayments()


@lru_cache(maxsize=1)
def order_service() -> OrderService:
    from storecrm.bookings.repositories.bookings import BookingLedger
    from storecrm.catalog.repositories.products import ProductRepository
    from storecrm.commerce.orders import OrderService
    from storecrm.commerce.promo_codes import PromoReturns
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.commerce.repositories.promo_codes import PromoCodeRepository
    from storecrm.identity.repositories.auth import SessionRepository

    return OrderService(OrderRepository(), ProductRepository(), SessionRepository(), store_guard(), BookingLedger(),
                        lambda order: order_payments().end_hold(order), PromoReturns(PromoCodeRepository()))


@lru_cache(maxsize=1)
def fulfilment() -> Fulfilment:
    """Shipping rates, shipments and their status (the shippo library loads on the first shippo call only)."""
    from storecrm.catalog.repositories.products import ProductRepository
    from storecrm.commerce.fulfilment import Fulfilment
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.commerce.repositories.shipments import stock_shipped
    from storecrm.integrations.repositories.integrations import IntegrationRepository
    from storecrm.stores.repositories.locations import LocationRepository
    from storecrm.stores.repositories.markets import MarketRepository

    return Fulfilment(OrderRepository(), ProductRepository(), LocationRepository(), MarketRepository(),
                      IntegrationRepository(), store_guard(), store_mail(),
                      lambda integration: integration_service().opened_secrets(integration), _shippo, stock_shipped)


def _shippo() -> ShippoGateway:
    from storecrm.commerce.gateways.shippo import ShippoGateway

    return ShippoGateway()


@lru_cache(maxsize=1)
def order_payments() -> OrderPayments:
    from storecrm.commerce.payments import OrderPayments
    from storecrm.commerce.repositories.orders import OrderRepository

    return OrderPayments(OrderRepository(), order_service(), _stripe_account, _stripe_payments)


@lru_cache(maxsize=1)
def email_template_service() -> EmailTemplateService:
    from storecrm.messaging.email_templates import EmailTemplateService
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository

    return EmailTemplateService(EmailTemplateRepository(), AudienceRepository(), store_guard())


@lru_cache(maxsize=1)
def audience_service() -> AudienceService:
    from storecrm.integrations.repositories.integrations import IntegrationRepository
    from storecrm.messaging.audiences import AudienceService
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository

    return AudienceService(AudienceRepository(), EmailTemplateRepository(), ProfileRepository(),
                           IntegrationRepository(), store_guard())


@lru_cache(maxsize=1)
def audience_signup() -> AudienceSignup:
    from storecrm.commerce.memberships import StripeCheckout
    from storecrm.identity.gateways.signing_keys import signing_keys
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.gateways.stripe_payments import StripePayments
    from storecrm.messaging.audience_signup import AudienceSignup
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return AudienceSignup(AudienceRepository(), ProfileRepository(), SessionRepository(), StoreRepository(),
                          EmailTemplateRepository(), store_mail(), signing_keys,
                          checkout=StripeCheckout(integration_service(), StripePayments()))


@lru_cache(maxsize=1)
def stripe_events() -> StripeEvents:
    from storecrm.commerce.memberships import StripeEvents
    from storecrm.kernel.gateways.stripe_payments import StripePayments
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository

    return StripeEvents(integration_service(), StripePayments(), AudienceRepository(), ProfileRepository(),
                        order_payments())


@lru_cache(maxsize=1)
def taxonomy_service() -> TaxonomyService:
    from storecrm.profiles.repositories.taxonomies import TaxonomyRepository
    from storecrm.profiles.taxonomies import TaxonomyService

    return TaxonomyService(TaxonomyRepository(), store_guard())


@lru_cache(maxsize=1)
def taxonomy_values() -> TaxonomyValues:
    """The check of profile, product and service taxonomy values against their taxonomies' schemas."""
    from storecrm.profiles.repositories.taxonomies import TaxonomyRepository
    from storecrm.profiles.taxonomies import TaxonomyValues

    return TaxonomyValues(TaxonomyRepository())



@lru_cache(maxsize=1)
def form_service() -> FormService:
    from storecrm.crm.forms import FormService
    from storecrm.crm.repositories.forms import FormRepository

    return FormService(FormRepository(), store_guard())


@lru_cache(maxsize=1)
def storefront_forms() -> StorefrontForms:
    from storecrm.crm.forms import StorefrontForms
    from storecrm.crm.repositories.forms import FormRepository
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.stores.repositories.stores import StoreRepository

    return StorefrontForms(FormRepository(), StoreRepository(), SessionRepository())



@lru_cache(maxsize=1)
def form_entries() -> FormEntries:
    """The check of cart and booking `forms` against the store's forms."""
    from storecrm.crm.forms import FormEntries
    from storecrm.crm.repositories.forms import FormRepository

    return FormEntries(FormRepository())


def reset() -> None:
    """Forget every cached service and setting (tests change the environment between cases). Every
    builder above is cached, so each is found here rather than kept in a second list."""
    for value in list(globals().values()):
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
