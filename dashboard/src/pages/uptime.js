// Uptime: checks and heartbeats with their state and uptime, 90 daily bars, the latency chart of
// one check, incidents and maintenance windows; admins create, edit and delete checks and
// heartbeats, operators plan maintenance.
import { dailyBars } from "../lib/bars.js";
import { lineChart } from "../lib/chart.js";
import { badge, h, link, replace, table } from "../lib/dom.js";
import { ago, duration, fromLocalInput, ms, pct, time } from "../lib/format.js";
import { actionButton, dataArea, field, form, hashParams, input, routeHref, section, select } from "../lib/ui.js";

function checkForm(api, existing, done) {
  const spec = existing ? existing.spec : {};
  const fields = [
    field("Id", input("id", { value: spec.id || "", placeholder: "search" })),
    field("Name", input("name", { value: spec.name || "", placeholder: "Search API" })),
    field("URL", input("url", { value: spec.url || "", placeholder: "https://app.example/api/health", size: 40 })),
    field("Method", select("method", ["GET", "HEAD", "POST"], spec.method || "GET")),
    field("Expected status", input("expectedStatus", { value: (spec.expectedStatus || [200]).join(","), size: 8 })),
    field("Keyword", input("keyword", { value: spec.keyword || "", size: 12 })),
    field("Degraded above (ms)", input("degradedMs", { value: spec.degradedMs ?? 2000, type: "number", size: 6 })),
  ];
  if (existing) fields[0].querySelector("input").setAttribute("disabled", "");
  return form(fields, existing ? "Save check" : "Create check", async (v) => {
    const id = existing ? spec.id : v.id;
    const body = {
      id, url: v.url, method: v.method, degradedMs: Number(v.degradedMs),
      expectedStatus: v.expectedStatus.split(",").map((s) => Number(s.trim())).filter((n) => n),
    };
    if (v.name) body.name = v.name;
    if (v.keyword) body.keyword = v.keyword;
    await api.send("PUT", `/monitoring/checks/${encodeURIComponent(id)}`, body);
    done();
    return existing ? "saved" : `created ${id}`;
  });
}

function heartbeatForm(api, done) {
  return form([
    field("Id", input("id", { placeholder: "nightly-backup" })),
    field("Every", input("every", { value: "1d", size: 6 })),
    field("Grace", input("grace", { value: "30m", size: 6 })),
  ], "Create heartbeat", async (v) => {
    const answer = await api.send("PUT", `/monitoring/heartbeats/${encodeURIComponent(v.id)}`, { id: v.id, every: v.every, grace: v.grace });
    done();
    return `created; ping ${answer && answer.ping_url ? answer.ping_url : ""}`;
  });
}

function maintenanceForm(api, done) {
  const now = new Date(Date.now() + 60e3);
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
  return form([
    field("Id", input("id", { placeholder: "deploy-window" })),
    field("Start", input("start", { type: "datetime-local", value: local(now) })),
    field("End", input("end", { type: "datetime-local", value: local(new Date(now.getTime() + 3600e3)) })),
    field("Checks (ids, comma; empty: all)", input("checks", { size: 18 })),
    field("Reason", input("reason", { size: 18 })),
  ], "Plan maintenance", async (v) => {
    const body = { id: v.id, start: fromLocalInput(v.start), end: fromLocalInput(v.end) };
    if (v.checks) body.checks = v.checks.split(",").map((s) => s.trim()).filter(Boolean);
    if (v.reason) body.reason = v.reason;
    await api.send("POST", "/monitoring/maintenance", body);
    done();
    return "planned";
  });
}

async function checkDetail(api, id, reloadAll) {
  const [check, series] = await Promise.all([
    api.get(`/monitoring/checks/${encodeURIComponent(id)}`, { recent: 50 }),
    api.get(`/monitoring/checks/${encodeURIComponent(id)}/series`),
  ]);
  const points = series.points || [];
  const chart = lineChart([
    { label: "p50", points: points.map((p) => [p.t, p.p50]) },
    { label: "p95", points: points.map((p) => [p.t, p.p95]) },
  ], { unit: " ms", title: `${check.spec.name || id}: response time` });
  const parts = [
    h("h3", {}, check.spec.name || id), chart,
    table(["Time", "State", "Detail"], (check.recent || []).slice(0, 15).map((r) => [time(r.ts), badge(r.state), r.detail || r.reason])),
  ];
  if (api.can("admin") && check.kind === "http" && check.source !== "config") {
    parts.push(h("h3", {}, "Edit"), checkForm(api, check, reloadAll),
      actionButton("Delete check", async () => {
        await api.send("DELETE", `/monitoring/checks/${encodeURIComponent(id)}`);
        location.hash = routeHref("uptime");
        return "deleted";
      }, { confirmText: "Click again to delete", cls: "danger" }));
  }
  return h("div", { "data-testid": "check-detail" }, parts);
}

export default {
  id: "uptime",
  title: "Uptime",
  role: "viewer",
  mount({ api }) {
    const selected = hashParams().get("check");
    let reloadAll = () => {};
    const monitors = dataArea(async () => {
      const [checks, status] = await Promise.all([api.get("/monitoring/checks"), api.getPublic("/monitoring/status")]);
      const bars = new Map((status.components || []).map((c) => [c.id, c.bars]));
      return table(["Monitor", "Kind", "State", "Since", "24h", "7d", "30d", "90d", "Last", "90 days"], (checks.monitors || []).map((m) => [
        link(m.spec.name || m.id, routeHref("uptime", { check: m.id })), m.kind, badge(m.state), ago(m.since_ms),
        pct(m.uptime["24h"].ratio), pct(m.uptime["7d"].ratio), pct(m.uptime["30d"].ratio), pct(m.uptime["90d"].ratio),
        m.last_result ? m.last_result.detail : m.last_ping_ms ? `ping ${ago(m.last_ping_ms)}` : "–",
        dailyBars(bars.get(m.id)),
      ]), { empty: "No monitors yet." });
    }, { label: "Monitors" });
    const detail = selected ? dataArea(() => checkDetail(api, selected, () => reloadAll())) : null;
    const incidents = dataArea(async () => {
      const data = await api.get("/monitoring/incidents", { limit: 50 });
      return table(["Check", "Start", "Duration", "Cause"], (data.incidents || []).map((i) => [
        link(i.check_id, routeHref("uptime", { check: i.check_id })), time(i.start_ms), duration(i.duration_ms), i.cause]), { empty: "No incidents." });
    });
    const maintenance = dataArea(async () => {
      const data = await api.get("/monitoring/maintenance");
      return table(["Id", "Start", "End", "Checks", "Reason", ""], (data.maintenance || []).map((w) => [
        w.id, time(w.start_ms ?? w.start), time(w.end_ms ?? w.end), (w.checks || []).join(", ") || "all", w.reason || "",
        api.can("operator") && w.source !== "config"
          ? actionButton("Delete", async () => { await api.send("DELETE", `/monitoring/maintenance/${encodeURIComponent(w.id)}`); reloadAll(); return "deleted"; }, { confirmText: "Click again to delete", cls: "danger" })
          : "",
      ]), { empty: "No maintenance windows." });
    });
    const areas = [monitors, detail, incidents, maintenance].filter(Boolean);
    reloadAll = () => Promise.all(areas.map((a) => a.reload()));
    const el = h("div", {},
      section("Monitors", monitors.el),
      detail ? section("Check", detail.el) : null,
      api.can("admin") ? section("New check", checkForm(api, null, () => reloadAll()), h("h3", {}, "New heartbeat"), heartbeatForm(api, () => reloadAll())) : null,
      section("Incidents", incidents.el),
      section("Maintenance windows", maintenance.el, api.can("operator") ? maintenanceForm(api, () => reloadAll()) : null),
    );
    return { el, refresh: reloadAll };
  },
};
