"""Traces (issue 17, section 2): what a traced function sends to the X-Ray daemon, and that a function
with tracing off never loads the X-Ray SDK.

Tracing patches botocore and http.client for the whole process, so each case runs in a fresh
interpreter, as a Lambda instance would, with a fake daemon on a loopback UDP port.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from localrunner.template import REPO_ROOT

EMAIL = "traced.person@example.com"

CHILD = """
import json, os, socket, sys
daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
daemon.bind(("127.0.0.1", 0))
daemon.settimeout(1.0)
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                   "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:%d" % daemon.getsockname()[1]})
os.environ.pop("AWS_ENDPOINT_URL", None)
import boto3
from moto import mock_aws
from localrunner.template import function_environment, load_template, provision

with mock_aws():
    template = load_template()
    stack = provision(boto3.session.Session(region_name="us-east-1"), {"Stage": "dev",
                                                                        "EnableTracing": sys.argv[1]})
    os.environ.update(function_environment(template, stack, "AccountsFunction"))
    # What Lambda sets for an invocation that API Gateway sampled.
    os.environ["LAMBDA_TASK_ROOT"] = os.getcwd()
    os.environ["_X_AMZN_TRACE_ID"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    from tests.support import Api

    reply = Api().call("POST", "/v1/auth/code", {"email": sys.argv[2]})
documents = []
while True:
    try:
        datagram = daemon.recv(65536)
    except socket.timeout:
        break
    documents.append(json.loads(datagram.split(b"\\n", 1)[1]))
print(json.dumps({"status": reply.status, "sdk_loaded": "aws_xray_sdk" in sys.modules, "documents": documents}))
"""


def _invoke(enable_tracing: str) -> dict[str, Any]:
    paths = f"{REPO_ROOT / 'layers' / 'common' / 'python'}:{REPO_ROOT}"
    done = subprocess.run([sys.executable, "-c", CHILD, enable_tracing, EMAIL], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=False, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": paths})
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    return result


def _subsegments(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [document, *[s for child in document.get("subsegments", []) for s in _subsegments(child)]]


def test_a_traced_call_records_aws_calls_but_no_response_error_or_personal_data() -> None:
    result = _invoke("true")
    assert result["sdk_loaded"]
    segments = [s for document in result["documents"] for s in _subsegments(document)]
    [handler] = [s for s in segments if s["name"] == "## lambda_handler"]
    assert handler["annotations"]["Service"] == "accounts"
    assert "metadata" not in handler  # neither the response nor an error
    aws_calls = {(s["name"], s["aws"]["operation"]) for s in segments if s.get("namespace") == "aws"}
    assert {("dynamodb", "TransactWriteItems"), ("email", "SendEmail")} <= aws_calls  # boto3 patched (SES v2)
    assert EMAIL not in json.dumps(result["documents"])


def test_with_tracing_off_the_sdk_never_loads_and_nothing_is_sent() -> None:
    result = _invoke("false")
    assert result == {"status": 200, "sdk_loaded": False, "documents": []}
