// Overview: the six Workers' health, open incidents, firing alerts, error rate and p95 per service,
// the last hour's security events, Web Vitals p75, and whether each cron schedule ran on time.
import { sparkline } from "../lib/chart.js";
import { badge, h, link, table } from "../lib/dom.js";
import { ago, ms, num, pct } from "../lib/format.js";
import { dataArea, errorBox, routeHref, section } from "../lib/ui.js";

export const CONCERNS = ["monitoring", "logs", "apm", "infra", "alerts", "security"];
const CRON_PERIOD_MS = { "*/1 * * * *": 60e3, "*/5 * * * *": 300e3, "*/15 * * * *": 900e3, "0 * * * *": 3600e3, "0 0 * * *": 86400e3 };

async function settle(promises) {
  return Promise.all(promises.map((p) => p.then((value) => ({ value }), (error) => ({ error }))));
}

function healthTiles(results) {
  return h("div", { class: "tiles" }, results.map((r, i) => {
    const name = `pitchey-${CONCERNS[i]}`;
    if (r.error) {
      return h("div", { class: "tile", "data-testid": `health-${CONCERNS[i]}`, "data-state": "unreachable" },
        h("div", {}, name), badge(r.error.status === 0 ? "unreachable" : `error ${r.error.status}`, "unreachable"),
        h("div", { class: "muted" }, r.error.message));
    }
    const failing = Object.entries(r.value.checks || {}).filter(([, c]) => !c.ok).map(([k]) => k);
    return h("div", { class: "tile", "data-testid": `health-${CONCERNS[i]}`, "data-state": r.value.status },
      h("div", {}, name), badge(r.value.status), h("div", { class: "muted" }, failing.length ? `failing: ${failing.join(", ")}` : `v${r.value.version}`));
  }));
}

function perService(logMetrics, summary, apmSeries) {
  const rates = new Map();
  for (const row of (logMetrics && logMetrics.series) || []) {
    if (!rates.has(row.service)) rates.set(row.service, []);
    rates.get(row.service).push([row.minute, row.error_rate]);
  }
  const p95 = new Map();
  for (const s of (apmSeries && apmSeries.series) || []) {
    const service = s.labels.service || "?";
    const merged = p95.get(service) || new Map();
    for (const [t, v] of s.points) if (v !== null && v !== undefined) merged.set(t, Math.max(merged.get(t) ?? 0, v));
    p95.set(service, merged);
  }
  const now = new Map(((summary && summary.services) || []).map((s) => [s.service, s]));
  const services = [...new Set([...rates.keys(), ...p95.keys(), ...now.keys()])].sort();
  return table(["Service", "Error rate (logs, per minute)", "Now", "p95 (traces)", "Now"], services.map((name) => {
    const r = (rates.get(name) || []).sort((a, b) => a[0] - b[0]);
    const p = [...(p95.get(name) || new Map()).entries()].sort((a, b) => a[0] - b[0]);
    const current = now.get(name);
    return [
      link(name, routeHref("traces", { service: name })),
      sparkline(r, { label: `${name} error rate` }),
      r.length ? pct(r[r.length - 1][1], 1) : "–",
      sparkline(p, { label: `${name} p95` }),
      current ? ms(current.p95_ms) : p.length ? ms(p[p.length - 1][1]) : "–",
    ];
  }), { empty: "No traffic yet." });
}

function cronTable(cron) {
  const now = Date.now();
  return table(["Schedule", "Jobs", "Last run", "State"], (cron.schedules || []).map((s) => {
    const last = s.last_run;
    const period = CRON_PERIOD_MS[s.cron] || 86400e3;
    const at = last ? last.finished_ms || last.scheduled_ms : null;
    const state = !last ? "never" : now - at > 2 * period + 60e3 ? "late" : last.ok ? "ok" : "error";
    return [h("code", {}, s.cron), s.jobs.join(", "), at ? ago(at) : "never",
      badge(state, state === "late" ? "warn" : state === "never" ? "muted" : state)];
  }));
}

function vitalsBadges(vitals) {
  const out = [];
  for (const [name, groups] of Object.entries((vitals && vitals.metrics) || {})) {
    const overall = groups.find((g) => g.route === "*" && g.device === "*");
    if (!overall) continue;
    const value = name === "CLS" ? overall.p75.toFixed(3) : ms(overall.p75);
    out.push(h("div", { class: "tile" }, h("div", {}, `${name} p75`), h("div", { class: "big" }, value), badge(overall.rating || "no data", overall.rating)));
  }
  return out.length ? h("div", { class: "tiles" }, out) : h("p", { class: "empty" }, "No Web Vitals in the last 24 hours.");
}

export default {
  id: "overview",
  title: "Overview",
  role: "viewer",
  mount({ api }) {
    const hour = () => ({ from: Date.now() - 3600e3 });
    const health = dataArea(async () => healthTiles(await settle(CONCERNS.map((c) => api.get(`/${c}/health`)))), { label: "Workers" });
    const incidents = dataArea(async () => {
      const data = await api.get("/monitoring/incidents", { open: "true", limit: 20 });
      return table(["Check", "Since", "Cause"], (data.incidents || []).map((i) => [
        link(i.check_id, routeHref("uptime", { check: i.check_id })), ago(i.start_ms), i.cause || ""]), { empty: "No open incidents." });
    });
    const alerts = dataArea(async () => {
      const data = await api.get("/alerts");
      const active = (data.alerts || []).filter((a) => a.state === "firing" || a.state === "pending");
      return table(["Alert", "Severity", "State", "Since", "Summary"], active.map((a) => [
        link(a.labels.alertname || a.fingerprint, routeHref("alerts")), a.labels.severity || "", badge(a.state), ago(a.since),
        (a.annotations && (a.annotations.summary || a.annotations.description)) || ""]), { empty: "No firing alerts." });
    });
    const services = dataArea(async () => {
      const [logs, summary, series] = await settle([
        api.get("/logs/metrics", hour()), api.get("/apm/summary", hour()),
        api.get("/monitoring/metrics", { name: "apm_request_duration_ms", agg: "p95", step: 300, ...hour() }),
      ]);
      const failed = [logs, summary, series].filter((r) => r.error);
      return h("div", {}, perService(logs.value, summary.value, series.value), failed.map((f) => errorBox(f.error)));
    });
    const security = dataArea(async () => {
      const s = await api.get("/security/summary", { from: Date.now() - 3600e3, bucket: "5m" });
      return h("div", {},
        h("div", { class: "tiles" }, Object.entries(s.by_type || {}).map(([type, count]) =>
          h("div", { class: "tile" }, h("div", {}, type.replace("_", " ")), h("div", { class: "big" }, num(count))))),
        sparkline((s.buckets || []).map((b) => [b.start_ms, b.total]), { width: 300, label: "security events per 5 minutes" }),
        h("p", {}, link("All security events", routeHref("security"))));
    });
    const vitals = dataArea(async () => vitalsBadges(await api.get("/monitoring/vitals")));
    const cron = dataArea(async () => cronTable(await api.get("/monitoring/cron")));
    const areas = [health, incidents, alerts, services, security, vitals, cron];
    const el = h("div", {},
      section("Workers", health.el),
      h("div", { class: "cards" }, section("Open incidents", incidents.el), section("Firing and pending alerts", alerts.el)),
      section("Services: error rate and p95, last hour", services.el),
      h("div", { class: "cards" }, section("Security events, last hour", security.el), section("Web Vitals p75, last 24 hours", vitals.el)),
      section("Cron freshness", cron.el),
    );
    return { el, refresh: () => Promise.all(areas.map((a) => a.reload())) };
  },
};
