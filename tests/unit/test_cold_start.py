"""What a function loads at cold start: models that only some routes use are defined by those routes' first call
(storecrm.deferred), not by every cold start of the functions that serve them."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.imports import COMMON_LAYER, child_environment
from localrunner.template import REPO_ROOT, functions, load_template

# Imports each handler module from its file, in one interpreter that forgets every module the previous handler
# loaded, and reports which of the watched modules each one loaded.
CHILD = """
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
watched, loaded = json.loads(sys.argv[2]), {}
for item in json.loads(sys.argv[3]):
    before = dict(sys.modules)
    sys.path.insert(0, item["code_uri"])
    spec = importlib.util.spec_from_file_location("cold_" + item["name"], item["file"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded[item["name"]] = [name for name in watched if name in sys.modules]
    sys.path.remove(item["code_uri"])
    sys.modules.clear()
    sys.modules.update(before)
print(json.dumps(loaded))
"""
# The functions that may load each watched module at cold start: those whose every route needs it.
LOADED_BY = {
    # The 48-provider union: audiences and stripe_webhooks reach it only on a paid call, platform on its list.
    "storecrm.integrations.integration_types": {"IntegrationsFunction"},
    # Carts and quotes: not the profiles (only their detail, carts and orders routes) nor the storefront (`me`).
    "storecrm.commerce.models.commerce": {"CartsFunction", "OrdersFunction"},
    # Orders: the carts function makes one only at checkout.
    "storecrm.commerce.models.orders": {"OrdersFunction"},
    # Services and providers: carts read them only for service lines; orders cancel and move booked lines.
    "storecrm.bookings.models.bookings": {"BookingsFunction", "OrdersFunction"},
    # A profile with its carts and orders: only the routes that answer one.
    "storecrm.arky.schemas.profile_detail": set(),
    # The User-Agent parser: the activities function's first track call imports it.
    "ua_parser": set(),
}


def test_functions_load_the_models_only_some_routes_use_when_those_routes_run() -> None:
    template = load_template()
    specs = [{"name": name, "file": str(spec.module_file), "code_uri": str(spec.code_uri)}
             for name, spec in functions(template).items() if spec.module_file.exists()]
    done = subprocess.run([sys.executable, "-c", CHILD, str(COMMON_LAYER), json.dumps(list(LOADED_BY)),
                           json.dumps(specs)], env=child_environment(template), cwd=REPO_ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"PlatformFunction", "ProfilesFunction", "StorefrontFunction"} <= set(loaded)
    for module, expected in LOADED_BY.items():
        assert {name for name, modules in loaded.items() if module in modules} == expected, module
