"""The ETA load benchmark's page phase: customers' tracking pages served from the cache while
the engine runs (benchmarks/eta_load.py)."""

from __future__ import annotations

import http.client
import multiprocessing
import time

from benchmarks.eta_load_figures import pct


def page_worker(port: int, tokens: list[str], seconds: float, out) -> None:
    cpu0 = time.process_time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        token = tokens[i % len(tokens)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", f"/t/{token}/")
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok = False
        latencies.append(time.perf_counter() - t0)
        errors += not ok
    out.put((latencies, errors, time.process_time() - cpu0))


def page_phase(port: int, tokens: list[str], args) -> dict:
    for token in tokens:  # warm the cache
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/t/{token}/")
        conn.getresponse().read()
    queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=page_worker, args=(port, tokens, args.page_seconds, queue))
        for _ in range(args.page_clients)
    ]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - t0
    latencies = [x for part, _, _ in parts for x in part]
    errors = sum(e for _, e, _ in parts)
    return {
        "page_client_cpu_s": round(sum(cpu for _, _, cpu in parts), 2),
        "page_requests": len(latencies),
        "page_errors": errors,
        "page_rps": round(len(latencies) / elapsed, 1),
        "page_p50_ms": round(pct(latencies, 50) * 1000, 2),
        "page_p99_ms": round(pct(latencies, 99) * 1000, 2),
    }
