"""The chart helpers and the plotly bundle the chart pages load."""

import re
from pathlib import Path

import plotly.graph_objects as go
import pytest
from django.conf import settings
from plotly.offline import get_plotlyjs

from core.charts import BUNDLE_STATIC_PATH, chart_html, figure_html

BUNDLE = Path(settings.BASE_DIR) / "static" / BUNDLE_STATIC_PATH


def _version(text: str) -> str:
    return re.search(r"plotly\.js(?: \([a-z -]+\))? v(\d+\.\d+\.\d+)", text).group(1)


def test_bundle_is_the_plotly_js_version_the_python_package_writes_figures_for():
    assert _version(BUNDLE.read_text()[:300]) == _version(get_plotlyjs()[:300])


def test_bundle_is_a_quarter_of_the_full_one():
    assert BUNDLE.stat().st_size < len(get_plotlyjs()) / 3


def test_figures_of_scatter_and_bar_render_without_the_bundle_inline():
    fig = go.Figure([go.Bar(x=[1, 2], y=[3, 4]), go.Scatter(x=[1, 2], y=[1, 2], fill="toself")])
    html = chart_html(fig, height=200)
    assert "Plotly.newPlot" in html and '"height":200' in html
    assert "plotly.js v" not in html  # the bundle is a static file, not inlined


def test_a_trace_type_the_bundle_cannot_draw_is_refused():
    with pytest.raises(ValueError, match="heatmap"):
        figure_html(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])))
