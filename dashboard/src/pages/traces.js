// Traces: span search, the waterfall of one trace (with its logs), the service map, and the
// per-endpoint performance of the last hour.
import { badge, h, link, replace, table } from "../lib/dom.js";
import { fromLocalInput, ms, num, pct, time } from "../lib/format.js";
import { attrQuery, dataArea, errorBox, field, form, hashParams, input, routeHref, section, select } from "../lib/ui.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = String(text);
  return el;
}

/** The service map: services in columns by call depth, an arrow per edge labelled with calls and p95. */
export function serviceMap(map) {
  const services = (map.services || []).map((s) => (typeof s === "string" ? s : s.name || s.service));
  if (services.length === 0) return h("p", { class: "empty" }, "No calls between services in this period.");
  const incoming = new Map(services.map((s) => [s, 0]));
  for (const e of map.edges || []) incoming.set(e.to, (incoming.get(e.to) || 0) + 1);
  const depth = new Map();
  const queue = services.filter((s) => !incoming.get(s));
  if (queue.length === 0) queue.push(services[0]);
  for (const s of queue) depth.set(s, 0);
  for (let i = 0; i < queue.length; i++) {
    for (const e of (map.edges || []).filter((x) => x.from === queue[i])) {
      if (!depth.has(e.to)) { depth.set(e.to, depth.get(queue[i]) + 1); queue.push(e.to); }
    }
  }
  for (const s of services) if (!depth.has(s)) depth.set(s, 0);
  const columns = new Map();
  for (const s of services) {
    const d = depth.get(s);
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d).push(s);
  }
  const W = 220, H = 70;
  const pos = new Map();
  for (const [d, list] of columns) list.forEach((s, i) => pos.set(s, { x: 20 + d * W, y: 20 + i * H }));
  const width = 40 + Math.max(...columns.keys()) * W + 160;
  const height = 40 + Math.max(...[...columns.values()].map((l) => l.length)) * H;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "service map" });
  const defs = svg("defs", {});
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#5b6475" }));
  defs.append(marker);
  root.append(defs);
  for (const e of map.edges || []) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const bad = Number(e.error_rate) > 0.05;
    root.append(svg("line", { x1: a.x + 150, y1: a.y + 18, x2: b.x, y2: b.y + 18, stroke: bad ? "#c0262d" : "#5b6475", "stroke-width": 1.5, "marker-end": "url(#arrow)" }));
    root.append(svg("text", { x: (a.x + 150 + b.x) / 2 - 30, y: (a.y + b.y) / 2 + 12, "font-size": 10, fill: "#5b6475" }, `${num(e.calls)} calls · p95 ${ms(e.p95_ms)}`));
  }
  for (const [s, p] of pos) {
    const g = svg("g", {});
    g.append(svg("rect", { x: p.x, y: p.y, width: 150, height: 36, rx: 6, fill: "#eef2fb", stroke: "#2f6fdb" }));
    g.append(svg("text", { x: p.x + 8, y: p.y + 22, "font-size": 12, fill: "#1d2330" }, s.length > 22 ? `${s.slice(0, 21)}…` : s));
    root.append(g);
  }
  return h("div", { class: "chart" }, root);
}

export function waterfall(trace) {
  const total = Math.max(Number(trace.duration_ms) || 0, 0.001);
  const errors = new Set((trace.errors || []).map((e) => (typeof e === "string" ? e : e.span_id)));
  const rows = (trace.spans || []).map((s) => {
    const left = Math.min(100, (Number(s.offset_ms) / total) * 100);
    const width = Math.max(0.3, Math.min(100 - left, (Number(s.duration_ms) / total) * 100));
    const bad = s.status === "error" || errors.has(s.span_id);
    const label = h("div", { style: { "padding-left": `${Math.min(12, s.depth || 0) * 14}px` } },
      h("span", { class: "muted" }, `${s.service} `), h("span", {}, s.name), bad ? [" ", badge("error")] : null);
    const details = h("details", {}, h("summary", {}, label),
      h("pre", {}, JSON.stringify({ span_id: s.span_id, parent_id: s.parent_id, kind: s.kind, status: s.status, status_message: s.status_message, attributes: s.attributes, events: s.events }, null, 2)));
    return h("div", { class: "row" }, details,
      h("div", { class: "track" }, h("div", { class: `bar${bad ? " bad" : ""}`, style: { left: `${left}%`, width: `${width}%` } })),
      h("div", { class: "mono" }, ms(s.duration_ms)));
  });
  return h("div", { class: "waterfall", "data-testid": "waterfall" }, rows);
}

async function traceView(api, id) {
  const trace = await api.get(`/apm/traces/${encodeURIComponent(id)}`);
  return h("div", {},
    h("p", {}, `${trace.root ? `${trace.root.service}: ${trace.root.name}` : "no root span"} · ${time(trace.start_ms)} · ${ms(trace.duration_ms)} · ${num(trace.span_count)} spans · services ${(trace.services || []).join(", ")}${trace.orphans ? ` · ${trace.orphans} orphans` : ""}`),
    h("p", {}, link("Logs of this trace", routeHref("logs", { trace_id: id }))),
    waterfall(trace));
}

function spanQuery(v) {
  const q = {};
  for (const k of ["service", "name", "status", "kind", "min_duration", "limit"]) if (v[k]) q[k] = v[k];
  if (v.root) q.root = "true";
  if (v.from) q.from = fromLocalInput(v.from);
  if (v.to) q.to = fromLocalInput(v.to);
  return { ...q, ...attrQuery(v.attr) };
}

export default {
  id: "traces",
  title: "Traces",
  role: "viewer",
  mount({ api }) {
    const params = hashParams();
    const traceId = params.get("trace");
    const results = h("div", { "aria-live": "polite" });
    let last = { service: params.get("service") || "", limit: "50", root: true };
    async function run(values, cursor) {
      last = values;
      try {
        const answer = await api.get("/apm/traces", { ...spanQuery(values), cursor });
        const o = answer.objects || {};
        replace(results, h("div", { "data-testid": "span-results" },
          h("p", { class: "muted" }, `${num(answer.count)} spans (${num(answer.buffered_matches)} buffered); archive objects ${num(o.total)}, skipped ${num(o.skipped_by_index)}, scanned ${num(o.scanned)}`),
          table(["Start", "Service", "Span", "Kind", "Status", "Duration", "Trace"], (answer.spans || []).map((s) => [
            time(s.start_ms), s.service, s.name, s.kind, badge(s.status, s.status === "error" ? "error" : "muted"), ms(s.duration_ms),
            link(s.trace_id.slice(0, 16), routeHref("traces", { trace: s.trace_id }))]), { empty: "No spans match." }),
          answer.cursor ? h("button", { type: "button", on: { click: () => run(values, answer.cursor) } }, "Older spans") : null));
      } catch (err) {
        replace(results, errorBox(err));
      }
    }
    const searchForm = form([
      field("Service", input("service", { value: last.service, size: 12 })),
      field("Span or endpoint", input("name", { size: 18, placeholder: "GET /api/orders/{id}" })),
      field("Status", select("status", [["", "any"], "ok", "error", "unset"])),
      field("Kind", select("kind", [["", "any"], "server", "client", "internal", "producer", "consumer"])),
      field("Min duration (ms)", input("min_duration", { type: "number", size: 6 })),
      field("Attributes (k=v)", input("attr", { size: 16, placeholder: "http.route=/api/x" })),
      field("From", input("from", { type: "datetime-local" })),
      field("To", input("to", { type: "datetime-local" })),
      field("Limit", input("limit", { value: "50", type: "number", size: 4 })),
    ], "Search spans", (v) => run(v));
    const rootOnly = h("input", { type: "checkbox", name: "root", checked: true });
    searchForm.insertBefore(h("label", { class: "field" }, h("span", {}, "Root spans only"), rootOnly), searchForm.querySelector("button"));
    const trace = traceId ? dataArea(() => traceView(api, traceId), { label: "Trace" }) : null;
    const perf = dataArea(async () => {
      const s = await api.get("/apm/summary", { from: Date.now() - 3600e3 });
      return table(["Service", "Endpoint", "Requests", "Per minute", "Errors", "Error rate", "p50", "p95", "p99", "Apdex"], (s.endpoints || []).map((e) => [
        e.service, link(e.endpoint || e.name, routeHref("traces", { service: e.service })), num(e.requests), num(e.requests_per_minute), num(e.errors),
        pct(e.error_rate, 1), ms(e.p50_ms), ms(e.p95_ms), ms(e.p99_ms), e.apdex === null || e.apdex === undefined ? "–" : Number(e.apdex).toFixed(2)]), { empty: "No requests in the last hour." });
    });
    const map = dataArea(async () => serviceMap(await api.get("/apm/services", { from: Date.now() - 3600e3 })));
    run(last);
    const el = h("div", {},
      trace ? section(`Trace ${traceId}`, trace.el) : null,
      section("Endpoints, last hour", perf.el),
      section("Service map, last hour", map.el),
      section("Span search", searchForm, results));
    return { el, refresh: () => Promise.all([perf.reload(), map.reload(), trace ? trace.reload() : null]) };
  },
};
