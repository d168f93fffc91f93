"""The chart helpers and the plotly bundle the chart pages load."""

import json
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


def test_figures_of_scatter_and_bar_render_as_data_without_the_bundle_or_a_script():
    fig = go.Figure([go.Bar(x=[1, 2], y=[3, 4]), go.Scatter(x=[1, 2], y=[1, 2], fill="toself")])
    html = chart_html(fig, height=200)
    assert "plotly.js v" not in html  # the bundle is a static file, not inlined
    assert "Plotly.newPlot" not in html  # drawn by the deferred static/js/charts.js
    assert 'style="height:200px"' in html  # the box keeps its height before it is drawn
    figure = json.loads(re.search(r"data-plotly-figure>(.*)</script>", html).group(1))
    assert [t["type"] for t in figure["data"]] == ["bar", "scatter"]
    assert figure["layout"]["height"] == 200


def test_a_label_cannot_end_the_figure_element_early():
    fig = go.Figure(go.Bar(x=["</script><b>x"], y=[1]))
    html = figure_html(fig)
    assert "</script><b>" not in html and html.count("</script>") == 1
    figure = json.loads(re.search(r"data-plotly-figure>(.*)</script>", html).group(1))
    assert figure["data"][0]["x"] == ["</script><b>x"]


def test_the_chart_pages_load_the_drawing_script_deferred_and_plotly_only_through_it():
    from django.template.loader import render_to_string

    html = render_to_string("core/_plotly.html")
    assert "<script defer" in html and "js/charts.js" in html
    assert 'data-plotly-src="/static/vendor/plotly/plotly-basic-4.1.1.min.js"' in html
    assert ' src="/static/vendor/plotly' not in html  # fetched by charts.js when a chart is there


def test_a_trace_type_the_bundle_cannot_draw_is_refused():
    with pytest.raises(ValueError, match="heatmap"):
        figure_html(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])))
