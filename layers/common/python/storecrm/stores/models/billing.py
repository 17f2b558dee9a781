"""What staff send to put their store on a plan of the platform, and what they get back."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Command, HttpsReturnUrl


class Subscribe(Command):
    plan_id: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("plan_id", "planId"))
    success_url: HttpsReturnUrl = Field(validation_alias=AliasChoices("success_url", "successUrl"))
    cancel_url: HttpsReturnUrl = Field(validation_alias=AliasChoices("cancel_url", "cancelUrl"))


class PortalRequest(Command):
    return_url: HttpsReturnUrl = Field(validation_alias=AliasChoices("return_url", "returnUrl"))


class CheckoutStarted(Model):
    checkout_url: str


class PortalOpened(Model):
    portal_url: str


class BillingEventReceived(Model):
    received: bool
    outcome: str
