"""A Lambda-shaped Python for the import benchmark.

The runtime's boto3 in a bare virtualenv, the dependency layer in one folder and each function's own
requirements in another, put on sys.path in the order Lambda uses (/var/task, /opt/python, then the
runtime). The development virtualenv would not do: the SAM CLI brings awscrt and pyOpenSSL into it,
which boto3 then imports, so every figure there (the floor's too) is 150-400 ms heavier than on Lambda.
Prepared once under .bench/ and again only when a requirements file changes.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

from localrunner.template import REPO_ROOT

BENCH_DIR = REPO_ROOT / ".bench"
RUNTIME = BENCH_DIR / "runtime"
LAYER = BENCH_DIR / "layer"
FUNCTION_PACKAGES = BENCH_DIR / "functions"
STAMP = BENCH_DIR / "requirements.sha256"
DEPS_REQUIREMENTS = REPO_ROOT / "layers" / "deps" / "requirements.txt"


def python() -> Path:
    return RUNTIME / "bin" / "python"


def function_packages(code_uri: Path) -> Path | None:
    """Where a function's own requirements (its requirements.txt) are installed, if it has any."""
    target = FUNCTION_PACKAGES / code_uri.name
    return target if (code_uri / "requirements.txt").exists() else None


def prepare() -> None:
    function_requirements = sorted((REPO_ROOT / "functions").glob("*/requirements.txt"))
    boto3 = _runtime_boto3()
    digest = hashlib.sha256(boto3.encode())
    for path in [DEPS_REQUIREMENTS, *function_requirements]:
        digest.update(path.read_bytes())
    if STAMP.exists() and STAMP.read_text() == digest.hexdigest() and python().exists():
        return
    print(f"preparing a Lambda-shaped Python under {BENCH_DIR.relative_to(REPO_ROOT)}/ (once) ...", flush=True)
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(RUNTIME)], check=True)
    _pip("install", boto3)
    _pip("install", "--target", str(LAYER), "-r", str(DEPS_REQUIREMENTS))
    for requirements in function_requirements:
        _pip("install", "--target", str(FUNCTION_PACKAGES / requirements.parent.name), "-r", str(requirements))
    STAMP.write_text(digest.hexdigest())


def _runtime_boto3() -> str:
    """The boto3 the tests pin, standing in for the one the Lambda runtime ships."""
    pinned = re.search(r"^boto3==\S+", (REPO_ROOT / "requirements-dev.txt").read_text(), re.MULTILINE)
    return pinned.group(0) if pinned else "boto3"


def _pip(*args: str) -> None:
    subprocess.run([str(python()), "-m", "pip", "--quiet", "--disable-pip-version-check", *args], check=True)
