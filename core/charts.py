"""Charts with plotly, served without a CDN and without the whole of plotly.js.

The pages load plotly.js's *basic* bundle (scatter, bar and pie traces: 1.2 MB, 0.39 MB
gzipped, against 4.8 MB / 1.5 MB for the full bundle the `plotly` Python package ships),
committed under static/vendor/plotly/ from the `plotly.js-basic-dist-min` package of the same
plotly.js version as the Python package. It is an ordinary static file: with DEBUG=0
WhiteNoise serves it under a content-hashed name (ManifestStaticFilesStorage), compressed and
cached for a year as immutable; under `make run` (DEBUG) its versioned name is cached the same
way (WHITENOISE_IMMUTABLE_FILE_TEST in config/settings.py).

Usage: a page that shows charts puts `{% include "core/_plotly.html" %}` in its `head` block;
its view renders each figure with `chart_html(fig)` (standard size and margins) or
`figure_html(fig)` (the figure's own layout). Both refuse a trace type the bundle does not
draw, so a new kind of chart fails in its test rather than as a blank card in the browser.

A figure is its JSON in the page, drawn by static/js/charts.js (a deferred script): the page
paints first, the 1.2 MB bundle is fetched only when the page holds a figure, and each chart's
box has its height from the start, so nothing moves when it is drawn.
Shared by every app that draws charts (KPIs, forecasting).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.html import format_html
from django.utils.safestring import mark_safe

# What plotly.js's basic bundle draws (its package's README lists these trace modules).
BUNDLE_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
BUNDLE_STATIC_PATH = "vendor/plotly/plotly-basic-4.1.1.min.js"


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


def figure_html(fig) -> str:
    """One figure as an embeddable <div> holding the figure as JSON data (no inline script),
    in its own layout; static/js/charts.js draws it once the page is painted (the page loads
    it through core/_plotly.html). Raises ValueError for a trace type the bundle lacks."""
    missing = {trace.type for trace in fig.data} - BUNDLE_TRACE_TYPES
    if missing:
        raise ValueError(
            f"plotly's basic bundle cannot draw {', '.join(sorted(missing))} traces; "
            "use scatter, bar or pie, or ship a bundle that has them"
        )
    # JSON inside <script type="application/json">: only "<" could end the element early.
    data = fig.to_json(validate=False).replace("<", "\\u003c")
    height = fig.layout.height
    style = f"height:{int(height)}px" if height else "height:450px"
    return format_html(
        '<div class="plotly-chart" style="{}"><div class="plotly-graph-div" style="{}">'
        '</div><script type="application/json" data-plotly-figure>{}</script></div>',
        style,
        style,
        mark_safe(data),  # noqa: S308 - JSON with "<" escaped, inside a JSON script element
    )


def chart_html(fig, *, height: int = 320) -> str:
    """One figure at the standard size and margins (see `figure_html`)."""
    fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 30, "b": 40})
    return figure_html(fig)
