"""`Server-Timing: app;dur=<ms>` on every response: the server's own time for the request,
readable in the browser's developer tools and by the browser tests' crawl (which holds every
page to a time budget) without timing the network."""

from __future__ import annotations

import time


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        # Streaming responses (files) are timed up to their first byte, which is what counts.
        response["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        return response
