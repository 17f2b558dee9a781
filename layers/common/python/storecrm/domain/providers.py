"""Integration providers from seed 002's table: one pydantic model each, with its category and secrets.

Secret fields are SecretStr, so they never show in a repr, a log line or an error message; the
service seals them with KMS and responses show only a masked form.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr, TypeAdapter, field_validator

from storecrm.domain.fields import Currency, WholeNumber

Category = Literal["payment", "shipping", "oauth", "channel", "ai", "email", "messaging", "deploy",
                   "analytics", "api"]
# Categories whose active integration GET .../integrations/config/{category} returns.
CONFIG_CATEGORIES = ("payment", "shipping", "analytics")

Secret = Annotated[SecretStr, Field(min_length=1, max_length=2048)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Provider(BaseModel):
    model_config = {"extra": "ignore", "str_strip_whitespace": True}
    CATEGORY: ClassVar[Category]
    SECRETS: ClassVar[tuple[str, ...]] = ()

    def settings(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude=set(self.SECRETS), exclude_none=True)

    def secrets(self) -> dict[str, str]:
        return {name: value.get_secret_value() for name in self.SECRETS
                if isinstance(value := getattr(self, name), SecretStr)}


def _prefixed(value: SecretStr | None, prefixes: tuple[str, ...], what: str) -> SecretStr | None:
    if value is not None and not value.get_secret_value().startswith(prefixes):
        raise ValueError(f"must be a {what} (starts with {' or '.join(prefixes)})")
    return value


class Stripe(Provider):
    CATEGORY = "payment"
    SECRETS = ("secret_key", "webhook_secret")
    type: Literal["stripe"]
    secret_key: Secret
    publishable_key: Annotated[str, Field(pattern=r"^pk_(test|live)_[A-Za-z0-9]+$", max_length=255)]
    webhook_secret: Secret | None = None
    currency: Currency = "USD"
    activeForCardPayments: bool = True  # noqa: N815 - the seed's own spelling

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr) -> SecretStr | None:
        return _prefixed(value, ("sk_", "rk_"), "Stripe secret or restricted key")

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, ("whsec_",), "Stripe webhook signing secret")


class Shippo(Provider):
    CATEGORY = "shipping"
    SECRETS = ("api_token",)
    type: Literal["shippo"]
    api_token: Secret
    active_for_fulfillment: bool = True


class Google(Provider):
    """OAuth client; /oauth/connect adds the tokens it obtains (secrets too)."""

    CATEGORY = "oauth"
    SECRETS = ("client_secret", "access_token", "refresh_token")
    type: Literal["google"]
    client_id: Name
    client_secret: Secret
    scopes: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=50)
    access_token: Secret | None = None
    refresh_token: Secret | None = None
    token_expires_at: WholeNumber | None = None
    connected_at: WholeNumber | None = None


class TelegramBot(Provider):
    CATEGORY = "channel"
    SECRETS = ("bot_token",)
    type: Literal["telegram_bot"]
    bot_token: Secret
    action: Annotated[str, Field(max_length=100)] | None = None


class _ApiKey(Provider):
    SECRETS = ("api_key",)
    api_key: Secret


class OpenAi(_ApiKey):
    CATEGORY = "ai"
    type: Literal["open_ai"]
    model: Annotated[str, Field(max_length=100)] | None = None


class DeepSeek(_ApiKey):
    CATEGORY = "ai"
    type: Literal["deep_seek"]
    model: Annotated[str, Field(max_length=100)] | None = None


class EmailApi(_ApiKey):
    CATEGORY = "email"
    type: Literal["resend", "send_grid"]


class Messaging(_ApiKey):
    CATEGORY = "messaging"
    type: Literal["slack", "discord", "whats_app"]


class OtherApi(_ApiKey):
    """Seed 002's "20+ more API-key providers"; the ones it names."""

    CATEGORY = "api"
    type: Literal["airtable", "linear", "github", "notion", "hubspot"]


class DeployHook(Provider):
    """Anyone holding a deploy hook URL can trigger a deploy, so the URL is a secret."""

    CATEGORY = "deploy"
    SECRETS = ("url",)
    type: Literal["vercel_deploy_hook", "netlify_deploy_hook", "cloudflare_deploy_hook", "custom_deploy_hook"]
    url: Secret

    @field_validator("url")
    @classmethod
    def _https(cls, value: SecretStr) -> SecretStr | None:
        return _prefixed(value, ("https://",), "https URL")


class GoogleAnalytics(Provider):
    """DECISION: seed 002 lists no analytics provider, yet has an analytics config; GA4 fills it."""

    CATEGORY = "analytics"
    SECRETS = ("api_secret",)
    type: Literal["google_analytics"]
    measurement_id: Annotated[str, Field(pattern=r"^G-[A-Z0-9]{4,20}$")]
    api_secret: Secret


AnyProvider = Annotated[Stripe | Shippo | Google | TelegramBot | OpenAi | DeepSeek | EmailApi | Messaging | OtherApi
                        | DeployHook | GoogleAnalytics, Field(discriminator="type")]
PROVIDERS: TypeAdapter[AnyProvider] = TypeAdapter(AnyProvider)
