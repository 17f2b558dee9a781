"""The rule for ids a request body names (storecrm.kernel.references) and the audience checks built on it."""

from __future__ import annotations

import pytest

from storecrm.integrations.models.integrations import Integration
from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.references import referenced
from storecrm.messaging.audiences import check_confirm_template, check_payment_integration
from storecrm.messaging.models.email_templates import EmailTemplate
from storecrm.profiles.models.profiles import Profile


def _integration(store_id: str, type_: str = "stripe") -> Integration:
    return Integration(id="i", store_id=store_id, key="k", type=type_, category="payment", created_at=1, updated_at=1)


def _field(error: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [e.field for e in error.value.field_errors]


def test_a_missing_record_and_another_stores_get_the_same_400() -> None:
    mine = Profile(id="p", store_id="s1", created_at=1, updated_at=1)
    assert referenced(mine, "s1", "profile_id", "profile") is mine
    answers = []
    for record in (None, Profile(id="p", store_id="s2", created_at=1, updated_at=1)):
        with pytest.raises(ValidationFailed) as error:
            referenced(record, "s1", "profile_id", "profile")
        assert _field(error) == ["profile_id"] and error.value.status == 400
        answers.append(error.value.field_errors[0].error)
    assert answers[0] == answers[1]


def test_a_payment_integration_is_the_stores_own_stripe_one() -> None:
    check_payment_integration(_integration("s1"), "s1")
    for integration in (None, _integration("s2"), _integration("s1", "shippo")):
        with pytest.raises(ValidationFailed) as error:
            check_payment_integration(integration, "s1")
        assert _field(error) == ["payment_integration_id"]


def test_a_confirmation_template_is_the_stores_own_with_a_confirm_link() -> None:
    template = EmailTemplate(id="t", store_id="s1", key="k", body="{{confirm_url}}", from_name="n",
                             from_email="a@example.com", created_at=1, updated_at=1)
    check_confirm_template(template, "s1")
    for found in (None, template.model_copy(update={"store_id": "s2"}), template.model_copy(update={"body": "hi"})):
        with pytest.raises(ValidationFailed) as error:
            check_confirm_template(found, "s1")
        assert _field(error) == ["confirm_template_id"]
