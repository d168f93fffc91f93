"""Solver tests need no Django and no database: make the repo root and this folder importable
whatever the surrounding pytest configuration is."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[2]):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
