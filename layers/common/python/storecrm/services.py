"""The composition root: builds each service once per container, on first use.

Imports happen inside the builders so a function only loads the modules of the services it
uses (the scheduler never pays for mail, tokens or email validation at cold start).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from storecrm.config import settings

if TYPE_CHECKING:
    from storecrm.domain.access import StoreGuard
    from storecrm.domain.accounts import AccountLogin
    from storecrm.domain.audience_signup import AudienceSignup
    from storecrm.domain.audiences import AudienceService
    from storecrm.domain.codes import LoginCodes
    from storecrm.domain.email_templates import EmailTemplateService
    from storecrm.domain.markets import MarketService
    from storecrm.domain.profile_sessions import ProfileSessions
    from storecrm.domain.profiles import ProfileService
    from storecrm.domain.sessions import SessionService
    from storecrm.domain.storefront import StorefrontService
    from storecrm.domain.stores import StoreService
    from storecrm.domain.team import TeamService


@lru_cache(maxsize=1)
def session_service() -> SessionService:
    from storecrm.domain.sessions import SessionService
    from storecrm.gateways.signing_keys import signing_keys
    from storecrm.repositories.auth import SessionRepository

    return SessionService(SessionRepository(), signing_keys, settings())


@lru_cache(maxsize=1)
def login_codes() -> LoginCodes:
    from storecrm.domain.codes import LoginCodes
    from storecrm.gateways.mail import SesMailer
    from storecrm.gateways.signing_keys import signing_keys
    from storecrm.repositories.auth import CodeRepository

    return LoginCodes(CodeRepository(), SesMailer(), signing_keys, settings())


@lru_cache(maxsize=1)
def account_login() -> AccountLogin:
    from storecrm.domain.accounts import AccountLogin
    from storecrm.repositories.accounts import AccountRepository

    return AccountLogin(AccountRepository(), login_codes(), session_service())


@lru_cache(maxsize=1)
def profile_sessions() -> ProfileSessions:
    from storecrm.domain.profile_sessions import ProfileSessions
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    return ProfileSessions(ProfileRepository(), StoreRepository(), login_codes(), session_service(),
                           SessionRepository())


@lru_cache(maxsize=1)
def store_guard() -> StoreGuard:
    from storecrm.domain.access import StoreGuard
    from storecrm.repositories.stores import StoreRepository

    return StoreGuard(StoreRepository())


@lru_cache(maxsize=1)
def store_service() -> StoreService:
    from storecrm.domain.stores import StoreService
    from storecrm.repositories.accounts import AccountRepository
    from storecrm.repositories.stores import StoreRepository

    return StoreService(StoreRepository(), AccountRepository(), store_guard())


@lru_cache(maxsize=1)
def team_service() -> TeamService:
    from storecrm.domain.team import TeamService
    from storecrm.repositories.accounts import AccountRepository
    from storecrm.repositories.stores import StoreRepository

    return TeamService(StoreRepository(), AccountRepository(), store_guard())


@lru_cache(maxsize=1)
def market_service() -> MarketService:
    from storecrm.domain.markets import MarketService
    from storecrm.repositories.markets import MarketRepository

    return MarketService(MarketRepository(), store_guard())


@lru_cache(maxsize=1)
def profile_service() -> ProfileService:
    from storecrm.domain.profiles import ProfileService
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.profiles import ProfileRepository

    return ProfileService(ProfileRepository(), SessionRepository(), store_guard(), AudienceRepository())


@lru_cache(maxsize=1)
def storefront_service() -> StorefrontService:
    from storecrm.domain.storefront import StorefrontService
    from storecrm.repositories.markets import MarketRepository
    from storecrm.repositories.stores import StoreRepository

    return StorefrontService(StoreRepository(), MarketRepository(), profile_sessions(), session_service())


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
    from storecrm.repositories.profiles import ProfileRepository

    return AudienceService(AudienceRepository(), EmailTemplateRepository(), ProfileRepository(), store_guard())


@lru_cache(maxsize=1)
def audience_signup() -> AudienceSignup:
    from storecrm.domain.audience_signup import AudienceSignup
    from storecrm.gateways.mail import SesMailer
    from storecrm.gateways.signing_keys import signing_keys
    from storecrm.repositories.audiences import AudienceRepository
    from storecrm.repositories.auth import SessionRepository
    from storecrm.repositories.email_templates import EmailTemplateRepository
    from storecrm.repositories.profiles import ProfileRepository
    from storecrm.repositories.stores import StoreRepository

    # checkout=None: paid audiences answer 503 until a payment integration provides a CheckoutPort.
    return AudienceSignup(AudienceRepository(), ProfileRepository(), SessionRepository(), StoreRepository(),
                          EmailTemplateRepository(), SesMailer(), signing_keys, checkout=None)


def reset() -> None:
    """Forget every cached service and setting (tests change the environment between cases)."""
    for builder in (session_service, login_codes, account_login, profile_sessions, store_guard, store_service,
                    team_service, market_service, profile_service, storefront_service, email_template_service,
                    audience_service, audience_signup):
        builder.cache_clear()
    settings.cache_clear()
