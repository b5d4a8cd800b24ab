// Nhiệm vụ: the dashboard's charts. Each <div data-chart-source> names a JSON block
// {height, option, links}: `option` is an ECharts option built by the server, `links[s][i]` the
// page of the tasks behind bar i of series s. The tables under the charts hold the same numbers
// and links, so nothing here is needed to read or reach them.
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart-source"));
    if (!source || !window.echarts) { return null; }
    var spec = JSON.parse(source.textContent);
    element.style.height = (spec.height || 320) + "px";
    var chart = window.echarts.init(element, null, { renderer: "svg", locale: "EN" });
    chart.setOption(spec.option);
    chart.on("click", function (params) {
      var series = (spec.links || [])[params.seriesIndex];
      var href = series && series[params.dataIndex];
      if (href) { window.location.assign(href); }
    });
    element.setAttribute("data-chart-ready", "true");
    return chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var charts = [];
    document.querySelectorAll("[data-chart-source]").forEach(function (element) {
      var chart = draw(element);
      if (chart) { charts.push(chart); }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
