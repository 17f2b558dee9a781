"""python -m localrunner [--port N] [--host 127.0.0.1] [--data-dir DIR] [--fresh] [--concurrency N]: the whole back
end on one machine, its data kept between runs."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from localrunner.cfn import REPO_ROOT
from localrunner.invoker import DEFAULT_CONCURRENCY
from localrunner.runner import Runner

log = logging.getLogger("localrunner")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localrunner", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "3000")),
        help="port to listen on (default: $PORT or 3000; 0 picks a free one)",
    )
    parser.add_argument(
        "--schedule-seconds",
        type=float,
        default=15.0,
        help="how often Schedule events fire locally, whatever their rate() says (default 15)",
    )
    parser.add_argument(
        "--clock-rate",
        type=float,
        default=1.0,
        help="how many times faster than real time the handlers' clock runs from start-up (default 1), e.g. 10 to "
        "see a reminder due in ten minutes arrive in one",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter override (repeatable); see LOCAL_PARAMETERS in runner.py for the defaults",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO_ROOT / ".local-data",
        help="where stores, profiles, logins, mail and files are kept between runs (default .local-data in the "
        "repository)",
    )
    parser.add_argument("--fresh", action="store_true", help="start empty: forget the data folder's contents")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"invocations each function runs at once, as Lambda's concurrency (default {DEFAULT_CONCURRENCY}: "
        "two per core)",
    )
    parser.add_argument("--preload", action="store_true", help="import every handler at start-up")
    parser.add_argument("--log-level", default="INFO", help="runner log level (default INFO)")
    args = parser.parse_args(argv)
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    return args


def banner(runner: Runner) -> str:
    url = runner.base_url
    email = "you@example.com"
    json_header = "-H 'Content-Type: application/json'"
    table = runner.provisioned.refs.get("Table", "-") if runner.provisioned else "-"
    consumers = "\n".join(f"                 {label}" for label in runner.consumer_labels).strip() or "none"
    data = runner.data_dir
    kept = "-" if data is None else f"{data}   ({'data from the last run' if runner.restored else 'empty'})"
    return f"""
storecrm local runner
  Data           {kept}
                 kept between runs; start empty with --fresh (or delete the folder)
  Concurrency    {runner.concurrency} invocations per function at once   (--concurrency N)
  API            {url}   (stage dev, {len(runner.routes)} routes from template.yaml)
  Swagger UI     {url}/swagger
  Mailbox        {url}/_dev/mailbox   (filter: ?to={email})
  Stripe (fake)  {runner.stripe_url or "-"}   (use sk_test_... keys in a stripe integration)
  Shippo (fake)  {runner.shippo_url or "-"}   (use shippo_test_... tokens in a shippo integration)
  AWS (moto)     {runner.aws_endpoint_url}   (table {table}; resources: {url}/_dev/resources)
  Consumers      {consumers}
  Clock          {"real time" if runner.clock_rate == 1 else f"{runner.clock_rate:g} x real time from start-up"}

Log in with an emailed code:
  curl -s -X POST {url}/v1/auth/code {json_header} -d '{{"email": "{email}"}}'
  curl -s '{url}/_dev/mailbox?to={email}'      # the 6-digit code is in the newest mail
  curl -s -X POST {url}/v1/auth/verify {json_header} -d '{{"email": "{email}", "code": "123456"}}'
  curl -s {url}/v1/stores -H 'Authorization: Bearer <access_token from verify>'

Ctrl-C stops everything.
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # botocore announces every client's credentials and endpoint at INFO.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    overrides = dict(item.split("=", 1) for item in args.param)
    runner = Runner(
        host=args.host,
        port=args.port,
        schedule_seconds=args.schedule_seconds,
        clock_rate=args.clock_rate,
        parameter_overrides=overrides,
        preload=args.preload,
        concurrency=args.concurrency,
        data_dir=args.data_dir,
        fresh=args.fresh,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # a second Ctrl-C means "now"
            os._exit(130)
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        runner.start()
        print(banner(runner), flush=True)
        while not stop.wait(1.0):
            pass
    except OSError as exc:  # typically: the port is taken
        log.error("cannot start: %s", exc)
        return 1
    finally:
        runner.stop()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    exit_code = main()
    # Everything is stopped and flushed by now. Python's own teardown of moto's in-memory AWS, object
    # by object, takes seconds: more than the grace a supervisor gives after SIGTERM.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
