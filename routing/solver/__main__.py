"""Command line: `python -m routing.solver solve PROBLEM.json --time-limit S --output OUT.json`.

Reads VROOM's input format and writes VROOM's output format. Exit status: 0 solved, 2 invalid
input (the JSON path and the reason on stderr), 1 the solver failed.
"""

from __future__ import annotations

import argparse
import json
import sys

from .portfolio import ENGINES
from .vroom_json import PlanInvalid, VroomInputError, loads, solve_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.solver")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("solve", help="solve a problem in VROOM's JSON input format")
    cmd.add_argument("problem", help="VROOM input JSON file ('-' for standard input)")
    cmd.add_argument(
        "--time-limit",
        type=float,
        metavar="S",
        help="seconds (default: the input's options.time_limit, else 10)",
    )
    cmd.add_argument("--output", "-o", default="-", help="VROOM output JSON file ('-': stdout)")
    cmd.add_argument("--engine", choices=ENGINES, default="auto")
    args = parser.parse_args(argv)
    if args.time_limit is not None and args.time_limit <= 0:
        parser.error("--time-limit must be positive")
    try:
        text = _read(args.problem)
        result = solve_json(loads(text), args.time_limit, engine=args.engine)
    except VroomInputError as exc:
        for path, message in exc.errors:
            print(f"error: {path}: {message}" if path else f"error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read {args.problem}: {exc.strerror}", file=sys.stderr)
        return 2
    except PlanInvalid as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    body = json.dumps(result)
    try:
        if args.output == "-":
            sys.stdout.write(body + "\n")
        else:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(body)
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


if __name__ == "__main__":
    sys.exit(main())
