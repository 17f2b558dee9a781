"""Session-wide: the IAM conformance test (tests/iam_conformance.py).

The controller process (or the only one, without xdist) names a folder in STORECRM_IAM_RECORD_DIR before
any worker or runner starts, so every process of the session records the functions' AWS calls there; when
the session ends it judges them all and reports the result as one more test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from localrunner.iam_recording import ENV

from tests import iam_conformance

TESTS = Path(__file__).resolve().parent
_FOLDER = pytest.StashKey[Path]()
_FINDINGS = pytest.StashKey[iam_conformance.Findings]()


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller named the folder in the environment it inherited
    folder = Path(tempfile.mkdtemp(prefix="storecrm-iam-"))
    os.environ[ENV] = str(folder)
    config.stash[_FOLDER] = folder


def _whole_suite(config: pytest.Config) -> bool:
    """The unused grants mean something only when every suite that calls AWS ran."""
    paths = [Path(str(a).split("::")[0]).resolve() for a in config.args] or [TESTS]
    return any(p in (TESTS, TESTS.parent) for p in paths)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    folder = config.stash.get(_FOLDER, None)
    if folder is None:
        return
    findings = iam_conformance.load(folder)
    shutil.rmtree(folder, ignore_errors=True)
    if not findings.calls and not findings.errors:
        return  # no function ran (unit tests only)
    config.stash[_FINDINGS] = findings
    report = pytest.TestReport(
        nodeid=iam_conformance.NODE_ID, location=("tests/iam_conformance.py", 0, "template_grants_every_aws_call"),
        keywords={}, outcome="failed" if findings.failed else "passed",
        longrepr=iam_conformance.failure_text(findings) if findings.failed else None, when="call", duration=0.0)
    config.hook.pytest_runtest_logreport(report=report)
    if findings.failed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    findings = config.stash.get(_FINDINGS, None)
    if findings is None:
        return
    terminalreporter.write_sep("-", "IAM conformance")
    terminalreporter.write_line(f"{findings.calls} distinct AWS calls of {len(findings.functions)} functions "
                                f"judged against their policies in template.yaml: {len(findings.denied)} not granted")
    if _whole_suite(config):
        terminalreporter.write_sep("-", "IAM grants no test used (drop them or say why they stay)")
        terminalreporter.write_line(iam_conformance.unused_text(findings) or "none")
