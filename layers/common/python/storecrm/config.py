"""Settings read from the environment the template gives every function."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str
    table_name: str
    jwt_secret_id: str
    sender_email: str
    cors_allow_origin: str
    allow_loopback_webhooks: bool

    # Lifetimes in seconds. Access tokens are not checked against the session store on reads,
    # so a revoked session keeps read access for at most ACCESS_TOKEN_TTL.
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    code_ttl: int = 10 * 60
    code_max_attempts: int = 5
    code_requests_per_email: int = 5
    code_requests_per_ip: int = 30
    rate_window: int = 10 * 60
    event_retention: int = 30 * 24 * 3600
    max_body_bytes: int = 256 * 1024


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        stage=env.get("STAGE", "dev"),
        table_name=env.get("TABLE_NAME", "storecrm"),
        jwt_secret_id=env.get("JWT_SECRET_ID", "storecrm-jwt"),
        sender_email=env.get("SENDER_EMAIL", "no-reply@example.com"),
        cors_allow_origin=env.get("CORS_ALLOW_ORIGIN", "*"),
        allow_loopback_webhooks=env.get("ALLOW_LOOPBACK_WEBHOOKS", "false") == "true",
    )
