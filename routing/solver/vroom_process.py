"""VROOM on the other core: a forked child process solves while this process runs PyVRP.

pyvroom holds the GIL for the whole solve, so a thread would stop PyVRP; a forked child
needs no pickling of the problem (it inherits the built input) and, unlike multiprocessing,
also works inside a daemonic Celery worker process. The child writes VROOM's route rows to a
pipe and exits with os._exit, so none of the parent's exit handlers (database connections,
logging) run twice. Where fork is unavailable, `start` returns None and the portfolio runs
VROOM in this process instead.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time

from .ortools_engine import EngineResult
from .prepare import Prepared
from .vroom_engine import VROOM_ERRORS, build_input, read_solution, run


class VroomChild:
    def __init__(self, prepared: Prepared, pid: int, fd: int, started: float, searches: int):
        self.prepared, self.pid, self.fd = prepared, pid, fd
        self.started, self.searches = started, searches
        self.buffer = bytearray()
        self.closed = False
        self.finished_at: float | None = None

    def done(self) -> bool:
        """Non-blocking: has the child delivered its whole answer (or died)?"""
        self._drain(0.0)
        return self.closed

    def result(self, wait_s: float) -> EngineResult | None:
        """The child's plan, waiting at most `wait_s`; None (and the child killed) if it is
        late or failed."""
        deadline = time.perf_counter() + max(wait_s, 0.0)
        while not self.closed and time.perf_counter() < deadline:
            self._drain(deadline - time.perf_counter())
        if not self.closed:
            self.kill()
            return None
        self._reap()
        try:
            rows, cost = pickle.loads(bytes(self.buffer))  # noqa: S301 (our own child)
        except (pickle.UnpicklingError, EOFError, ValueError):
            return None
        res = read_solution(self.prepared, rows, cost)
        res.stats.update(
            threads=1,
            searches=self.searches,
            wall_s=round((self.finished_at or time.perf_counter()) - self.started, 3),
        )
        return res

    def kill(self) -> None:
        if not self.closed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.close(self.fd)
            self.closed = True
        self._reap()

    def _drain(self, timeout: float) -> None:
        if self.closed:
            return
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0.0))
        while ready:
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                os.close(self.fd)
                self.closed = True
                self.finished_at = time.perf_counter()
                return
            self.buffer += chunk
            ready, _, _ = select.select([self.fd], [], [], 0.0)

    def _reap(self) -> None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def start(
    prepared: Prepared, time_limit_s: float, searches: int, initial=None
) -> VroomChild | None:
    """Fork a child that solves with one VROOM thread for `time_limit_s` seconds."""
    if not hasattr(os, "fork"):
        return None
    started = time.perf_counter()
    try:
        inp = build_input(prepared, initial)
    except VROOM_ERRORS:
        return None  # the in-process path then meets the same refusal and moves on
    left = time_limit_s - (time.perf_counter() - started)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: solve, answer, and leave without running any exit handler
        code = 1
        try:
            os.close(read_fd)
            payload = pickle.dumps(run(inp, left, 1, searches))
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return VroomChild(prepared, pid, read_fd, started, searches)
