// The dashboard benchmark's page: the same series drawn by uPlot (the dashboard's chart library)
// and by Chart.js, and the same table built by the dashboard's safe DOM builder and by an escaped
// innerHTML string (the usual alternative), timed to the next frame after the work.
import uPlot from "uplot";
import { CategoryScale, Chart, LinearScale, LineController, LineElement, PointElement } from "chart.js";
import { h, table } from "../../dashboard/src/lib/dom.js";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale);

function series(points, count) {
  const xs = Array.from({ length: points }, (_, i) => 1.7e9 + i * 60);
  const ys = Array.from({ length: count }, (_, s) => xs.map((_, i) => 100 + 50 * Math.sin(i / 40 + s) + ((i * 7919 + s) % 13)));
  return { xs, ys };
}

function box() {
  const el = document.createElement("div");
  el.style.width = "900px";
  el.style.height = "300px";
  document.body.append(el);
  return el;
}

const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

// Each measurement makes `repeat` of the same thing back to back, then waits for the frame that
// shows them (deferred drawing and layout included); the time per item is the total over repeat,
// so the frame's 16 ms granularity does not decide the comparison.
async function timed(fn, repeat = 20) {
  await frame();
  const start = performance.now();
  const cleanups = [];
  for (let i = 0; i < repeat; i++) cleanups.push(fn());
  await frame();
  const took = (performance.now() - start) / repeat;
  for (const cleanup of cleanups) cleanup();
  return took;
}

window.bench = {
  uplot: (points, count) => {
    const { xs, ys } = series(points, count);
    return timed(() => {
      const el = box();
      const plot = new uPlot({ width: 900, height: 300, series: [{}, ...ys.map(() => ({ stroke: "#2f6fdb", points: { show: false } }))] }, [xs, ...ys], el);
      return () => { plot.destroy(); el.remove(); };
    });
  },
  chartjs: (points, count) => {
    const { xs, ys } = series(points, count);
    return timed(() => {
      const el = box();
      const canvas = document.createElement("canvas");
      canvas.width = 900;
      canvas.height = 300;
      el.append(canvas);
      const chart = new Chart(canvas, {
        type: "line",
        data: { datasets: ys.map((y) => ({ data: xs.map((x, i) => ({ x, y: y[i] })), borderColor: "#2f6fdb", pointRadius: 0, borderWidth: 1 })) },
        options: { animation: false, responsive: false, parsing: false, normalized: true, scales: { x: { type: "linear" } }, plugins: {} },
      });
      return () => { chart.destroy(); el.remove(); };
    });
  },
  domTable: (rows) => timed(() => {
    const data = Array.from({ length: rows }, (_, i) => [`2026-12-02 10:${i % 60}`, "error", "checkout", `<b>line ${i}</b> & "quoted"`, `trace-${i}`]);
    const el = table(["Time", "Level", "Service", "Message", "Trace"], data);
    document.body.append(el);
    void el.offsetHeight;
    return () => el.remove();
  }, 3),
  htmlTable: (rows) => timed(() => {
    const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
    const data = Array.from({ length: rows }, (_, i) => [`2026-12-02 10:${i % 60}`, "error", "checkout", `<b>line ${i}</b> & "quoted"`, `trace-${i}`]);
    const el = document.createElement("div");
    el.innerHTML = `<table class="grid"><thead><tr>${["Time", "Level", "Service", "Message", "Trace"].map((x) => `<th>${x}</th>`).join("")}</tr></thead><tbody>${data.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
    document.body.append(el);
    void el.offsetHeight;
    return () => el.remove();
  }, 3),
  h,
};
