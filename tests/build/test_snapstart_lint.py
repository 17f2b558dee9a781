"""`sam validate --lint` passes with EnableSnapStart off (dev, the template's default) and on (prod).

`sam validate` takes no parameter values and lints with the parameters' defaults, so each case
lints a copy of template.yaml whose default is the value under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from localrunner.template import REPO_ROOT

DECLARED_OFF = '  EnableSnapStart:\n    Type: String\n    Default: "false"\n'


@pytest.mark.parametrize("enable_snapstart", ["false", "true"])
def test_sam_validate_lint_passes(enable_snapstart: str, tmp_path: Path) -> None:
    source = (REPO_ROOT / "template.yaml").read_text(encoding="utf-8")
    assert source.count(DECLARED_OFF) == 1
    copy = tmp_path / "template.yaml"
    copy.write_text(source.replace(DECLARED_OFF, DECLARED_OFF.replace('"false"', f'"{enable_snapstart}"')),
                    encoding="utf-8")
    sam = Path(sys.executable).parent / "sam"
    result = subprocess.run([str(sam), "validate", "--lint", "--template-file", str(copy)], cwd=tmp_path,
                            env={**os.environ, "SAM_CLI_TELEMETRY": "0"}, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
