"""Solver benchmark entry point: `python benchmarks/solver.py FILE... --time-limit S`.

A thin wrapper around `python -m routing.solver.bench` (see docs/benchmarks.md)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.solver.bench import main

if __name__ == "__main__":
    sys.exit(main())
