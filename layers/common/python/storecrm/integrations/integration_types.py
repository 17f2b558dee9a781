"""Integration providers, one pydantic model per type of arky-sdk 0.9.1's IntegrationProvider union.

Each model knows its fields, which of them are secrets, its category on the store (which config
slot it fills) and how the service catalogue presents it (GET /v1/platform/integration-services
is generated from these models). Secret fields are SecretStr, so they never show in a repr, a log
line or an error message; the service seals them with KMS and answers show only a masked form.

This module is heavy to import (about fifty models in one discriminated union): only the code
that handles integrations imports it, when it needs it.
"""

from __future__ import annotations

import functools
import operator
import types
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, TypeAdapter, field_validator

from storecrm.integrations.models.integrations import current_provider_type
from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Currency, Email, WholeNumber
from storecrm.kernel.rules import check_absolute_url, refuse_masked

Category = Literal["payment", "shipping", "oauth", "channel", "ai", "email", "messaging", "deploy",
                   "analytics", "api"]
# Categories whose active integration GET .../integrations/config/{category} returns.
CONFIG_CATEGORIES = ("payment", "shipping", "analytics")
# The catalogue's categories, as arky-sdk 0.9.1's IntegrationService names them.
ServiceCategory = Literal["ai", "communication", "email", "productivity", "payments", "crm", "ecommerce",
                          "developer", "storage", "analytics", "deploy", "core"]


def _not_masked(value: SecretStr) -> SecretStr:
    refuse_masked(value.get_secret_value())
    return value


def _https_url(value: str) -> str:
    if not check_absolute_url(value).startswith("https://"):
        raise ValueError("must be an https URL")
    return value


Secret = Annotated[SecretStr, Field(min_length=1, max_length=2048), AfterValidator(_not_masked)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
HttpsUrl = Annotated[str, Field(max_length=2000), AfterValidator(_https_url)]
Host = Annotated[str, Field(max_length=253, pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                                                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")]
ModelName = Annotated[str, Field(max_length=100)]


@dataclass(frozen=True)
class Listing:
    """How the service catalogue presents a provider (arky-sdk's IntegrationService, minus what models give)."""

    name: str
    category: ServiceCategory
    description: str
    color: str
    website: str
    url_patterns: tuple[str, ...] = ()  # the provider's API, as regular expressions over request URLs


@dataclass(frozen=True)
class ServiceField:
    name: str
    type: Literal["string", "number", "boolean", "string[]"]
    required: bool
    secret: bool


@dataclass(frozen=True)
class ServiceDescription:
    id: str
    name: str
    description: str
    icon: str
    color: str
    category: ServiceCategory
    configuration_required: bool
    website: str
    url_patterns: tuple[str, ...]
    fields: tuple[ServiceField, ...]


class Provider(Model):
    model_config = {"extra": "ignore", "str_strip_whitespace": True}
    type: str
    CATEGORY: ClassVar[Category] = "api"
    SECRETS: ClassVar[tuple[str, ...]] = ()
    MANAGED: ClassVar[tuple[str, ...]] = ()  # filled in by the platform (OAuth), not typed in by staff
    LISTING: ClassVar[Listing]

    def settings(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude=set(self.SECRETS), exclude_none=True)

    def secrets(self) -> dict[str, str]:
        return {name: value.get_secret_value() for name in self.SECRETS
                if isinstance(value := getattr(self, name), SecretStr)}


def _prefixed(value: SecretStr | None, prefixes: tuple[str, ...], what: str) -> SecretStr | None:
    if value is not None and not value.get_secret_value().startswith(prefixes):
        raise ValueError(f"must be a {what} (starts with {' or '.join(prefixes)})")
    return value


# ---------------------------------------------------------------- payments, shipping, analytics
class Stripe(Provider):
    CATEGORY = "payment"
    SECRETS = ("secret_key", "webhook_secret")
    LISTING = Listing("Stripe", "payments", "Card payments and subscriptions with the store's own Stripe account",
                      "#635BFF", "https://stripe.com", (r"^https://api\.stripe\.com/",))
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
    LISTING = Listing("Shippo", "ecommerce", "Shipping rates and labels", "#0B2D4F", "https://goshippo.com",
                      (r"^https://api\.goshippo\.com/",))
    type: Literal["shippo"]
    api_token: Secret
    active_for_fulfillment: bool = True


class GoogleAnalytics(Provider):
    """DECISION: seed 002 lists no analytics provider, yet has an analytics config; GA4 fills it."""

    CATEGORY = "analytics"
    SECRETS = ("api_secret",)
    LISTING = Listing("Google Analytics", "analytics", "GA4 measurement for storefront events", "#E37400",
                      "https://analytics.google.com", (r"^https://(www\.)?google-analytics\.com/mp/",))
    type: Literal["google_analytics"]
    measurement_id: Annotated[str, Field(pattern=r"^G-[A-Z0-9]{4,20}$")]
    api_secret: Secret


# ---------------------------------------------------------------- OAuth and bots
class Google(Provider):
    """OAuth client; /oauth/connect adds the tokens it obtains (secrets too)."""

    CATEGORY = "oauth"
    SECRETS = ("client_secret", "access_token", "refresh_token")
    MANAGED = ("access_token", "refresh_token", "token_expires_at", "connected_at")
    LISTING = Listing("Google", "productivity", "Google APIs through the store's own OAuth client", "#4285F4",
                      "https://developers.google.com", (r"^https://([a-z0-9-]+\.)?googleapis\.com/",))
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
    LISTING = Listing("Telegram bot", "communication", "Messages through a Telegram bot", "#26A5E4",
                      "https://core.telegram.org/bots", (r"^https://api\.telegram\.org/",))
    type: Literal["telegram_bot"]
    bot_token: Secret
    action: Annotated[str, Field(max_length=100)] | None = None


# ---------------------------------------------------------------- one API key (and maybe a model or an address)
class ApiKeyProvider(Provider):
    SECRETS = ("api_key",)
    api_key: Secret


class DeepSeek(ApiKeyProvider):
    CATEGORY = "ai"
    LISTING = Listing("DeepSeek", "ai", "DeepSeek language models", "#4D6BFE", "https://www.deepseek.com",
                      (r"^https://api\.deepseek\.com/",))
    type: Literal["deep_seek"]
    model: ModelName | None = None


class OpenAi(ApiKeyProvider):
    CATEGORY = "ai"
    LISTING = Listing("OpenAI", "ai", "OpenAI language, image and speech models", "#412991", "https://openai.com",
                      (r"^https://api\.openai\.com/",))
    type: Literal["open_ai"]
    model: ModelName | None = None


class Slack(ApiKeyProvider):
    CATEGORY = "messaging"
    LISTING = Listing("Slack", "communication", "Messages to Slack channels", "#4A154B", "https://slack.com",
                      (r"^https://slack\.com/api/",))
    type: Literal["slack"]


class Discord(ApiKeyProvider):
    CATEGORY = "messaging"
    LISTING = Listing("Discord", "communication", "Messages to Discord servers", "#5865F2", "https://discord.com",
                      (r"^https://discord\.com/api/",))
    type: Literal["discord"]


class WhatsApp(ApiKeyProvider):
    CATEGORY = "messaging"
    LISTING = Listing("WhatsApp", "communication", "WhatsApp Business messages", "#25D366",
                      "https://business.whatsapp.com", (r"^https://graph\.facebook\.com/",))
    type: Literal["whats_app"]


class Resend(ApiKeyProvider):
    CATEGORY = "email"
    LISTING = Listing("Resend", "email", "Transactional email", "#000000", "https://resend.com",
                      (r"^https://api\.resend\.com/",))
    type: Literal["resend"]


class SendGrid(ApiKeyProvider):
    CATEGORY = "email"
    LISTING = Listing("SendGrid", "email", "Transactional and marketing email", "#1A82E2", "https://sendgrid.com",
                      (r"^https://api\.sendgrid\.com/",))
    type: Literal["send_grid"]


class Airtable(ApiKeyProvider):
    LISTING = Listing("Airtable", "productivity", "Bases, tables and records", "#18BFFF", "https://airtable.com",
                      (r"^https://api\.airtable\.com/",))
    type: Literal["airtable"]


class Linear(ApiKeyProvider):
    LISTING = Listing("Linear", "productivity", "Issues and projects", "#5E6AD2", "https://linear.app",
                      (r"^https://api\.linear\.app/",))
    type: Literal["linear"]


class GitHub(ApiKeyProvider):
    LISTING = Listing("GitHub", "developer", "Repositories, issues and pull requests", "#181717",
                      "https://github.com", (r"^https://api\.github\.com/",))
    type: Literal["git_hub"]


class GitLab(ApiKeyProvider):
    LISTING = Listing("GitLab", "developer", "Repositories, issues and merge requests", "#FC6D26",
                      "https://gitlab.com", (r"^https://gitlab\.com/api/",))
    type: Literal["git_lab"]


class Dropbox(ApiKeyProvider):
    LISTING = Listing("Dropbox", "storage", "Files and folders", "#0061FF", "https://www.dropbox.com",
                      (r"^https://(api|content)\.dropboxapi\.com/",))
    type: Literal["dropbox"]


class HubSpot(ApiKeyProvider):
    LISTING = Listing("HubSpot", "crm", "Contacts, companies and deals", "#FF7A59", "https://www.hubspot.com",
                      (r"^https://api\.hubapi\.com/",))
    type: Literal["hub_spot"]


class Monday(ApiKeyProvider):
    LISTING = Listing("monday.com", "productivity", "Boards and items", "#FF3D57", "https://monday.com",
                      (r"^https://api\.monday\.com/",))
    type: Literal["monday"]


class ClickUp(ApiKeyProvider):
    LISTING = Listing("ClickUp", "productivity", "Tasks, lists and spaces", "#7B68EE", "https://clickup.com",
                      (r"^https://api\.clickup\.com/",))
    type: Literal["click_up"]


class Pipedrive(ApiKeyProvider):
    LISTING = Listing("Pipedrive", "crm", "Deals, people and organizations", "#017737", "https://www.pipedrive.com",
                      (r"^https://api\.pipedrive\.com/",))
    type: Literal["pipedrive"]


class Calendly(ApiKeyProvider):
    LISTING = Listing("Calendly", "productivity", "Scheduled events and invitees", "#006BFF",
                      "https://calendly.com", (r"^https://api\.calendly\.com/",))
    type: Literal["calendly"]


class Typeform(ApiKeyProvider):
    LISTING = Listing("Typeform", "productivity", "Forms and responses", "#262627", "https://www.typeform.com",
                      (r"^https://api\.typeform\.com/",))
    type: Literal["typeform"]


class Webflow(ApiKeyProvider):
    LISTING = Listing("Webflow", "developer", "Sites and CMS collections", "#146EF5", "https://webflow.com",
                      (r"^https://api\.webflow\.com/",))
    type: Literal["webflow"]


class Trello(ApiKeyProvider):
    LISTING = Listing("Trello", "productivity", "Boards, lists and cards", "#0052CC", "https://trello.com",
                      (r"^https://api\.trello\.com/",))
    type: Literal["trello"]


class Replicate(ApiKeyProvider):
    CATEGORY = "ai"
    LISTING = Listing("Replicate", "ai", "Hosted machine learning models", "#000000", "https://replicate.com",
                      (r"^https://api\.replicate\.com/",))
    type: Literal["replicate"]


class Asana(ApiKeyProvider):
    LISTING = Listing("Asana", "productivity", "Projects and tasks", "#F06A6A", "https://asana.com",
                      (r"^https://app\.asana\.com/api/",))
    type: Literal["asana"]


class Brevo(ApiKeyProvider):
    CATEGORY = "email"
    LISTING = Listing("Brevo", "email", "Email and SMS campaigns and contacts", "#0B996E", "https://www.brevo.com",
                      (r"^https://api\.brevo\.com/",))
    type: Literal["brevo"]


class Intercom(ApiKeyProvider):
    LISTING = Listing("Intercom", "crm", "Customer conversations and contacts", "#1F8DED",
                      "https://www.intercom.com", (r"^https://api\.intercom\.io/",))
    type: Literal["intercom"]


class Notion(ApiKeyProvider):
    LISTING = Listing("Notion", "productivity", "Pages and databases", "#000000", "https://www.notion.so",
                      (r"^https://api\.notion\.com/",))
    type: Literal["notion"]


class ElevenLabs(ApiKeyProvider):
    CATEGORY = "ai"
    LISTING = Listing("ElevenLabs", "ai", "Speech synthesis", "#000000", "https://elevenlabs.io",
                      (r"^https://api\.elevenlabs\.io/",))
    type: Literal["eleven_labs"]


class ActiveCampaign(ApiKeyProvider):
    CATEGORY = "email"
    LISTING = Listing("ActiveCampaign", "email", "Email marketing and automations", "#004CFF",
                      "https://www.activecampaign.com", (r"^https://[a-z0-9-]+\.api-us1\.com/",))
    type: Literal["active_campaign"]
    account_url: HttpsUrl


class Shopify(ApiKeyProvider):
    LISTING = Listing("Shopify", "ecommerce", "Products, orders and customers of a Shopify store", "#7AB55C",
                      "https://www.shopify.com", (r"^https://[a-z0-9-]+\.myshopify\.com/",))
    type: Literal["shopify"]
    store_domain: Host


class Supabase(ApiKeyProvider):
    LISTING = Listing("Supabase", "developer", "Postgres tables, storage and functions", "#3FCF8E",
                      "https://supabase.com", (r"^https://[a-z0-9]+\.supabase\.co/",))
    type: Literal["supabase"]
    project_url: HttpsUrl


class Mailchimp(ApiKeyProvider):
    CATEGORY = "email"
    LISTING = Listing("Mailchimp", "email", "Audiences and email campaigns", "#FFE01B", "https://mailchimp.com",
                      (r"^https://[a-z0-9]+\.api\.mailchimp\.com/",))
    type: Literal["mailchimp"]


class Freshdesk(ApiKeyProvider):
    LISTING = Listing("Freshdesk", "crm", "Support tickets and contacts", "#25C16F", "https://www.freshdesk.com",
                      (r"^https://[a-z0-9-]+\.freshdesk\.com/",))
    type: Literal["freshdesk"]
    domain: Host


class Zoom(ApiKeyProvider):
    CATEGORY = "messaging"
    LISTING = Listing("Zoom", "communication", "Meetings and webinars", "#0B5CFF", "https://zoom.us",
                      (r"^https://api\.zoom\.us/",))
    type: Literal["zoom"]


class MicrosoftTeams(ApiKeyProvider):
    CATEGORY = "messaging"
    LISTING = Listing("Microsoft Teams", "communication", "Messages to Teams channels", "#6264A7",
                      "https://www.microsoft.com/microsoft-teams", (r"^https://graph\.microsoft\.com/",))
    type: Literal["microsoft_teams"]


class Firebase(ApiKeyProvider):
    LISTING = Listing("Firebase", "developer", "Realtime database, Firestore and messaging", "#FFCA28",
                      "https://firebase.google.com", (r"^https://[a-z0-9-]+\.firebaseio\.com/",))
    type: Literal["firebase"]


class Arky(ApiKeyProvider):
    LISTING = Listing("Arky", "core", "Another Arky store", "#000000", "https://arky.io",
                      (r"^https://api\.arky\.io/",))
    type: Literal["arky"]


# ---------------------------------------------------------------- two-part credentials
class Twilio(Provider):
    CATEGORY = "messaging"
    SECRETS = ("auth_token",)
    LISTING = Listing("Twilio", "communication", "SMS, WhatsApp and voice", "#F22F46", "https://www.twilio.com",
                      (r"^https://api\.twilio\.com/",))
    type: Literal["twilio"]
    account_sid: Name
    auth_token: Secret


class Jira(Provider):
    SECRETS = ("api_token",)
    LISTING = Listing("Jira", "developer", "Issues and projects on Atlassian Cloud", "#0052CC",
                      "https://www.atlassian.com/software/jira", (r"^https://[a-z0-9-]+\.atlassian\.net/",))
    type: Literal["jira"]
    email: Email
    api_token: Secret
    domain: Host


class WooCommerce(Provider):
    SECRETS = ("consumer_key", "consumer_secret")
    LISTING = Listing("WooCommerce", "ecommerce", "Products and orders of a WooCommerce store", "#96588A",
                      "https://woocommerce.com")
    type: Literal["woo_commerce"]
    consumer_key: Secret
    consumer_secret: Secret
    store_url: HttpsUrl


class Zendesk(Provider):
    SECRETS = ("api_token",)
    LISTING = Listing("Zendesk", "crm", "Support tickets and users", "#03363D", "https://www.zendesk.com",
                      (r"^https://[a-z0-9-]+\.zendesk\.com/",))
    type: Literal["zendesk"]
    api_token: Secret
    email: Email
    subdomain: Host


class Salesforce(Provider):
    SECRETS = ("access_token",)
    LISTING = Listing("Salesforce", "crm", "Leads, contacts and opportunities", "#00A1E0",
                      "https://www.salesforce.com", (r"^https://[a-z0-9-]+\.(my\.)?salesforce\.com/",))
    type: Literal["salesforce"]
    access_token: Secret
    instance_url: HttpsUrl


# ---------------------------------------------------------------- deploy hooks
class DeployHook(Provider):
    """Anyone holding a deploy hook URL can trigger a deploy, so the URL is a secret."""

    CATEGORY = "deploy"
    SECRETS = ("url",)
    url: Secret

    @field_validator("url")
    @classmethod
    def _https(cls, value: SecretStr) -> SecretStr | None:
        return _prefixed(value, ("https://",), "https URL")


class VercelDeployHook(DeployHook):
    LISTING = Listing("Vercel deploy hook", "deploy", "Rebuilds a Vercel project", "#000000", "https://vercel.com",
                      (r"^https://api\.vercel\.com/",))
    type: Literal["vercel_deploy_hook"]


class NetlifyDeployHook(DeployHook):
    LISTING = Listing("Netlify deploy hook", "deploy", "Rebuilds a Netlify site", "#00C7B7",
                      "https://www.netlify.com", (r"^https://api\.netlify\.com/build_hooks/",))
    type: Literal["netlify_deploy_hook"]


class CloudflareDeployHook(DeployHook):
    LISTING = Listing("Cloudflare Pages deploy hook", "deploy", "Rebuilds a Cloudflare Pages project", "#F38020",
                      "https://pages.cloudflare.com", (r"^https://api\.cloudflare\.com/",))
    type: Literal["cloudflare_deploy_hook"]


class CustomDeployHook(DeployHook):
    LISTING = Listing("Custom deploy hook", "deploy", "Calls any https deploy hook", "#6B7280",
                      "https://en.wikipedia.org/wiki/Webhook")
    type: Literal["custom_deploy_hook"]


# ---------------------------------------------------------------- the union, by type
def _concrete(base: type[Provider]) -> list[type[Provider]]:
    """Every model above that names a provider type (the ones with a listing of their own)."""
    found = []
    for model in base.__subclasses__():
        if "LISTING" in vars(model):
            found.append(model)
        found.extend(_concrete(model))
    return found


MODELS = tuple(_concrete(Provider))
PROVIDER_MODELS: dict[str, type[Provider]] = {
    name: model for model in MODELS for name in get_args(model.model_fields["type"].annotation)}


def _current_spelling(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return {**value, "type": current_provider_type(value["type"])}
    return value


def _discriminated(models: tuple[type[Provider], ...]) -> Any:
    # Built from MODELS so the union is not a second hand-kept list of the providers.
    union = functools.reduce(operator.or_, models)
    return Annotated[union, Field(discriminator="type"), BeforeValidator(_current_spelling)]


@functools.cache
def provider_union() -> TypeAdapter[Provider]:
    """The validator of any provider by its type. Built by the first request that validates one (a
    create or an update), not at import: it compiles all the models above at once, and a function's
    other requests (reads, lists, the catalogue) never need it."""
    return TypeAdapter(_discriminated(MODELS))


# ---------------------------------------------------------------- the service catalogue
def _field_type(annotation: Any) -> Literal["string", "number", "boolean", "string[]"]:
    if get_origin(annotation) in (types.UnionType,):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if annotation is bool:
        return "boolean"
    if annotation in (int, float):
        return "number"
    if get_origin(annotation) is list:
        return "string[]"
    return "string"


def _describe(type_: str, model: type[Provider]) -> ServiceDescription:
    fields = tuple(ServiceField(name=name, type=_field_type(info.annotation), required=info.is_required(),
                                secret=name in model.SECRETS)
                   for name, info in model.model_fields.items() if name != "type" and name not in model.MANAGED)
    listing = model.LISTING
    return ServiceDescription(id=type_, name=listing.name, description=listing.description, icon=type_,
                              color=listing.color, category=listing.category,
                              configuration_required=any(f.required for f in fields), website=listing.website,
                              url_patterns=listing.url_patterns, fields=fields)


def services() -> list[ServiceDescription]:
    """Every provider as the catalogue lists it, by type."""
    return [_describe(type_, PROVIDER_MODELS[type_]) for type_ in sorted(PROVIDER_MODELS)]
