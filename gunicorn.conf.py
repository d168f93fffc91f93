"""gunicorn settings every server of this repository shares (`make run`, the Docker image, the
benchmarks and the live contract test start gunicorn from this directory, which loads this file;
command-line flags such as --workers still win).

The request line may be up to 8190 bytes (gunicorn's largest fixed limit; the default is 4094):
a list URL with several long filters stays well inside it, and anything longer answers 414, as
docs/api.md and the schema state.

Two things here keep the slowest requests close to the typical one (measured in
docs/benchmarks.md, "API reads"):

- Connections are shared out between the workers. A keep-alive connection stays with the worker
  that accepted it, and whichever worker wakes first accepts: 8 clients that connect at once
  often landed 7 on one worker and 1 on the other, which queued 7 requests behind one
  interpreter lock while the other core idled (half the throughput, and the tail of a queue).
  A worker holding more connections than it has threads now answers with `Connection: close`,
  so the client reconnects and lands on a worker with room.
- Python's cycle collector is kept off the application's own objects. A full collection walked
  the ~250,000 objects of a loaded Django app (100-300 ms with every thread of the worker
  stopped) every few hundred requests; `gc.freeze()` sets the objects alive after loading and
  after the first requests (URL resolvers, compiled queries, templates) aside, so a
  collection walks only what requests create.
"""

import gc

from gunicorn.workers.gthread import ThreadWorker

workers = 2
threads = 4
limit_request_line = 8190


class SharedThreadWorker(ThreadWorker):
    """gthread's worker, handing surplus keep-alive connections back to the listening socket."""

    def handle_request(self, req, conn):
        if self.nr_conns > self.cfg.threads:
            req.must_close = True  # the response says `Connection: close`, then it closes
        return super().handle_request(req, conn)


worker_class = SharedThreadWorker

# Request counts after which the objects alive so far are frozen (each freeze is O(1)).
_FREEZE_AFTER = {100, 1000, 10000}


def post_worker_init(worker):
    gc.freeze()


def post_request(worker, req, environ, resp):
    if worker.nr in _FREEZE_AFTER:
        gc.freeze()
