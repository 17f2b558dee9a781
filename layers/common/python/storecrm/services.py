"""The composition root: builds each service once per container, on first use."""

from __future__ import annotations

from functools import lru_cache

from storecrm.config import settings
from storecrm.domain.access import StoreGuard
from storecrm.domain.accounts import AccountLogin
from storecrm.domain.markets import MarketService
from storecrm.domain.sessions import SessionService
from storecrm.domain.stores import StoreService
from storecrm.domain.team import TeamService
from storecrm.gateways.mail import SesMailer
from storecrm.gateways.signing_keys import signing_keys
from storecrm.repositories.accounts import AccountRepository
from storecrm.repositories.auth import CodeRepository, SessionRepository
from storecrm.repositories.markets import MarketRepository
from storecrm.repositories.stores import StoreRepository


@lru_cache(maxsize=1)
def session_service() -> SessionService:
    return SessionService(SessionRepository(), signing_keys, settings())


@lru_cache(maxsize=1)
def account_login() -> AccountLogin:
    return AccountLogin(AccountRepository(), CodeRepository(), session_service(), SesMailer(), signing_keys,
                        settings())


@lru_cache(maxsize=1)
def store_guard() -> StoreGuard:
    return StoreGuard(StoreRepository())


@lru_cache(maxsize=1)
def store_service() -> StoreService:
    return StoreService(StoreRepository(), AccountRepository(), store_guard())


@lru_cache(maxsize=1)
def team_service() -> TeamService:
    return TeamService(StoreRepository(), AccountRepository(), store_guard())


@lru_cache(maxsize=1)
def market_service() -> MarketService:
    return MarketService(MarketRepository(), store_guard())


def reset() -> None:
    """Forget every cached service and setting (tests change the environment between cases)."""
    for builder in (session_service, account_login, store_guard, store_service, team_service, market_service):
        builder.cache_clear()
    settings.cache_clear()
