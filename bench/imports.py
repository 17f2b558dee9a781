"""Cold import cost of every function's handler module, each in a fresh Lambda-shaped interpreter.

Two floors: what any function pays (`import boto3` and Powertools' event handler) and what any API
function pays once Powertools validates its requests (the validation middleware, its OpenAPI
parameter types and pydantic with them). The goal is set against the second: pydantic and the
validator alone are about 1.3x the first, and validation stays (issue 11).

CPU time of the imports, with bytecode already compiled (a discarded first run compiles it), so the
figure is the import itself. On Lambda without SnapStart the layers' code has no usable bytecode
(the build's pip is not 3.13) and compiling it comes on top: README, "Cold start".

CPU time on a small shared machine moves by up to half the floor between runs of the same code, so
when valgrind is installed the goal is judged on instructions instead: the CPU instructions each
import executes (cachegrind, without cache simulation), less those of an interpreter that imports
nothing. They are the same from run to run, and other load cannot change them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass, field
from typing import Any

from localrunner.template import REPO_ROOT, functions, load_template, template_parameters

from bench import lambda_env, table

HEAVY = ("stripe", "moto", "requests", "jwt", "email_validator", "pydantic")
FLOOR = ("boto3", "aws_lambda_powertools.event_handler")
VALIDATION_FLOOR = (*FLOOR, "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
                    "aws_lambda_powertools.event_handler.openapi.params")
# Not at any cold start: what the first request that signs or checks an access token adds (PyJWT with the
# cryptography backend and Ed25519; SnapStart imports it before the snapshot). For scale beside the floors.
FIRST_TOKEN = ("jwt", "cryptography.hazmat.primitives.asymmetric.ed25519")
GOAL = 1.25  # every API function's cold import, as a multiple of the validation floor (issue 11)
# API functions the goal is not for, and why.
EXEMPT = {"DocsFunction": "serves developers, not shoppers: merges every function's routes into one document"}
COMMON_LAYER = REPO_ROOT / "layers" / "common" / "python"

# Runs in the child. Only the imports themselves are timed (CPU time, which other load on the machine
# disturbs less than the wall clock); json is imported after the clock stops.
CHILD = """
import importlib, sys, time
paths, modules, heavy = sys.argv[1].split(":"), [m for m in sys.argv[2].split(",") if m], sys.argv[3].split(",")
sys.path[:0] = [p for p in paths if p]
before = len(sys.modules)
started = time.process_time()
for name in modules:
    importlib.import_module(name)
elapsed = time.process_time() - started
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
    instructions: int | None = None  # executed by the imports alone (count_instructions)

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def fastest(self) -> float:
        return min(self.timings)


def child_environment(template: dict[str, Any]) -> dict[str, str]:
    """The variables the template gives every function, with stand-in values, and fake AWS credentials."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
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
    layers = (str(COMMON_LAYER), str(lambda_env.LAYER))
    found = [Target("(floor)", "boto3 + powertools event_handler", FLOOR, layers),
             Target("(validation floor)", "floor + validation middleware, pydantic", VALIDATION_FLOOR, layers),
             Target("(first token)", "PyJWT + cryptography Ed25519, alone", FIRST_TOKEN, layers)]
    for logical_id, spec in functions(load_template()).items():
        module = spec.handler.rsplit(".", 1)[0].replace("/", ".")  # as the Lambda runtime names it
        label = str(spec.module_file.relative_to(REPO_ROOT))
        own = lambda_env.function_packages(spec.code_uri)
        # Lambda's order: the function's code (with its own packages), then the layers.
        paths = (str(spec.code_uri), *([str(own)] if own else []), *layers)
        found.append(Target(logical_id, label, (module,), paths))
    return found


def _child(target: Target, env: dict[str, str], modules: tuple[str, ...], wrapper: tuple[str, ...] = ()
           ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*wrapper, str(lambda_env.python()), "-c", CHILD, ":".join(target.paths), ",".join(modules), ",".join(HEAVY)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"importing {target.label} failed:\n{done.stderr}")
    return done


CACHEGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")


def _instructions(target: Target, env: dict[str, str], modules: tuple[str, ...]) -> int:
    report = _child(target, env, modules, CACHEGRIND).stderr
    found = re.search(r"I\s+refs:\s+([\d,]+)", report)
    if found is None:
        raise RuntimeError(f"cachegrind printed no instruction count for {target.label}:\n{report}")
    return int(found.group(1).replace(",", ""))


def count_instructions(found: list[Target], env: dict[str, str]) -> None:
    """Each target's imports in instructions: its child run under cachegrind, less a child that imports
    nothing (interpreter start, the child's own code). A fixed hash seed makes the count repeatable."""
    env = {**env, "PYTHONHASHSEED": "0"}
    bare = _instructions(found[0], env, ())  # the paths on sys.path change it by a few thousand at most
    for target in found:
        target.instructions = _instructions(target, env, target.modules) - bare


def measure_once(target: Target, env: dict[str, str]) -> None:
    done = _child(target, env, target.modules)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    target.timings.append(float(result["ms"]))
    target.modules_loaded = int(result["modules"])
    target.heavy = list(result["heavy"])


def run(repeat: int, instructions: bool = True) -> None:
    lambda_env.prepare()
    env = child_environment(load_template())
    found = targets()
    for target in found:  # compiles the bytecode; not counted
        measure_once(target, env)
        target.timings.clear()
    # Round-robin, so drift (other load, disk cache) spreads over every target alike.
    for _ in range(repeat):
        for target in found:
            measure_once(target, env)
    counted = instructions and shutil.which("valgrind") is not None
    if counted:
        count_instructions(found, env)
    # Ratios of the fastest runs: the least disturbed by whatever else the machine is doing.
    floor, validation_floor = found[0].fastest, found[1].fastest
    api = api_functions(load_template())
    rows = [["function", "imports", "min ms", "median ms", "x floor", "x validation floor",
             "instructions x validation floor", "goal", "", "modules", "heavy modules at import", "why"]]
    for t in found:
        timed = t.fastest / validation_floor
        by_instructions = (t.instructions or 0) / (found[1].instructions or 1) if counted else None
        ratio = by_instructions if by_instructions is not None else timed
        goal, mark = "-", ""
        if t.name in api and t.name not in EXEMPT:
            goal, mark = f"<= {GOAL:.2f}", "ok" if ratio <= GOAL else "OVER"
        rows.append([t.name, t.label, f"{t.fastest:.1f}", f"{t.median:.1f}", f"{t.fastest / floor:.2f}",
                     f"{timed:.2f}", "-" if by_instructions is None else f"{by_instructions:.3f}", goal, mark,
                     str(t.modules_loaded), ", ".join(t.heavy) or "-", EXEMPT.get(t.name, "")])
    judged = "instructions (valgrind)" if counted else "CPU time (no valgrind here: the fastest run's ratio)"
    version = lambda_env.python_version()
    if not version.startswith(f"{lambda_env.runtime_version()}."):
        version += f", not the runtime's {lambda_env.runtime_version()}, which this machine lacks"
    print(f"Cold import, CPU ms in a fresh Lambda-shaped interpreter (Python {version}), {repeat} runs each, "
          f"ratios of the fastest "
          f"(checked for: {', '.join(HEAVY)}); goal: every API function at most {GOAL}x the validation floor, "
          f"judged on {judged}")
    print(table(rows, right=frozenset({2, 3, 4, 5, 6, 9})))


def api_functions(template: dict[str, Any]) -> set[str]:
    """The functions API Gateway invokes (those with an Api event): the ones the goal is for."""
    found = set()
    for logical_id, spec in template["Resources"].items():
        events = ((spec.get("Properties") or {}).get("Events") or {}).values()
        if spec.get("Type") == "AWS::Serverless::Function" and any(e.get("Type") == "Api" for e in events):
            found.add(logical_id)
    return found
