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
    integrations_key_id: str
    webhook_queue_url: str
    # Webhook retries: attempt n waits base * 2**(n-1) seconds; after max attempts the queue's
    # redrive policy (same number, from the template) moves the message to the dead-letter queue.
    webhook_retry_base: int
    webhook_max_attempts: int
    google_token_url: str
    stripe_api_base: str
    shippo_api_base: str
    # Store billing: the plans the operator sells (a JSON array, see stores/plans.py) and the
    # Secrets Manager secret holding the operator's Stripe keys; empty when billing is not set up.
    billing_plans: str = "[]"
    platform_stripe_secret_id: str = ""

    # Lifetimes in seconds. Access tokens are not checked against the session store on reads,
    # so a revoked session keeps read access for at most ACCESS_TOKEN_TTL.
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    code_ttl: int = 10 * 60
    code_max_attempts: int = 5
    code_requests_per_email: int = 5
    code_requests_per_ip: int = 30
    # Login code checks per email in one `rate_window`, over every code scope that shares a budget (all of a
    # staff member's stores; both dialects of one store's customers); a right code gives its check back.
    code_checks_per_email: int = 10
    # Pelcro dialect (CONTRACTS.md section 2): a customer token lasts as long as its session.
    customer_session_ttl: int = 60 * 24 * 3600
    # Failed password logins per account and per source address in one window, then 429.
    login_failures_allowed: int = 10
    login_failure_window: int = 5 * 60
    rate_window: int = 10 * 60
    # The storefront's activity track call: at most this many per session in one window (seconds), then 429.
    activity_tracks_per_session: int = 60
    activity_track_window: int = 60
    # Opens of one mail recorded per hour (its tracking pixel); more fetches still get the image.
    email_opens_per_mail: int = 10
    event_retention: int = 30 * 24 * 3600
    max_body_bytes: int = 256 * 1024
    webhook_timeout: float = 10.0
    webhook_test_timeout: float = 5.0
    webhook_retry_cap: int = 3600
    # The stack's bucket (customer pictures, store media), and how long a presigned link to a picture works.
    media_bucket: str = ""
    picture_link_ttl: int = 3600
    # Store media: links are presigned GETs working this long, unless the operator serves the bucket at a
    # public base URL (a CDN in front of it), which media links then start with.
    media_link_ttl: int = 3600
    media_public_base_url: str = ""
    # The API's public base URL (its custom domain or execute-api stage URL): store mails' tracking pixel points
    # there (storecrm.messaging.mail_delivery); empty: mails go out without a pixel.
    public_api_base_url: str = ""
    # Access tokens' private keys (issuing functions only) and public keys; login codes' hash keys.
    access_token_secret_id: str = ""
    access_token_public_keys_id: str = ""
    login_code_secret_id: str = ""


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
        integrations_key_id=env.get("INTEGRATIONS_KEY_ID", ""),
        webhook_queue_url=env.get("WEBHOOK_QUEUE_URL", ""),
        webhook_retry_base=int(env.get("WEBHOOK_RETRY_BASE_SECONDS", "30")),
        webhook_max_attempts=int(env.get("WEBHOOK_MAX_ATTEMPTS", "8")),
        google_token_url=env.get("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token"),
        stripe_api_base=env.get("STRIPE_API_BASE", "https://api.stripe.com"),
        shippo_api_base=env.get("SHIPPO_API_BASE", "https://api.goshippo.com"),
        media_bucket=env.get("MEDIA_BUCKET", ""),
        media_public_base_url=env.get("MEDIA_PUBLIC_BASE_URL", ""),
        public_api_base_url=env.get("PUBLIC_API_BASE_URL", ""),
        billing_plans=env.get("BILLING_PLANS", "[]"),
        platform_stripe_secret_id=env.get("PLATFORM_STRIPE_SECRET_ID", ""),
        access_token_secret_id=env.get("ACCESS_TOKEN_SECRET_ID", ""),
        access_token_public_keys_id=env.get("ACCESS_TOKEN_PUBLIC_KEYS_ID", ""),
        login_code_secret_id=env.get("LOGIN_CODE_SECRET_ID", ""),
        # Not set by the template: one machine running many people's logins (the e2e suite on the local
        # runner, an office behind one address) may raise it.
        code_requests_per_ip=int(env.get("CODE_REQUESTS_PER_IP", "30")),
        # Not set by the template either: a long run against the local runner (the fuzz gate) outlives 15 minutes.
        access_token_ttl=int(env.get("ACCESS_TOKEN_TTL", str(15 * 60))),
    )
