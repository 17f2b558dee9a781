"""The local runner invokes a function like Lambda: up to its concurrency at once, each invocation in a
container (module instance) of its own, first come first served, and with the process-wide log keys its own."""

from __future__ import annotations

import io
import json
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from localrunner.invoker import FunctionHost, running_function
from localrunner.template import FunctionSpec

APP = textwrap.dedent("""
    import meeting
    from localrunner.invoker import running_function

    def lambda_handler(event, context):
        meeting.arrive(event)
        return {"module": id(meeting_module()), "function": running_function.get(), "event": event["n"]}

    def meeting_module():
        import sys
        return sys.modules[__name__]
""")

# Shared by every container, as storecrm is: imported once under its own name.
MEETING = textwrap.dedent("""
    import threading
    inside = []
    most = [0]
    lock = threading.Lock()
    gate = threading.Event()

    def arrive(event):
        with lock:
            inside.append(event["n"])
            most[0] = max(most[0], len(inside))
        gate.wait(10)
        with lock:
            inside.remove(event["n"])
""")


@pytest.fixture
def code(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "meeting.py").write_text(MEETING)
    yield tmp_path
    for name in [n for n in sys.modules if n == "meeting" or n.startswith("storecrm_local_fn_PoolFunction")]:
        del sys.modules[name]


def _host(code: Path, concurrency: int) -> FunctionHost:
    spec = FunctionSpec(logical_id="PoolFunction", code_uri=code, handler="app.lambda_handler")
    return FunctionHost(spec, "us-east-1", concurrency)


def _invoke_all(host: FunctionHost, count: int) -> tuple[list[Any], list[threading.Thread]]:
    results: list[Any] = [None] * count

    def call(n: int) -> None:
        results[n] = host.invoke({"n": n})

    threads = [threading.Thread(target=call, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return results, threads


def _meeting() -> Any:
    import meeting  # type: ignore[import-not-found]

    return meeting


def _until(condition: Any) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_invocations_run_at_once_up_to_the_concurrency_each_in_a_container_of_its_own(code: Path) -> None:
    host = _host(code, concurrency=2)
    results, threads = _invoke_all(host, 3)
    _until(lambda: "meeting" in sys.modules and len(_meeting().inside) == 2)
    assert host.containers == 2  # the third invocation waits for one of them
    _meeting().gate.set()
    for thread in threads:
        thread.join()
    assert _meeting().most == [2]
    assert len({result["module"] for result in results}) == 2
    assert {result["function"] for result in results} == {"PoolFunction"}
    assert running_function.get() is None


def test_a_waiting_invocation_gets_the_next_free_container_in_the_order_it_came(code: Path) -> None:
    host = _host(code, concurrency=1)
    _, threads = _invoke_all(host, 1)
    _until(lambda: "meeting" in sys.modules and _meeting().inside == [0])
    order: list[int] = []
    waiting: list[threading.Thread] = []
    for n in range(1, 4):
        def call(n: int = n) -> None:
            host.invoke({"n": n})
            order.append(n)

        waiting.append(threading.Thread(target=call))
        waiting[-1].start()
        _until(lambda n=n: len(host._waiting) == n)
    _meeting().gate.set()
    for thread in [*threads, *waiting]:
        thread.join()
    assert order == [1, 2, 3] and host.containers == 1


def test_each_invocation_keeps_its_own_log_keys(code: Path) -> None:
    """Powertools keeps the keys of every Logger of a service in one formatter: without the runner's isolation,
    the second invocation's append_keys would stamp the first one's lines."""
    from aws_lambda_powertools import Logger

    stream = io.StringIO()
    logger = Logger(service="isolation-test", logger_handler=__import__("logging").StreamHandler(stream))
    both_keyed = threading.Barrier(2, timeout=10)

    def handler(event: dict[str, Any], context: Any) -> None:
        logger.append_keys(request=event["n"])
        both_keyed.wait()
        logger.info("working")

    class Host(FunctionHost):
        def new_container(self, index: int) -> Any:
            return handler

    host = Host(FunctionSpec(logical_id="LogFunction", code_uri=code, handler="app.lambda_handler"), "us-east-1", 2)
    _, threads = _invoke_all(host, 2)
    for thread in threads:
        thread.join()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(line["request"] for line in lines) == [0, 1]


RESOLVER_APP = textwrap.dedent("""
    import meeting
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    app = APIGatewayRestResolver()

    @app.get("/things/<thing>")
    def thing(thing):
        meeting.both_here.wait()
        return {"asked": thing, "seen": app.current_event.path}

    def lambda_handler(event, context):
        return app.resolve(event, context)
""")


def test_each_invocation_reads_its_own_request(code: Path) -> None:
    """Powertools keeps the request being resolved on a class: two invocations at once (of any two functions)
    would each read the one that came last."""
    from localrunner.events import proxy_event

    (code / "app.py").write_text(RESOLVER_APP)
    (code / "meeting.py").write_text("import threading\nboth_here = threading.Barrier(2, timeout=10)\n")
    host = _host(code, concurrency=2)
    answers: dict[str, Any] = {}

    def ask(thing: str) -> None:
        event = proxy_event(method="GET", path=f"/things/{thing}", query="", headers=[], body=b"",
                            source_ip="127.0.0.1", resource="/things/{thing}", path_parameters={"thing": thing},
                            request_id=thing, binary_types=[])
        answers[thing] = json.loads(host.invoke(event)["body"])

    threads = [threading.Thread(target=ask, args=(thing,)) for thing in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {"one": {"asked": "one", "seen": "/things/one"}, "two": {"asked": "two", "seen": "/things/two"}}
