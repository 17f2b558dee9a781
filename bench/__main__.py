"""python -m bench [--repeat N] [--only imports|calls|find|newstore|runner] [--profiles N] [--no-instructions]
                   [--clients N] [--seconds S] [--more N]"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; medians are reported")
    parser.add_argument("--only", choices=["imports", "calls", "find", "newstore", "runner"], help="run one part only")
    parser.add_argument("--profiles", type=int, default=20000,
                        help="profiles in the store the find and newstore parts read")
    parser.add_argument("--no-instructions", action="store_true",
                        help="skip counting each import's CPU instructions with valgrind (slow: minutes)")
    parser.add_argument("--clients", type=int, default=64, help="parallel clients of the runner part")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the runner part's clients run")
    parser.add_argument("--more", type=int, default=10000,
                        help="requests the runner part sends after that run, before it reads the memory again")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.profiles < 1:
        parser.error("--profiles must be at least 1")
    started = time.perf_counter()
    if args.only in (None, "imports"):
        from bench import imports

        imports.run(args.repeat, instructions=not args.no_instructions)
    if args.only is None:
        print()
    if args.only in (None, "calls"):
        from bench import calls

        calls.run(args.repeat)
    if args.only is None:
        print()
    if args.only in (None, "find"):
        from bench import find

        find.run(args.profiles)
    if args.only is None:
        print()
    if args.only in (None, "newstore"):
        from bench import newstore

        newstore.run(args.profiles)
    if args.only is None:
        print()
    if args.only in (None, "runner"):
        from bench import runner

        runner.run(args.clients, args.seconds, args.more)
    print(f"\nbench finished in {time.perf_counter() - started:.1f} s (timings are informational, never a failure)")


if __name__ == "__main__":
    main()
