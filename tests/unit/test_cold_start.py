"""What a function loads at cold start: the provider models only where integrations are handled."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.imports import COMMON_LAYER, child_environment
from localrunner.template import REPO_ROOT, functions, load_template

# Imports each handler module from its file, in one fresh interpreter, and reports which of the
# watched modules each one added.
CHILD = """
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
watched, loaded = sys.argv[2], {}
for item in json.loads(sys.argv[3]):
    sys.path.insert(0, item["code_uri"])
    spec = importlib.util.spec_from_file_location("cold_" + item["name"], item["file"])
    module = importlib.util.module_from_spec(spec)
    before = watched in sys.modules
    spec.loader.exec_module(module)
    loaded[item["name"]] = watched in sys.modules and not before
    sys.path.remove(item["code_uri"])
print(json.dumps(loaded))
"""
# The functions that handle integrations; audiences and stripe_webhooks reach them only on a paid call.
INTEGRATION_FUNCTIONS = {"IntegrationsFunction"}


def test_only_the_integrations_function_loads_the_provider_models_at_cold_start() -> None:
    template = load_template()
    specs = [{"name": name, "file": str(spec.module_file), "code_uri": str(spec.code_uri)}
             for name, spec in functions(template).items() if spec.module_file.exists()]
    # Integrations last: whatever it loads must not hide what the others load.
    specs.sort(key=lambda item: item["name"] in INTEGRATION_FUNCTIONS)
    done = subprocess.run([sys.executable, "-c", CHILD, str(COMMON_LAYER), "storecrm.domain.providers",
                           json.dumps(specs)], env=child_environment(template), cwd=REPO_ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert {name for name, did in loaded.items() if did} == INTEGRATION_FUNCTIONS
    assert "PlatformFunction" in loaded  # it lists the services, loading the models on that call only
