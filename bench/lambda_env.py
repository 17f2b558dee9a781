"""A Lambda-shaped Python for the import benchmark.

The runtime's boto3 in a bare virtualenv, the dependency layer in one folder and each function's own
requirements in another, put on sys.path in the order Lambda uses (/var/task, /opt/python, then the
runtime). The development virtualenv would not do: the SAM CLI brings awscrt and pyOpenSSL into it,
which boto3 then imports, so every figure there (the floor's too) is 150-400 ms heavier than on Lambda.

The virtualenv is made with the template's runtime version (python3.13) when this machine has it: what an
import costs depends on the interpreter (3.11's dataclasses compile each generated method on its own, 3.13's
all of a class's in one go, so a frozen dataclass costs 3.11 several times more). Otherwise with the Python
running the bench, and the bench says so. Prepared once under .bench/ and again only when the interpreter or a
requirements file changes.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from localrunner.template import REPO_ROOT, load_template

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


def runtime_version() -> str:
    """The Lambda runtime's Python version, from the template's Globals: "3.13"."""
    return str(load_template()["Globals"]["Function"]["Runtime"]).removeprefix("python")


def interpreter() -> str:
    """A Python of the runtime's version if this machine has one (on PATH or installed by pyenv), else the one
    running the bench."""
    name = f"python{runtime_version()}"
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for candidate in [shutil.which(name), *sorted(glob.glob(f"{pyenv_root}/versions/{runtime_version()}*/bin/{name}"))]:
        # A pyenv shim is on PATH even where its version is not selected, and then fails.
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True, check=False).returncode == 0:
            return candidate
    return sys.executable


def python_version() -> str:
    """The bench interpreter's version, "3.13.0"."""
    done = subprocess.run([str(python()), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def prepare() -> None:
    function_requirements = sorted((REPO_ROOT / "functions").glob("*/requirements.txt"))
    boto3 = _runtime_boto3()
    base = interpreter()
    digest = hashlib.sha256(f"{base}\n{boto3}".encode())
    for path in [DEPS_REQUIREMENTS, *function_requirements]:
        digest.update(path.read_bytes())
    if STAMP.exists() and STAMP.read_text() == digest.hexdigest() and python().exists():
        return
    print(f"preparing a Lambda-shaped Python under {BENCH_DIR.relative_to(REPO_ROOT)}/ (once) ...", flush=True)
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    subprocess.run([base, "-m", "venv", str(RUNTIME)], check=True)
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
