// Draws the page's plotly figures (core.charts.figure_html: a box with the figure as JSON).
// Deferred, so the page paints before the chart library is even fetched; the library is
// fetched only when the page holds a figure, and each figure is drawn once.
(function () {
  "use strict";
  var me = document.currentScript;
  var config = { displaylogo: false, responsive: true };

  function draw() {
    document.querySelectorAll("script[data-plotly-figure]").forEach(function (data) {
      if (data.dataset.drawn) return;
      data.dataset.drawn = "1";
      var figure = JSON.parse(data.textContent);
      var box = data.previousElementSibling;
      window.Plotly.newPlot(box, figure.data, figure.layout || {}, config);
    });
  }

  function start() {
    if (!document.querySelector("script[data-plotly-figure]")) return;
    if (window.Plotly) return draw();
    var script = document.createElement("script");
    script.src = me.dataset.plotlySrc;
    script.onload = draw;
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
