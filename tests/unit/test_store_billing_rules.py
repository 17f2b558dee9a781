"""Store billing rules without AWS: return URLs, plans from the stack parameter, and what the stores
function loads at cold start (stripe only once a billing call needs it)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bench.imports import COMMON_LAYER, child_environment
from localrunner.template import REPO_ROOT, functions, load_template

from storecrm.kernel import rules

COLD_IMPORT = """
import importlib.util, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
spec = importlib.util.spec_from_file_location("cold_stores", sys.argv[3])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(json.dumps(sorted(m for m in ("stripe", "storecrm.stores.store_billing") if m in sys.modules)))
"""


@pytest.mark.parametrize("url", ["https://admin.example.com/billing", "http://localhost:5173/done",
                                 "http://127.0.0.1:3000/x", "http://[::1]/back"])
def test_https_or_loopback_return_urls_pass(url: str) -> None:
    assert rules.check_https_url(url) == url


@pytest.mark.parametrize("url", ["http://admin.example.com", "http://localhost.example.com/", "ftp://x.example",
                                 "/relative", "javascript:alert(1)", "https://"])
def test_other_return_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        rules.check_https_url(url)


def test_plans_are_read_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import config
    from storecrm.stores import plans

    monkeypatch.setenv("BILLING_PLANS", json.dumps([
        {"id": "p1", "name": "One", "tier": 0, "amount": 100, "currency": "USD", "interval": "month",
         "interval_count": 1, "provider_price_id": "price_1", "limits": {"profiles": 10}}]))
    config.settings.cache_clear()
    try:
        assert [p.id for p in plans.configured_plans()] == ["p1"]
        assert plans.plan_selling("price_1") == plans.plan_named("p1")
        assert plans.plan_named("p2") is None and plans.plan_selling("price_2") is None
        assert plans.plan_named("p1").limits.profiles == 10  # type: ignore[union-attr]
    finally:
        config.settings.cache_clear()


def test_the_default_plans_parameter_is_valid_and_has_nothing_for_sale() -> None:
    from pydantic import TypeAdapter

    from storecrm.stores.plans import SubscriptionPlan

    default = load_template()["Parameters"]["BillingPlans"]["Default"]
    found = TypeAdapter(list[SubscriptionPlan]).validate_json(default)
    # The operator's Stripe Prices are theirs to set; a default never names one.
    assert [p.id for p in found] == ["plan_free", "plan_pro", "plan_business"]
    assert all(p.provider_price_id is None for p in found)


def test_the_stores_function_loads_neither_stripe_nor_billing_at_cold_start() -> None:
    template = load_template()
    spec = functions(template)["StoresFunction"]
    done = subprocess.run([sys.executable, "-c", COLD_IMPORT, str(COMMON_LAYER), str(spec.code_uri),
                           str(spec.module_file)], env=child_environment(template), cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_profile_cap_is_split_over_the_count_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shards' parts sum to the cap; a create takes a shard below its part; a shard above its part makes the
    create check every shard (`seen`); a full store is the 402."""
    from storecrm import config
    from storecrm.kernel.errors import PaymentRequired
    from storecrm.stores.models.stores import Store
    from storecrm.stores.plan_limits import profile_slot

    monkeypatch.setenv("BILLING_PLANS", json.dumps([
        {"id": "free", "name": "Free", "tier": 0, "amount": 0, "currency": "USD", "interval": "month",
         "interval_count": 1, "limits": {"profiles": 23}}]))
    config.settings.cache_clear()
    try:
        store = Store(id="s1", key="shop", timezone="UTC", created_at=1, updated_at=1)
        counts: list[int | None] = [3, 3, 3, 2, None, 2, 2, 2, 2, 2]  # 21 of 23; shards 0-2 full (parts 3, 3, 3)
        for _ in range(50):
            slot = profile_slot(store, counts)
            assert slot is not None and slot.seen is None
            assert slot.shard >= 3 and slot.share == 2 and (counts[slot.shard] or 0) < slot.share
        over = profile_slot(store, [5, 0, 0, 0, 0, 0, 0, 0, 0, None])  # a shard above its part of 3
        assert over is not None and over.seen == (5, 0, 0, 0, 0, 0, 0, 0, 0, None) and over.shard != 0
        with pytest.raises(PaymentRequired):
            profile_slot(store, [3, 3, 3, 2, 2, 2, 2, 2, 2, 2])
        with pytest.raises(PaymentRequired):
            profile_slot(store, [23, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    finally:
        config.settings.cache_clear()
