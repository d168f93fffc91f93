"""A bounded same-origin crawl of the staff UI as one signed-in user (tests/browser/test_crawl.py).

Breadth first from "/" (the navigation comes first), GET only. Each URL pattern is visited
once: ids, references and tokens in the path are collapsed (`/orders/ORD-2026-000001/` and
`/orders/ORD-2026-000002/` are one page) and so are query strings (filters, pages). Pages are
opened in the browser (console and htmx errors count); links that answer a file and `hx-get`
fragments are fetched without rendering. Every answer is held to: not 403 (a link shown must
work), not 404, not 5xx, and at most `budget_ms` of server time (the `Server-Timing` header
core.timing adds). The targets of POST forms and buttons a page shows are asked with a GET
(never posted): a view the user may use answers 405, one that refuses the user 403 — a button
shown must work too.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

# Collapsed path segments: numbers, document references (ORD-2026-000123, PLN-2026-V00001,
# BER-V01 …), long tokens, dates.
_SEGMENTS = [
    (re.compile(r"^\d+$"), "<id>"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "<date>"),
    (re.compile(r"^[A-Za-z0-9_-]{24,}$"), "<token>"),
    (re.compile(r"^[A-Z]{2,6}-[A-Z0-9-]*\d[A-Z0-9-]*$"), "<ref>"),
    (re.compile(r"^\d{19}-[0-9a-f]{8}$"), "<mail>"),
]
# Not followed: signing out, Django's admin beyond its index (a generic UI of its own with
# hundreds of change forms), static files.
_SKIP = re.compile(r"^/(accounts/logout/|admin/.+|static/|media/)")
_FILE_HINTS = re.compile(r"(\.(csv|pdf|json|js|png|jpg|svg|xlsx)$)|([?&]format=)")
# POST forms and buttons (their targets are checked with a GET, see the module docstring).
_FORM = " (a form or button)"
_POSTS = "form[method=post i], button[formaction], [hx-post]"
_POST_TARGETS = (
    "els => els.map(e => e.getAttribute('hx-post') || e.getAttribute('formaction')"
    " || e.getAttribute('action')).filter(Boolean)"
)
HTMX_ERRORS = ["htmx:targetError", "htmx:responseError", "htmx:sendError", "htmx:swapError"]
_WATCH = (
    "[" + ",".join(f'"{n}"' for n in HTMX_ERRORS) + "].forEach(function (n) {"
    " document.addEventListener(n, function (e) { var d = e.detail || {};"
    " console.error(n + ' ' + ((d.requestConfig && d.requestConfig.path) || d.target || ''));"
    " }); });"
)


def pattern(url: str) -> str:
    parts = urlsplit(url)
    segments = []
    for seg in parts.path.split("/"):
        for rx, repl in _SEGMENTS:
            if seg and rx.match(seg):
                seg = repl
                break
        segments.append(seg)
    return "/".join(segments)


def server_ms(headers: dict) -> float | None:
    match = re.search(r"app;dur=([\d.]+)", headers.get("server-timing", ""))
    return float(match.group(1)) if match else None


@dataclass
class Visit:
    url: str
    status: int
    server_ms: float | None
    source: str


@dataclass
class CrawlResult:
    visits: list[Visit] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped_over_cap: int = 0
    wall_s: float = 0.0


def crawl(
    context, base_url: str, *, cap: int = 60, budget_ms: float = 1000, start: str = "/"
) -> CrawlResult:
    """Crawl as the user whose session `context` holds (none: a customer), from `start`."""
    started = time.monotonic()
    origin = urlsplit(base_url)
    result = CrawlResult()
    seen: set[str] = set()
    queue: deque[tuple[str, str, bool]] = deque([(urljoin(base_url, start), "start", True)])
    page = context.new_page()
    page.add_init_script(_WATCH)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught {e}"))

    def enqueue(href: str, source: str, render: bool) -> None:
        url = urljoin(page.url, href).split("#")[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != origin.netloc:
            return
        if _SKIP.match(parts.path):
            return
        key = pattern(url)
        if key in seen:
            return
        seen.add(key)
        queue.append((url, source, render and not _FILE_HINTS.search(url)))

    seen.add(pattern(queue[0][0]))
    while queue:
        if len(result.visits) >= cap:
            result.skipped_over_cap = len(queue)
            break
        url, source, render = queue.popleft()
        path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        console.clear()
        if render:
            try:
                response = page.goto(url, wait_until="load")
            except Exception as exc:  # a link that answers a download
                if "Download" not in str(exc):
                    result.failures.append(f"{path} (linked from {source}): {exc}")
                    continue
                render, response = False, None
            else:
                # Requests htmx started on load (fragments, polls) must finish without error.
                page.wait_for_function("!document.querySelector('.htmx-request')", timeout=5000)
        if not render:
            response = context.request.get(url, max_redirects=0)
        status = response.status
        visit = Visit(url=path, status=status, server_ms=server_ms(response.headers), source=source)
        result.visits.append(visit)
        if status == 403:
            result.failures.append(f"{path}: 403 Forbidden, yet linked from {source}")
        elif status == 404:
            result.failures.append(f"{path}: 404 Not Found, linked from {source}")
        elif status >= 500:
            result.failures.append(f"{path}: {status} server error (linked from {source})")
        if visit.server_ms is not None and visit.server_ms > budget_ms:
            # The browser, the server and the tests share two cores: a page counts as slow
            # only when a second request takes too long as well.
            again = server_ms(context.request.get(url, max_redirects=0).headers)
            visit.server_ms = min(visit.server_ms, again if again is not None else visit.server_ms)
        if visit.server_ms is not None and visit.server_ms > budget_ms:
            result.failures.append(f"{path}: {visit.server_ms:.0f} ms of server time")
        if render:
            # The page's own 4xx shows up as a console error too; it is reported above.
            echo = f"the server responded with a status of {status}"
            for text in dict.fromkeys(console):
                if not (status >= 400 and echo in text):
                    result.failures.append(f"{path}: console error: {text[:200]}")
            if status < 400 and urlsplit(page.url).netloc == origin.netloc:
                here = urlsplit(page.url).path
                for href in page.eval_on_selector_all(
                    "a[href]", "els => els.map(e => e.getAttribute('href'))"
                ):
                    enqueue(href, here, True)
                for href in page.eval_on_selector_all(
                    "[hx-get]", "els => els.map(e => e.getAttribute('hx-get'))"
                ):
                    enqueue(href, here, False)
                for href in page.eval_on_selector_all(_POSTS, _POST_TARGETS):
                    enqueue(href, here + _FORM, False)
    page.close()
    result.wall_s = time.monotonic() - started
    return result
