"""Login limits hold under parallel guesses (issue 24 section 6).

Thirty guesses arrive at the same moment, one thread each, against the in-process services (moto's transactions
run one at a time, as DynamoDB's are atomic: `serialized_transactions`). Each attempt is counted before it is
checked, so no more than the limit are ever checked (the checking function itself is counted here), whatever
the answers say.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.api_client_support import new_client
from tests.integration.test_checkout import serialized_transactions  # noqa: F401 - a fixture
from tests.integration.test_pelcro_customers import PASSWORD, SDK, cheap_hashing, customer  # noqa: F401
from tests.support import Api, latest_code

GUESSES = 30
pytestmark = pytest.mark.usefixtures("serialized_transactions")


def at_once(attempt: Callable[[int], None]) -> Counter[str]:
    """Runs `attempt(i)` for every guess at the same moment; what each ended with (the error's code)."""
    from storecrm.kernel.errors import DomainError

    start = threading.Barrier(GUESSES)

    def one(i: int) -> str:
        start.wait()
        try:
            attempt(i)
            return "ok"
        except DomainError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        return Counter(pool.map(one, range(GUESSES)))


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Counts the calls of `module.name` (the function that compares a secret)."""
    original, calls = getattr(module, name), []
    lock = threading.Lock()

    def counted(*args: Any, **kwargs: Any) -> Any:
        with lock:
            calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_thirty_parallel_password_guesses_check_at_most_ten(api: Api, store: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.crm.customers import Credentials
    from storecrm.identity import passwords
    from storecrm.services import customers

    customer(api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": "owner@example.com",
                                                       "password": PASSWORD}))
    checked = counting(monkeypatch, passwords, "password_matches")
    outcomes = at_once(lambda i: customers().login(store["id"], Credentials(
        email="owner@example.com", password=f"guess-{i}-wrong"), f"198.51.100.{i}"))
    assert len(checked) <= 10, (len(checked), outcomes)
    assert outcomes["CUSTOMER.INVALID_CREDENTIALS"] <= 10 and set(outcomes) <= {
        "CUSTOMER.INVALID_CREDENTIALS", "GENERAL.RATE_LIMITED"}
    # The window is used up: the right password too is a 429, while the owner's passwordless path stays open.
    login = {"site_id": store["id"], "email": "owner@example.com", "password": PASSWORD}
    assert api.call("POST", f"{SDK}/auth/login", login).status == 429
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": "owner@example.com"})
    assert customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "owner@example.com", "token": latest_code("owner@example.com")}))


def test_a_right_password_gives_its_count_back(api: Api, store: dict[str, Any]) -> None:
    customer(api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": "owner@example.com",
                                                       "password": PASSWORD}))
    login = {"site_id": store["id"], "email": "owner@example.com"}
    for _ in range(9):
        assert api.call("POST", f"{SDK}/auth/login", {**login, "password": "not-the-one"}).status == 401
    for _ in range(3):  # a right password is not a failure: it does not use up the account's last attempt
        assert customer(api.call("POST", f"{SDK}/auth/login", {**login, "password": PASSWORD}))
    assert api.call("POST", f"{SDK}/auth/login", {**login, "password": "not-the-one"}).status == 401
    assert api.call("POST", f"{SDK}/auth/login", {**login, "password": PASSWORD}).status == 429


def test_the_email_and_the_username_share_one_account_limit(api: Api, store: dict[str, Any]) -> None:
    customer(api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": "owner@example.com",
                                                       "username": "owner", "password": PASSWORD}))
    for i in range(10):
        name = {"email": "owner@example.com"} if i % 2 else {"username": "OWNER"}
        refused = Api(source_ip=f"198.51.100.{i}").call("POST", f"{SDK}/auth/login", {
            "site_id": store["id"], **name, "password": "not-the-one"})
        assert refused.status == 401
    assert Api(source_ip="198.51.100.99").call("POST", f"{SDK}/auth/login", {
        "site_id": store["id"], "username": "owner", "password": PASSWORD}).status == 429


def test_a_wrong_current_password_counts_like_a_failed_login(api: Api, store: dict[str, Any]) -> None:
    made = customer(api.call("POST", f"{SDK}/auth/register", {"site_id": store["id"], "email": "owner@example.com",
                                                              "password": PASSWORD}))
    change = {"site_id": store["id"], "password": "a-brand-new-one", "current_password": "not-the-one"}
    for _ in range(10):
        assert api.call("PUT", f"{SDK}/customer", change, token=made["token"]).status == 400
    assert api.call("PUT", f"{SDK}/customer", {**change, "current_password": PASSWORD},
                    token=made["token"]).status == 429


def test_thirty_parallel_client_secrets_check_at_most_ten(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.services import api_client_service
    from storecrm.stores import api_clients
    from storecrm.stores.api_clients import TokenRequest

    client = new_client(api, owner["access_token"], store["id"])
    checked = counting(monkeypatch, api_clients, "hash_secret")
    outcomes = at_once(lambda i: api_client_service().issue_token(TokenRequest(
        grant_type="client_credentials", client_id=client["client_id"], client_secret=f"guess-{i}")))
    assert len(checked) <= 10, (len(checked), outcomes)
    assert set(outcomes) <= {"OAUTH.INVALID_CLIENT", "GENERAL.RATE_LIMITED"}


@pytest.mark.parametrize("kind", ["staff", "profile"])
def test_thirty_parallel_code_guesses_check_at_most_ten(api: Api, store: dict[str, Any], kind: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.identity import codes
    from storecrm.services import account_login, profile_sessions

    email = "guessed@example.com"
    if kind == "staff":
        assert api.call("POST", "/v1/auth/code", {"email": email}).status == 200
        guess: Callable[[int], None] = lambda i: account_login().verify(email, f"{i:06d}")  # noqa: E731
    else:
        assert api.call("POST", f"/v1/stores/{store['id']}/profiles/auth/code", {"email": email}).status == 200
        guess = lambda i: profile_sessions().verify(store["id"], email, f"{i:06d}")  # noqa: E731
    right = latest_code(email)
    checked = counting(monkeypatch, codes, "code_matches")
    outcomes = at_once(lambda i: guess(i if f"{i:06d}" != right else i + 100))
    assert len(checked) <= 10, (len(checked), outcomes)
    assert set(outcomes) <= {"GENERAL.INVALID_CODE", "GENERAL.RATE_LIMITED"}
