from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from storecrm.kernel import rules
from storecrm.kernel.fields import Currency, Email, MarketKey, Slug, Timezone


class Sample(BaseModel):
    email: Email | None = None
    slug: Slug | None = None
    market: MarketKey | None = None
    tz: Timezone | None = None
    currency: Currency | None = None


def test_emails_are_trimmed_and_lower_cased() -> None:
    assert rules.normalize_email("  Jane.Doe@Example.COM ") == "jane.doe@example.com"
    assert Sample(email=" A@Example.com").email == "a@example.com"


@pytest.mark.parametrize("bad", ["", "plain", "a@", "@b.com", "a b@c.com"])
def test_bad_emails_are_rejected(bad: str) -> None:
    with pytest.raises(ValidationError):
        Sample(email=bad)


@pytest.mark.parametrize(("value", "ok"), [("my-store", True), ("abc", True), ("ab", False), ("My-Store", False),
                                           ("a--b", False), ("-abc", False), ("a" * 65, False)])
def test_store_keys_are_slugs_of_three_or_more(value: str, ok: bool) -> None:
    if ok:
        assert Sample(slug=value).slug == value
    else:
        with pytest.raises(ValidationError):
            Sample(slug=value)


def test_market_keys_may_be_two_letters() -> None:
    assert Sample(market="us").market == "us"


def test_timezones_are_iana_names() -> None:
    assert Sample(tz="America/New_York").tz == "America/New_York"
    with pytest.raises(ValidationError):
        Sample(tz="EST5EDT-ish")


def test_currencies_are_upper_cased_iso_codes() -> None:
    assert Sample(currency="eur").currency == "EUR"
    with pytest.raises(ValidationError):
        Sample(currency="EURO")


# ---------------------------------------------------------------- secrets sent back on an edit
SHOWN = rules.mask("whsec_original_7890")


@pytest.mark.parametrize("sent", [None, "", "  ", SHOWN])
def test_an_edit_that_sends_nothing_or_the_masked_form_keeps_the_secret(sent: str | None) -> None:
    assert SHOWN == "****7890"
    assert rules.secret_edit(sent, SHOWN) is None


def test_an_edit_with_a_new_value_replaces_the_secret() -> None:
    assert rules.secret_edit("whsec_rotated_1111", SHOWN) == "whsec_rotated_1111"
    assert rules.secret_edit("whsec_first_secret", None) == "whsec_first_secret"  # nothing stored yet


@pytest.mark.parametrize("sent", ["****1111", "****", "****abcd"])
def test_a_masked_value_that_is_not_this_secrets_mask_is_refused(sent: str) -> None:
    # Stored as the secret, it would sign with a string nobody holds.
    with pytest.raises(ValueError, match="masked"):
        rules.secret_edit(sent, SHOWN)
    with pytest.raises(ValueError, match="masked"):
        rules.refuse_masked(sent)


def test_short_secrets_show_only_the_mask_and_sending_it_back_keeps_them() -> None:
    assert rules.mask("whsec_short") == "****"
    assert rules.secret_edit("****", rules.mask("whsec_short")) is None


def test_control_characters_are_refused_as_sent_but_tabs_pass() -> None:
    import pytest

    from storecrm.kernel.rules import refuse_control_characters

    assert refuse_control_characters("a\tb") == "a\tb"
    assert refuse_control_characters(7) == 7
    for bad in ("a\x00b", "value\r\n", "\x01", "x\x7f", "line\nbreak"):
        with pytest.raises(ValueError, match="control characters"):
            refuse_control_characters(bad)
