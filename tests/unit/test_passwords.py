"""Password rules and hashing (scrypt with its parameters in the stored string)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from storecrm.crm.customers import CustomerChanges, NewCustomer
from storecrm.identity import passwords

CHEAP = passwords.ScryptParameters(n=2**10, r=8, p=1)


@pytest.mark.parametrize("password", ["short", "1234567", "12345678", "Password1", "QWERTYUIOP", "iloveyou"])
def test_short_and_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValueError):
        passwords.check_password(password)


def test_long_uncommon_passwords_pass_as_typed() -> None:
    assert passwords.check_password(" plum tree 42 ") == " plum tree 42 "
    with pytest.raises(ValueError):
        passwords.check_password("x" * (passwords.MAX_LENGTH + 1))


def test_the_common_list_is_bundled_and_only_holds_passwords_the_length_rule_lets_through() -> None:
    common = passwords.common_passwords()
    assert "password" in common and "12345678" in common
    assert all(len(p) >= passwords.MIN_LENGTH for p in common)


def test_sign_up_and_update_commands_apply_the_rule_without_stripping_the_password() -> None:
    with pytest.raises(ValidationError) as refused:
        NewCustomer.model_validate({"email": "a@example.com", "password": "password123"})
    assert refused.value.errors()[0]["loc"] == ("password",)
    assert NewCustomer.model_validate({"email": "a@example.com", "password": "  spaced out  "}).password == \
        "  spaced out  "
    with pytest.raises(ValidationError):
        CustomerChanges.model_validate({"password": "short"})
    with pytest.raises(ValidationError):
        CustomerChanges.model_validate({"email": None})


def test_hash_verifies_only_its_password_and_names_its_parameters() -> None:
    stored = passwords.hash_password("plum-tree-42", CHEAP)
    assert stored.startswith("scrypt$1024$8$1$") and "plum" not in stored
    assert passwords.password_matches("plum-tree-42", stored)
    assert not passwords.password_matches("plum-tree-43", stored)
    assert passwords.hash_password("plum-tree-42", CHEAP) != stored  # salted


@pytest.mark.parametrize("stored", [None, "", "plain", "scrypt$x$8$1$aa$bb", "bcrypt$1$2$3$aa$bb",
                                    "scrypt$1024$8$1$!!$"])
def test_missing_or_malformed_hashes_never_match(stored: str | None) -> None:
    assert not passwords.password_matches("anything-at-all", stored)


def test_hashes_made_with_other_parameters_need_an_upgrade(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "CURRENT", CHEAP)
    current = passwords.hash_password("plum-tree-42")
    assert not passwords.needs_upgrade(current)
    older = passwords.hash_password("plum-tree-42", passwords.ScryptParameters(n=2**9, r=8, p=1))
    assert passwords.needs_upgrade(older) and passwords.password_matches("plum-tree-42", older)
    assert passwords.needs_upgrade("not-a-hash")


def test_the_default_parameters_are_memory_hard() -> None:
    # At least one of OWASP's scrypt settings (32 MiB or more of memory per hash).
    assert 128 * passwords.CURRENT.n * passwords.CURRENT.r >= 32 * 1024 * 1024
