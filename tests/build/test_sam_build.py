"""The deployable bundle: `sam build` on this machine yields what Lambda python3.13 on arm64 runs.

Build machines have only Python 3.11 and no Docker; the template's makefile builds fetch the
target's wheels with pip. These tests run the real `sam build` once per session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from localrunner.template import REPO_ROOT, functions, load_template

TEMPLATE = load_template()
TARGET_RUNTIME = "python3.13"
TARGET_SO_SUFFIX = ".cpython-313-aarch64-linux-gnu.so"
ELF_MACHINE_AARCH64 = 0xB7


def built_for_target(path: Path) -> bool:
    """A CPython 3.13 extension for arm64; a stable-ABI one (cryptography's `*.abi3.so`) names no platform, so
    its ELF header has to say aarch64."""
    if path.name.endswith(TARGET_SO_SUFFIX):
        return True
    header = path.read_bytes()[:20]
    return path.name.endswith(".abi3.so") and header[:4] == b"\x7fELF" and header[18] == ELF_MACHINE_AARCH64


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sam") / "build"
    sam = Path(sys.executable).parent / "sam"
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHONPATH": ""}
    result = subprocess.run(
        [str(sam), "build", "--build-dir", str(out), "--template-file", str(REPO_ROOT / "template.yaml")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


def _resources(kind: str) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in TEMPLATE["Resources"].items() if res["Type"] == kind}


def test_every_function_and_layer_targets_python313_on_arm64() -> None:
    function_defaults = TEMPLATE["Globals"]["Function"]
    assert function_defaults["Runtime"] == TARGET_RUNTIME
    assert function_defaults["Architectures"] == ["arm64"]
    for logical_id, resource in _resources("AWS::Serverless::Function").items():
        properties = resource["Properties"]
        assert properties.get("Runtime", TARGET_RUNTIME) == TARGET_RUNTIME, logical_id
        assert properties.get("Architectures", ["arm64"]) == ["arm64"], logical_id
    for logical_id, resource in _resources("AWS::Serverless::LayerVersion").items():
        assert resource["Properties"]["CompatibleRuntimes"] == [TARGET_RUNTIME], logical_id


def test_no_lint_rule_is_silenced() -> None:
    assert "cfn-lint" not in (TEMPLATE.get("Metadata") or {})


def test_state_outlives_the_stack() -> None:
    """The table keeps sealed secrets and session ids; the keys that open them must stay with it."""
    resources = TEMPLATE["Resources"]
    for logical_id in ("Table", "IntegrationsKey", "JwtSigningSecret", "AccessTokenSigningSecret",
                       "AccessTokenPublicKeys", "LoginCodeSecret", "MediaBucket"):
        assert resources[logical_id].get("DeletionPolicy") == "Retain", logical_id
        assert resources[logical_id].get("UpdateReplacePolicy") == "Retain", logical_id


def test_dependency_layer_holds_the_targets_compiled_wheels(build_dir: Path) -> None:
    layer = build_dir / "DepsLayer" / "python"
    compiled = sorted(layer.rglob("*.so"))
    assert any(path.name.startswith("_pydantic_core") for path in compiled), compiled
    assert compiled and all(built_for_target(path) for path in compiled), compiled
    for package in ("aws_lambda_powertools", "pydantic", "jwt", "cryptography", "tzdata", "email_validator"):
        assert (layer / package).is_dir(), package


def test_common_layer_holds_the_storecrm_package(build_dir: Path) -> None:
    package = build_dir / "CommonLayer" / "python" / "storecrm"
    assert (package / "__init__.py").is_file()
    assert (package / "crm" / "profiles.py").is_file()
    assert not list(package.rglob("__pycache__"))


def test_every_function_has_its_code_and_its_own_requirements(build_dir: Path) -> None:
    for spec in functions(TEMPLATE).values():
        artifact = build_dir / spec.logical_id
        handler_file = artifact / spec.module_file.relative_to(spec.code_uri)
        assert handler_file.is_file(), f"{spec.logical_id}: {handler_file} missing"
        requirements = spec.code_uri / "requirements.txt"
        if requirements.is_file():
            for line in requirements.read_text().splitlines():
                name = line.split("#")[0].split("==")[0].strip()
                if name:
                    assert (artifact / name.replace("-", "_")).is_dir(), f"{spec.logical_id}: {name} missing"
            compiled = list(artifact.rglob("*.so"))
            assert all(built_for_target(path) for path in compiled), compiled
