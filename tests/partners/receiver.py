"""A loopback HTTP receiver that records every webhook request exactly as it arrived."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """`responses` is a queue of (status, headers, body, delay_s); the last one repeats."""

    server: ThreadingHTTPServer
    requests: list[Captured] = field(default_factory=list)
    responses: list[tuple[int, dict, bytes, float]] = field(
        default_factory=lambda: [(204, {}, b"", 0.0)]
    )
    connections: int = 0

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    def respond(self, *responses):
        self.responses = [
            (r, {}, b"", 0.0) if isinstance(r, int) else (tuple(r) + (b"", 0.0))[:4]
            for r in responses
        ]

    def next_response(self):
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]

    def wait_for(self, count: int, timeout_s: float = 30.0) -> list[Captured]:
        deadline = time.monotonic() + timeout_s
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests


def start_receiver() -> Receiver:
    holder: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def setup(self):
            holder["receiver"].connections += 1
            super().setup()

        def do_POST(self):
            receiver = holder["receiver"]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(
                Captured(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status, headers, payload, delay = receiver.next_response()
            if delay:
                time.sleep(delay)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server=server)
    holder["receiver"] = receiver
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
