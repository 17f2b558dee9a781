"""Cold import time of every function's handler module, each in a fresh interpreter.

The floor is what any function here pays anyway: `import boto3, aws_lambda_powertools.event_handler`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from localrunner.template import REPO_ROOT, functions, load_template, template_parameters

from bench import table

HEAVY = ("stripe", "moto", "requests", "jwt", "email_validator", "pydantic")
FLOOR = ("boto3", "aws_lambda_powertools.event_handler")
GOAL = 1.25  # every API function's cold import, as a multiple of the floor (issue 11)
COMMON_LAYER = REPO_ROOT / "layers" / "common" / "python"

# Runs in the child. Only the imports themselves are timed; json is imported after the clock stops.
CHILD = """
import importlib, sys, time
paths, modules, heavy = sys.argv[1].split(":"), sys.argv[2].split(","), sys.argv[3].split(",")
sys.path[:0] = [p for p in paths if p]
before = len(sys.modules)
started = time.perf_counter()
for name in modules:
    importlib.import_module(name)
elapsed = time.perf_counter() - started
loaded = len(sys.modules) - before
import json
print(json.dumps({"ms": elapsed * 1000, "modules": loaded, "heavy": [m for m in heavy if m in sys.modules]}))
"""


@dataclass
class Target:
    name: str
    label: str  # what is imported, for the table
    modules: tuple[str, ...]
    paths: tuple[str, ...]
    timings: list[float] = field(default_factory=list)
    modules_loaded: int = 0
    heavy: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.timings)


def child_environment(template: dict[str, Any]) -> dict[str, str]:
    """The variables the template gives every function, with stand-in values, and fake AWS credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing")
    parameters = template_parameters(template)
    variables: dict[str, Any] = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    for spec in template["Resources"].values():
        if spec.get("Type") == "AWS::Serverless::Function":
            variables.update(((spec.get("Properties") or {}).get("Environment") or {}).get("Variables") or {})
    for name, value in variables.items():
        if isinstance(value, str):
            env[name] = value
        elif isinstance(value, dict) and str(value.get("Ref")) in parameters:
            env[name] = str(parameters[value["Ref"]])  # e.g. POWERTOOLS_LOG_LEVEL must be a real level
        else:
            env[name] = f"bench-{name.lower().replace('_', '-')}"
    return env


def targets() -> list[Target]:
    found = [Target("(floor)", "boto3 + powertools event_handler", FLOOR, ())]
    for logical_id, spec in functions(load_template()).items():
        module = spec.handler.rsplit(".", 1)[0].replace("/", ".")  # as the Lambda runtime names it
        label = str(spec.module_file.relative_to(REPO_ROOT))
        found.append(Target(logical_id, label, (module,), (str(COMMON_LAYER), str(spec.code_uri))))
    return found


def measure_once(target: Target, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, ":".join(target.paths), ",".join(target.modules), ",".join(HEAVY)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"importing {target.label} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    target.timings.append(float(result["ms"]))
    target.modules_loaded = int(result["modules"])
    target.heavy = list(result["heavy"])


def run(repeat: int) -> None:
    env = child_environment(load_template())
    found = targets()
    # Round-robin, so drift (other load, disk cache) spreads over every target alike.
    for _ in range(repeat):
        for target in found:
            measure_once(target, env)
    floor = found[0].median
    api = api_functions(load_template())
    rows = [["function", "imports", "median ms", "min ms", "x floor", "goal", "", "modules",
             "heavy modules at import"]]
    for t in found:
        ratio = t.median / floor
        goal, mark = (f"<= {GOAL:.2f}", "ok" if ratio <= GOAL else "OVER") if t.name in api else ("-", "")
        rows.append([t.name, t.label, f"{t.median:.1f}", f"{min(t.timings):.1f}", f"{ratio:.2f}", goal, mark,
                     str(t.modules_loaded), ", ".join(t.heavy) or "-"])
    print(f"Cold import, fresh interpreter per run, median of {repeat} (checked for: {', '.join(HEAVY)}); "
          f"goal: every API function at most {GOAL}x the floor")
    print(table(rows, right=frozenset({2, 3, 4, 7})))


def api_functions(template: dict[str, Any]) -> set[str]:
    """The functions API Gateway invokes (those with an Api event): the ones the goal is for."""
    found = set()
    for logical_id, spec in template["Resources"].items():
        events = ((spec.get("Properties") or {}).get("Events") or {}).values()
        if spec.get("Type") == "AWS::Serverless::Function" and any(e.get("Type") == "Api" for e in events):
            found.add(logical_id)
    return found
