"""Integration providers as arky-sdk 0.9.1 spells them: one model per type, sealed secrets, the service catalogue."""

from __future__ import annotations

from typing import Any

import pytest

# Every member of arky-sdk 0.9.1's IntegrationProvider union (fe001ba src/types/index.ts), with a body
# of the shape the client sends, and the fields this platform seals.
CLIENT_PROVIDERS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "stripe": ({"secret_key": "sk_test_abcdefgh1234", "publishable_key": "pk_test_abc", "currency": "usd",
                "webhook_secret": "whsec_abcdefgh1234"}, {"secret_key", "webhook_secret"}),
    "shippo": ({"api_token": "shippo_test_abcdefgh"}, {"api_token"}),
    "google": ({"client_id": "id.apps.example.com", "client_secret": "google-secret-123", "scopes": ["openid"],
                "connected_at": 0}, {"client_secret"}),
    "telegram_bot": ({"bot_token": "123456:telegram-token"}, {"bot_token"}),
    "deep_seek": ({"api_key": "sk-deepseek-abcdefgh", "model": "deepseek-chat"}, {"api_key"}),
    "open_ai": ({"api_key": "sk-openai-abcdefgh", "model": "gpt-4o"}, {"api_key"}),
    **{name: ({"api_key": f"{name}-key-abcdefgh"}, {"api_key"}) for name in (
        "slack", "discord", "whats_app", "resend", "send_grid", "airtable", "linear", "git_hub", "git_lab",
        "dropbox", "hub_spot", "monday", "click_up", "pipedrive", "calendly", "typeform", "webflow", "trello",
        "replicate", "asana", "brevo", "intercom", "notion", "eleven_labs", "mailchimp", "zoom",
        "microsoft_teams", "firebase", "arky")},
    "active_campaign": ({"api_key": "ac-key-abcdefgh", "account_url": "https://acme.api-us1.com"}, {"api_key"}),
    "shopify": ({"api_key": "shpat_abcdefgh", "store_domain": "acme.myshopify.com"}, {"api_key"}),
    "supabase": ({"api_key": "supabase-key-abcdefgh", "project_url": "https://abc.supabase.co"}, {"api_key"}),
    "twilio": ({"account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": "twilio-token-abcd"},
               {"auth_token"}),
    "jira": ({"email": "ops@example.com", "api_token": "jira-token-abcdefgh", "domain": "acme.atlassian.net"},
             {"api_token"}),
    "woo_commerce": ({"consumer_key": "ck_abcdefgh", "consumer_secret": "cs_abcdefgh",
                      "store_url": "https://shop.example.com"}, {"consumer_key", "consumer_secret"}),
    "freshdesk": ({"api_key": "freshdesk-key-abcd", "domain": "acme.freshdesk.com"}, {"api_key"}),
    "zendesk": ({"api_token": "zendesk-token-abcd", "email": "ops@example.com", "subdomain": "acme"},
                {"api_token"}),
    "salesforce": ({"access_token": "00D-salesforce-token", "instance_url": "https://acme.my.salesforce.com"},
                   {"access_token"}),
    "vercel_deploy_hook": ({"url": "https://api.vercel.com/v1/integrations/deploy/prj/abc"}, {"url"}),
    "netlify_deploy_hook": ({"url": "https://api.netlify.com/build_hooks/abc"}, {"url"}),
    "cloudflare_deploy_hook": ({"url": "https://api.cloudflare.com/client/v4/pages/webhooks/deploy_hooks/abc"},
                               {"url"}),
    "custom_deploy_hook": ({"url": "https://deploy.example.com/hook/abc"}, {"url"}),
}
# The client's union has 48 members; google_analytics is this platform's own (seed 002 names no analytics one).
PLATFORM_ONLY = {"google_analytics"}
CLIENT_SERVICE_CATEGORIES = {"ai", "communication", "email", "productivity", "payments", "crm", "ecommerce",
                             "developer", "storage", "analytics", "deploy", "core"}


def test_every_client_provider_is_a_typed_model_with_its_secrets_sealed() -> None:
    from storecrm.integrations.integration_types import PROVIDER_MODELS, provider_union

    assert len(CLIENT_PROVIDERS) == 48
    assert set(PROVIDER_MODELS) == set(CLIENT_PROVIDERS) | PLATFORM_ONLY
    for type_, (body, secret_fields) in CLIENT_PROVIDERS.items():
        provider = provider_union().validate_python({"type": type_, **body})
        assert provider.type == type_ and set(provider.secrets()) == secret_fields, type_
        assert not set(provider.settings()) & secret_fields, type_  # secrets never land in the settings
        assert secret_fields <= set(type(provider).SECRETS)


@pytest.mark.parametrize(("type_", "change", "field"), [
    ("git_hub", {"api_key": None}, "api_key"),
    ("active_campaign", {"account_url": "http://acme.api-us1.com"}, "account_url"),
    ("shopify", {"store_domain": "https://acme.myshopify.com/admin"}, "store_domain"),
    ("jira", {"email": "not an email"}, "email"),
    ("woo_commerce", {"consumer_secret": "****abcd"}, "consumer_secret"),
    ("twilio", {"account_sid": ""}, "account_sid"),
])
def test_provider_fields_are_checked(type_: str, change: dict[str, Any], field: str) -> None:
    from pydantic import ValidationError

    from storecrm.integrations.integration_types import provider_union

    with pytest.raises(ValidationError) as caught:
        provider_union().validate_python({"type": type_, **CLIENT_PROVIDERS[type_][0], **change})
    assert field in [str(e["loc"][-1]) for e in caught.value.errors()]


def test_the_former_spellings_are_still_read_and_accepted() -> None:
    from storecrm.integrations.integration_types import provider_union
    from storecrm.integrations.models.integrations import Integration

    assert provider_union().validate_python({"type": "github", "api_key": "ghp_abcdefgh"}).type == "git_hub"
    assert provider_union().validate_python({"type": "hubspot", "api_key": "pat-abcdefgh"}).type == "hub_spot"
    stored = Integration(id="i", store_id="s", key="k", type="github", category="api", created_at=1, updated_at=1)
    assert stored.type == "git_hub"


def test_the_service_catalogue_comes_from_the_models() -> None:
    from storecrm.integrations.integration_types import PROVIDER_MODELS, services

    listed = services()
    assert [s.id for s in listed] == sorted(PROVIDER_MODELS)
    for service in listed:
        model = PROVIDER_MODELS[service.id]
        assert service.category in CLIENT_SERVICE_CATEGORIES and service.name and service.description
        assert service.color.startswith("#") and service.icon
        assert {f.name for f in service.fields} == set(model.model_fields) - {"type"} - set(model.MANAGED)
        assert {f.name for f in service.fields if f.secret} == set(model.SECRETS) - set(model.MANAGED)
        assert service.configuration_required == any(f.required for f in service.fields)
    stripe = next(s for s in listed if s.id == "stripe")
    assert stripe.category == "payments" and stripe.name == "Stripe"
    assert [(f.name, f.type, f.required, f.secret) for f in stripe.fields] == [
        ("secret_key", "string", True, True), ("publishable_key", "string", True, False),
        ("webhook_secret", "string", False, True), ("currency", "string", False, False),
        ("activeForCardPayments", "boolean", False, False)]
    google = next(s for s in listed if s.id == "google")
    assert "access_token" not in {f.name for f in google.fields}  # OAuth connect fills it, not staff
    assert ("scopes", "string[]") in {(f.name, f.type) for f in google.fields}
