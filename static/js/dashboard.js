// The dashboards: draw the charts from the figures embedded in the page, then fetch the same figures from the
// API every minute and update the numbers and charts in place (no reload; rows are those of the first load).
(function () {
  "use strict";
  var root = document.querySelector("[data-dashboard]");
  var source = document.getElementById("dashboard-data");
  if (!root || !source || typeof Chart === "undefined") { return; }
  var labels = root.dataset;
  var KEYS = { people: "person", areas: "area", stations: "station", funnel_steps: "stage", open_flags: "id" };
  var BRAND = "#0a5c36", LIGHT = "#7fb89a", WARN = "#b45309";
  var charts = {};

  function percent(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }

  function lookup(data, path) {
    var parts = path.split(":");
    var value = data[parts[0]];
    if (parts.length === 3) {
      if (!Array.isArray(value)) { return undefined; }
      var key = KEYS[parts[0]];
      var found = value.filter(function (row) { return String(row[key]) === parts[1]; })[0];
      return found ? found[parts[2]] : undefined;
    }
    return value && typeof value === "object" ? value[parts[1]] : undefined;
  }

  function bind(data) {
    root.querySelectorAll("[data-bind]").forEach(function (el) {
      if (!el.dataset.bind) { return; }
      var v = lookup(data, el.dataset.bind);
      if (v === undefined) { return; }
      var fmt = el.dataset.format;
      if (fmt === "percent") { el.textContent = percent(v); }
      else if (fmt === "decimal") { el.textContent = v === null ? "—" : (Math.round(v * 10) / 10).toFixed(1); }
      else if (fmt === "met") {
        el.textContent = v === null ? "—" : (v ? labels.lMet : labels.lNotyet);
        el.classList.toggle("badge-ok", v === true);
        el.classList.toggle("badge-warn", v === false);
      } else { el.textContent = v === null ? "—" : String(v); }
    });
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update("none");
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: config.data.datasets.length > 1 } } }, config.options || {});
    charts[id] = new Chart(canvas, config);
  }

  function bars(names, values, color, extra) {
    return Object.assign({ type: "bar", data: { labels: names, datasets: [
      { label: extra && extra.label || "", data: values, backgroundColor: color }] } }, extra && extra.config);
  }

  function render(data) {
    draw("chart-trend", { type: "line", data: {
      labels: data.trend.map(function (p) { return p.day.slice(5); }),
      datasets: [
        { label: labels.lLeads, data: data.trend.map(function (p) { return p.leads; }), borderColor: BRAND,
          backgroundColor: BRAND, tension: 0.2 },
        { label: labels.lCounted, data: data.trend.map(function (p) { return p.counted; }), borderColor: LIGHT,
          backgroundColor: LIGHT, borderDash: [4, 4], tension: 0.2 }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
    draw("chart-funnel", bars(
      data.funnel_steps.map(function (s) { return s.label; }),
      data.funnel_steps.map(function (s) { return s.count; }), BRAND,
      { label: labels.lClients, config: { options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } } }));
    var rows = data.areas || data.stations || [];
    draw("chart-compliance", bars(
      rows.map(function (r) { return r.name; }),
      rows.map(function (r) { return r.compliance === null ? 0 : Math.round(r.compliance * 1000) / 10; }), WARN,
      { label: labels.lCompliance, config: { options: { scales: { y: { beginAtZero: true, max: 100,
        ticks: { callback: function (v) { return v + "%"; } } } } } } }));
  }

  function stamp() {
    var el = document.querySelector("[data-updated]");
    if (el) { el.textContent = labels.lUpdated + " " + new Date().toLocaleTimeString(); }
  }

  function refresh() {
    if (document.hidden) { return; }
    fetch(root.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { bind(data); render(data); stamp(); } })
      .catch(function () { /* offline for a moment: the next minute tries again */ });
  }

  render(JSON.parse(source.textContent));
  window.lantouDashboard = { charts: charts, refresh: refresh };
  setInterval(refresh, 60000);
})();
