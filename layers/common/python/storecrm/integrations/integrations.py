"""Integrations as store staff manage them, the active one per category, and OAuth connections.

At most one integration per config category (payment, shipping, analytics) is active; a marker
item per category makes that hold under concurrent writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError

from storecrm.clock import new_id, now
from storecrm.config import Settings
from storecrm.identity.auth import Principal
from storecrm.integrations.integration_types import CONFIG_CATEGORIES, PROVIDER_MODELS, Provider, provider_union
from storecrm.integrations.models.integrations import Integration, current_provider_type
from storecrm.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, ReturnUrl
from storecrm.kernel.rules import mask, secret_edit
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.integrations.gateways.oauth import TokenEndpoint
    from storecrm.integrations.gateways.secret_box import SecretBox
    from storecrm.integrations.repositories.integrations import IntegrationRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.stores.access import StoreAccess, StoreGuard

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
INTEGRATION_NOT_FOUND = "Integration not found"


class NewIntegration(Command):
    key: str = Field(min_length=1, max_length=64, pattern=KEY_PATTERN)
    provider: dict[str, Any] = Field(description="{type, ...the provider's key fields}")
    active: bool | None = Field(default=None, description="Payment, shipping and analytics only; "
                                "the first of its category becomes active unless false")


class IntegrationChanges(Command):
    id: str | None = None
    key: str | None = Field(default=None, min_length=1, max_length=64, pattern=KEY_PATTERN)
    provider: dict[str, Any] | None = None
    active: bool | None = None


class OAuthConnect(Command):
    provider: str = Field(pattern="^google$", description="Only google for now")
    code: str = Field(min_length=1, max_length=2048)
    redirect_uri: ReturnUrl


class OAuthDisconnect(Command):
    provider: str = Field(pattern="^google$")


def _validated(provider: dict[str, Any]) -> Provider:
    try:
        return provider_union().validate_python(provider)
    except ValidationError as exc:
        errors = []
        for e in exc.errors():
            # The first location part is the provider type tag; what matters is the field.
            loc = [str(p) for p in e["loc"]][1:] if len(e["loc"]) > 1 else [str(p) for p in e["loc"]]
            errors.append(FieldError(".".join(["provider", *loc]), str(e["msg"]).removeprefix("Value error, ")))
        summary = "; ".join(f"{f.field}: {f.error}" for f in errors[:5])
        raise ValidationFailed(f"Invalid provider: {summary}", errors) from None


def _without_kept_secrets(integration: Integration, sent: dict[str, Any]) -> dict[str, Any]:
    """The sent provider fields minus the secrets the edit keeps (omitted, null, blank or sent back masked)."""
    kept = []
    for name in PROVIDER_MODELS[integration.type].SECRETS:
        value = sent.get(name)
        if value is not None and not isinstance(value, str):
            continue  # not a string: the provider model says what is wrong with it
        try:
            if secret_edit(value, integration.secret_hints.get(name)) is None:
                kept.append(name)
        except ValueError as exc:
            raise ValidationFailed.on(f"provider.{name}", str(exc)) from None
    return {k: v for k, v in sent.items() if k not in kept}


class IntegrationService:
    def __init__(self, integrations: IntegrationRepository, guard: StoreGuard, box: SecretBox,
                 tokens: TokenEndpoint, config: Settings) -> None:
        self.integrations = integrations
        self.guard = guard
        self.box = box
        self.tokens = tokens
        self.config = config

    def all_in_store(self, principal: Principal, store_id: str) -> list[Integration]:
        self.guard.enter(principal, store_id, Action.MANAGE_INTEGRATIONS)
        return self.integrations.all_in_store(store_id)

    def create(self, principal: Principal, store_id: str, data: NewIntegration) -> Integration:
        """Three calls when it has secrets, one over the create budget: sealing them with KMS."""
        provider = _validated(data.provider)
        marker_key = self.integrations.active_key(store_id, provider.CATEGORY)
        access = self.guard.enter(principal, store_id, Action.MANAGE_INTEGRATIONS, extra=[marker_key])
        current = self.integrations.active_id(access.view.extras.get(marker_key))
        at = now()
        integration = Integration(id=new_id(), store_id=store_id, key=data.key, type=provider.type,
                                  category=provider.CATEGORY, created_at=at, updated_at=at)
        integration = self._with_provider(integration, provider)
        configurable = provider.CATEGORY in CONFIG_CATEGORIES
        if configurable and data.active is not False and (data.active or current is None):
            integration.active = True
        elif data.active and not configurable:
            raise ValidationFailed.on("active", f"only {', '.join(CONFIG_CATEGORIES)} integrations can be active")
        self.integrations.create(integration, replaces_active=current if integration.active else None)
        return integration

    def update(self, principal: Principal, store_id: str, integration_id: str,
               changes: IntegrationChanges) -> Integration:
        # Up to four calls: the read, opening and resealing the secrets (when there are some),
        # and the write. Validation needs the stored secrets to judge the merged provider.
        integration, access = self._load(principal, store_id, integration_id, with_active_marker=True)
        if changes.id is not None and changes.id != integration_id:
            raise ValidationFailed.on("id", "does not match the integration id in the path")
        updated = integration.model_copy(update={"updated_at": now()})
        if changes.key is not None:
            updated.key = changes.key
        if changes.provider is not None:
            if current_provider_type(str(changes.provider.get("type", integration.type))) != integration.type:
                raise ValidationFailed.on("provider.type", "cannot change; create another integration instead")
            merged = {**integration.settings, **self._secrets(integration),
                      **_without_kept_secrets(integration, changes.provider), "type": integration.type}
            updated = self._with_provider(updated, _validated(merged))
        current = self.integrations.active_id(access.view.extras.get(
            self.integrations.active_key(store_id, integration.category)))
        if changes.active is not None:
            if changes.active and integration.category not in CONFIG_CATEGORIES:
                raise ValidationFailed.on("active", f"only {', '.join(CONFIG_CATEGORIES)} integrations can be active")
            updated.active = changes.active
        self.integrations.update(updated, integration, current_active=current)
        return updated

    def delete(self, principal: Principal, store_id: str, integration_id: str) -> None:
        integration, _ = self._load(principal, store_id, integration_id)
        self.integrations.delete(integration)

    def active_config(self, principal: Principal, store_id: str, category: str) -> Integration:
        """The active integration of a config category: the access read carries the marker, then one get."""
        marker_key = self.integrations.active_key(store_id, category)
        access = self.guard.enter(principal, store_id, Action.MANAGE_INTEGRATIONS, extra=[marker_key])
        active_id = self.integrations.active_id(access.view.extras.get(marker_key))
        found = self.integrations.get(store_id, active_id) if active_id else None
        if found is None:
            raise NotFound(f"No active {category} integration", "INTEGRATION.NOT_CONFIGURED")
        return found

    def active_with_secrets(self, store_id: str, category: str) -> tuple[Integration, dict[str, str]] | None:
        """For the platform's own use (e.g. charging through the store's Stripe account); never for responses."""
        found = self.integrations.active_in_category(store_id, category)
        return (found, self._secrets(found)) if found else None

    def secrets_of(self, integration: Integration) -> dict[str, str]:
        return self._secrets(integration)

    def stripe_credentials(self, store_id: str, integration_id: str | None = None) -> dict[str, str]:
        """The secrets of the store's Stripe integration: the one named, else the active payment one."""
        return self.stripe_account(store_id, integration_id)[1]

    def stripe_account(self, store_id: str, integration_id: str | None = None) -> tuple[str, dict[str, str]]:
        """The id and secrets of the store's Stripe integration: the one named (the one that took a payment),
        else the active payment one. A named one deleted since is not replaced by another: another Stripe
        account knows nothing of that payment."""
        found = (self.integrations.get(store_id, integration_id) if integration_id
                 else self.integrations.active_in_category(store_id, "payment"))
        if found is None or found.type != "stripe":
            raise Conflict("This store has no Stripe integration to take payments with" if integration_id is None
                           else "The Stripe integration that took this payment no longer exists",
                           "PAYMENT.NOT_CONFIGURED")
        return found.id, self._secrets(found)

    # ------------------------------------------------------------------ OAuth
    def connect(self, principal: Principal, store_id: str, request: OAuthConnect) -> Integration:
        """Exchanges the code with the provider's token endpoint; the tokens are sealed into its integration."""
        integration = self._oauth_integration(principal, store_id, request.provider)
        secrets = self._secrets(integration)
        answer = self.tokens.exchange(self.config.google_token_url, {
            "grant_type": "authorization_code", "code": request.code, "redirect_uri": request.redirect_uri,
            "client_id": str(integration.settings.get("client_id", "")), "client_secret": secrets["client_secret"],
        })
        at = now()
        merged: dict[str, Any] = {**integration.settings, **secrets, "type": integration.type,
                                  "access_token": answer.access_token, "connected_at": at,
                                  "token_expires_at": at + answer.expires_in if answer.expires_in else None}
        if answer.refresh_token:
            merged["refresh_token"] = answer.refresh_token
        if answer.scope:
            merged["scopes"] = answer.scope.split()
        updated = self._with_provider(integration.model_copy(update={"updated_at": at}), _validated(merged))
        self.integrations.update(updated, integration, current_active=None)
        return updated

    def disconnect(self, principal: Principal, store_id: str, request: OAuthDisconnect) -> Integration:
        """Forgets the tokens; the client id and secret stay, so the store can connect again."""
        integration = self._oauth_integration(principal, store_id, request.provider)
        kept = {k: v for k, v in {**integration.settings, **self._secrets(integration)}.items()
                if k not in ("access_token", "refresh_token", "token_expires_at", "connected_at")}
        updated = self._with_provider(integration.model_copy(update={"updated_at": now()}),
                                      _validated({**kept, "type": integration.type}))
        self.integrations.update(updated, integration, current_active=None)
        return updated

    # ------------------------------------------------------------------ helpers
    def _oauth_integration(self, principal: Principal, store_id: str, provider: str) -> Integration:
        self.guard.enter(principal, store_id, Action.MANAGE_INTEGRATIONS)
        found = [i for i in self.integrations.all_in_store(store_id) if i.type == provider]
        if not found:
            raise ValidationFailed.on("provider", f"create a {provider} integration with client_id and "
                                                  "client_secret first")
        return found[0]

    def _with_provider(self, integration: Integration, provider: Provider) -> Integration:
        secrets = provider.secrets()
        integration.settings = {k: v for k, v in provider.settings().items() if k != "type"}
        integration.secret_hints = {name: mask(value) for name, value in secrets.items()}
        integration.sealed_secrets = self.box.seal(secrets, integration.secret_context()) if secrets else None
        return integration

    def opened_secrets(self, integration: Integration) -> dict[str, str]:
        """The integration's secrets in clear (one KMS Decrypt), for a call made with them (a shipping label)."""
        return self._secrets(integration)

    def _secrets(self, integration: Integration) -> dict[str, str]:
        if not integration.sealed_secrets:
            return {}
        return self.box.open(integration.sealed_secrets, integration.secret_context())

    def _load(self, principal: Principal, store_id: str, integration_id: str, *,
              with_active_marker: bool = False) -> tuple[Integration, StoreAccess]:
        key = self.integrations.item_key(store_id, integration_id)
        extra: list[Key] = [key]
        if with_active_marker:
            extra += [self.integrations.active_key(store_id, category) for category in CONFIG_CATEGORIES]
        access = self.guard.enter(principal, store_id, Action.MANAGE_INTEGRATIONS, extra=extra)
        integration = self.integrations.from_item(access.view.extras.get(key))
        if integration is None:
            raise NotFound(INTEGRATION_NOT_FOUND, "INTEGRATION.NOT_FOUND")
        return integration, access

