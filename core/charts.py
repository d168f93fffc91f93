"""Charts with plotly, served without a CDN: the plotly.js bundle comes from the `plotly`
Python package and is served by `plotly_js` (cached in the process, immutable per version).

Usage: in a view `chart_html(fig)` gives the <div> + inline script for one figure; the page
loads the bundle once with `<script src="{% url '<wherever plotly_js is routed>' %}">`.
Shared by every app that draws charts (KPIs, forecasting).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date, timedelta

from django.http import HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET


@functools.cache
def _bundle() -> tuple[bytes, str]:
    import plotly
    from plotly.offline import get_plotlyjs

    body = get_plotlyjs().encode()
    etag = '"' + hashlib.sha256(f"plotly-{plotly.__version__}".encode()).hexdigest()[:16] + '"'
    return body, etag


@require_GET
def plotly_js(request):
    """The plotly.js bundle of the installed plotly package (public, cached a year)."""
    body, etag = _bundle()
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def daily_axis(fig, days) -> None:
    """Make the x axis one of calendar days: ticks on whole days, labelled like "07 Dec", bars a
    day wide. With a single day plotly would zoom into milliseconds ("23:59:59.9996"): show that
    day with half a day either side instead."""
    distinct = sorted({str(d)[:10] for d in days})
    axis = {"type": "date", "tickformat": "%d %b"}
    if len(distinct) <= 14:
        axis["dtick"] = 86_400_000  # one tick a day
    if len(distinct) == 1:
        day = date.fromisoformat(distinct[0])
        axis["range"] = [f"{day - timedelta(days=1)} 12:00", f"{day} 12:00"]
    fig.update_xaxes(**axis)
    # A bar per day, most of a day wide (plotly draws a lone bar on a date axis 1 ms wide).
    fig.update_traces(width=0.8 * 86_400_000, selector={"type": "bar"})


def chart_html(fig, *, height: int = 320) -> str:
    """One figure as an embeddable <div> (the bundle is loaded separately by the page)."""
    fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 30, "b": 40})
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "responsive": True},
    )
