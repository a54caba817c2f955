// Metrics: a chart of any metric (name, labels, aggregation, step, period), and saved panels
// (kept in this browser) shown side by side.
import { lineChart } from "../lib/chart.js";
import { h, replace } from "../lib/dom.js";
import { dataArea, errorBox, field, form, hashParams, input, section, select } from "../lib/ui.js";

const PANELS_KEY = "edgewatch.panels";
const AGGS = ["avg", "p50", "p95", "p99", "count", "sum", "min", "max", "rate", "last"];
const DEFAULT_PANELS = [
  { title: "Request p95 per endpoint (traces)", name: "apm_request_duration_ms", agg: "p95", labels: "", step: "300", hours: "6" },
  { title: "Requests per 5 minutes (traces)", name: "apm_requests", agg: "sum", labels: "", step: "300", hours: "6" },
  { title: "Errors per 5 minutes (traces)", name: "apm_errors", agg: "sum", labels: "", step: "300", hours: "6" },
];

function panels() {
  try {
    const saved = JSON.parse(localStorage.getItem(PANELS_KEY) || "null");
    return Array.isArray(saved) ? saved : DEFAULT_PANELS;
  } catch {
    return DEFAULT_PANELS;
  }
}

async function chartOf(api, p) {
  const data = await api.get("/monitoring/metrics", { name: p.name, agg: p.agg, labels: p.labels, step: p.step, from: Date.now() - Number(p.hours || 1) * 3600e3 });
  const series = (data.series || []).slice(0, 12).map((s) => ({
    label: Object.entries(s.labels || {}).map(([k, v]) => `${k}=${v}`).join(",") || p.name,
    points: s.points.filter((pt) => pt.length > 1),
  }));
  return h("div", {}, lineChart(series, { title: p.title || `${p.agg}(${p.name})` }),
    (data.series || []).length > 12 ? h("p", { class: "muted" }, `showing 12 of ${data.series.length} series; narrow with labels`) : null);
}

export default {
  id: "metrics",
  title: "Metrics",
  role: "viewer",
  mount({ api }) {
    const params = hashParams();
    let current = { name: params.get("name") || "http_request_duration_ms", agg: params.get("agg") || "p95", labels: params.get("labels") || "", step: "300", hours: "1" };
    const explore = dataArea(() => chartOf(api, current), { label: "Chart" });
    const saved = h("div", { class: "cards" });
    const savedAreas = [];
    function drawPanels() {
      savedAreas.length = 0;
      replace(saved, panels().map((p, i) => {
        const area = dataArea(() => chartOf(api, p));
        savedAreas.push(area);
        const remove = h("button", { type: "button", on: { click: () => {
          const list = panels();
          list.splice(i, 1);
          localStorage.setItem(PANELS_KEY, JSON.stringify(list));
          drawPanels();
        } } }, "Remove panel");
        area.reload();
        return section(p.title || p.name, area.el, remove);
      }));
    }
    const f = form([
      field("Metric", input("name", { value: current.name, size: 26 })),
      field("Labels (a=x,b=y)", input("labels", { value: current.labels, size: 18 })),
      field("Aggregation", select("agg", AGGS, current.agg)),
      field("Step (s)", input("step", { value: current.step, type: "number", size: 5 })),
      field("Hours", input("hours", { value: current.hours, type: "number", size: 4 })),
    ], "Chart", async (v) => { current = v; await explore.reload(); });
    const save = h("button", { type: "button", on: { click: () => {
      localStorage.setItem(PANELS_KEY, JSON.stringify([...panels(), { ...current, title: `${current.agg}(${current.name})${current.labels ? ` {${current.labels}}` : ""}` }]));
      drawPanels();
    } } }, "Save as panel");
    drawPanels();
    return {
      el: h("div", {}, section("Explore", f, explore.el, save), h("h2", {}, "Saved panels"), saved),
      refresh: () => Promise.all([explore.reload(), ...savedAreas.map((a) => a.reload())]),
    };
  },
};
