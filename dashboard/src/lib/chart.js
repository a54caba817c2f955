// Charts: uPlot (npm, pinned, bundled). Picked over Chart.js and ECharts because the dashboard's
// charts are time series, uPlot draws tens of thousands of points in a few milliseconds on one
// canvas, it is ~50 KB, uses no HTML strings (so it runs under our Trusted Types CSP) and has no
// dependencies.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./dom.js";

const COLORS = ["#2f6fdb", "#d9480f", "#2b8a3e", "#9c36b5", "#e67700", "#0b7285", "#c2255c", "#5c940d"];

/**
 * Align series given as [[ms, value], ...] onto one x axis (seconds, as uPlot wants).
 * Gaps stay null so lines break where there is no data.
 */
export function align(seriesList) {
  const xs = new Set();
  for (const s of seriesList) for (const [t] of s.points) xs.add(Number(t));
  const sorted = [...xs].sort((a, b) => a - b);
  const index = new Map(sorted.map((t, i) => [t, i]));
  const data = [sorted.map((t) => t / 1000)];
  for (const s of seriesList) {
    const ys = new Array(sorted.length).fill(null);
    for (const [t, v] of s.points) ys[index.get(Number(t))] = v === null || v === undefined ? null : Number(v);
    data.push(ys);
  }
  return data;
}

/** A time-series line chart in a box; returns the box. series: [{label, points}] */
export function lineChart(seriesList, { height = 220, unit = "", title = "", bars = false } = {}) {
  const box = h("div", { class: "chart", role: "img", "aria-label": title || seriesList.map((s) => s.label).join(", ") });
  if (seriesList.length === 0 || seriesList.every((s) => s.points.length === 0)) {
    box.append(h("p", { class: "empty" }, "No data in this period."));
    return box;
  }
  const data = align(seriesList);
  const opts = {
    title,
    width: 600,
    height,
    series: [
      {},
      ...seriesList.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        fill: bars ? COLORS[i % COLORS.length] + "55" : undefined,
        width: 1.5,
        paths: bars ? uPlot.paths.bars({ size: [0.8, 40] }) : undefined,
        value: (u, v) => (v === null || v === undefined ? "–" : `${+v.toFixed(2)}${unit}`),
      })),
    ],
    axes: [{}, { values: (u, ticks) => ticks.map((v) => `${+v.toFixed(2)}${unit}`), size: 60 }],
    scales: { x: { time: true } },
  };
  mount(box, opts, data);
  return box;
}

/** A small chart without axes or legend for tables and cards. */
export function sparkline(points, { height = 32, width = 120, label = "" } = {}) {
  const box = h("span", { class: "spark", role: "img", "aria-label": label });
  if (!points || points.length < 2) {
    box.append(h("span", { class: "muted" }, "–"));
    return box;
  }
  const data = align([{ points }]);
  const opts = {
    width,
    height,
    legend: { show: false },
    cursor: { show: false },
    select: { show: false },
    axes: [{ show: false }, { show: false }],
    scales: { x: { time: false } },
    series: [{}, { stroke: COLORS[0], width: 1.2, fill: COLORS[0] + "22", points: { show: false } }],
  };
  new uPlot(opts, data, box);
  return box;
}

function mount(box, opts, data) {
  const plot = new uPlot(opts, data, box);
  const fit = () => {
    const width = Math.max(280, Math.floor(box.clientWidth || 600));
    if (width !== plot.width) plot.setSize({ width, height: opts.height });
  };
  new ResizeObserver(fit).observe(box);
  requestAnimationFrame(fit);
  return plot;
}
