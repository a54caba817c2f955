// Report: the stack's review of a period (default the last 7 days) from GET /monitoring/report:
// uptime and SLA per check, alerts and notifications per receiver, error issues and regressions,
// slowest endpoints, Web Vitals p75 per route against the thresholds, security events, logs,
// retention and cost. Printable (the print style drops the navigation and the forms).
import { badge, h, link, table } from "../lib/dom.js";
import { duration, fromLocalInput, ms, num, pct, time } from "../lib/format.js";
import { dataArea, errorBox, field, form, input, routeHref, section } from "../lib/ui.js";
import { distributionBar } from "./vitals.js";

const keyCount = (rows) => table(["Key", "Count"], (rows || []).map((r) => [h("span", { class: "mono" }, r.key), num(r.count)]), { empty: "None." });

function uptime(s) {
  return h("div", {},
    h("p", {}, `${num(s.summary.checks)} checks: ${num(s.summary.met)} met their SLA, ${num(s.summary.missed)} missed, ${num(s.summary.no_data)} without data; ${num(s.summary.incidents)} incidents.`),
    table(["Check", "Kind", "Uptime", "Target", "SLA", "Budget used", "Downtime", "Incidents"], s.checks.map((c) => [
      link(c.name || c.id, routeHref("uptime", { check: c.id })), c.kind,
      c.sla.uptime_pct === null ? "–" : `${c.sla.uptime_pct.toFixed(3)}%`, `${c.sla.target_pct}%`,
      badge(c.sla.status === "met" ? "met" : c.sla.status === "missed" ? "missed" : "no data", c.sla.status === "met" ? "ok" : c.sla.status === "missed" ? "error" : "muted"),
      c.sla.budget_used === null || c.sla.budget_used === undefined ? "–" : pct(c.sla.budget_used, 0), duration(c.sla.downtime_ms), num(c.incident_count)]), { empty: "No checks." }));
}

function alerts(s) {
  return h("div", {},
    h("p", {}, `${num(s.fired)} alerts fired (${Object.entries(s.by_severity || {}).map(([k, v]) => `${v} ${k}`).join(", ") || "none"}); ${num(s.notifications_total)} notifications${s.truncated ? " (truncated)" : ""}.`),
    table(["Alert", "Severity", "Fired"], (s.by_alertname || []).map((a) => [a.alertname, badge(a.severity), num(a.count)]), { empty: "No alerts fired.", caption: "By alert" }),
    table(["Receiver", "Notifications", "Sent", "Pending", "Dead", "Attempts"], Object.entries(s.notifications || {}).map(([name, n]) => [
      name, num(n.notifications), num(n.sent), num(n.pending), h("span", { class: n.dead ? "bad" : "" }, num(n.dead)), num(n.attempts)]), { empty: "No notifications.", caption: "Per receiver" }));
}

function issues(s) {
  const row = (i) => [link(i.title, routeHref("errors", { issue: i.id, project: i.project })), badge(i.status), `${num(i.events)}${i.events_capped ? "+" : ""}`, time(i.first_seen_ms), i.regressed_ms ? time(i.regressed_ms) : "–"];
  return h("div", {},
    h("p", {}, `${num(s.seen)} issues seen, ${num(s.new)} new, ${num(s.regressed)} regressed; ${num(s.events)} events.`),
    table(["Issue", "Status", "Events", "First seen", "Regressed"], (s.top || []).map(row), { empty: "No errors.", caption: "Top issues" }),
    (s.regressions || []).length ? table(["Issue", "Status", "Events", "First seen", "Regressed"], s.regressions.map(row), { caption: "Regressions" }) : null);
}

function endpoints(s) {
  return h("div", {},
    table(["Service", "Endpoint", "Requests", "Error rate", "p50", "p95", "p99", "Apdex"], (s.slowest || []).map((e) => [
      e.service, e.endpoint, num(e.requests), pct(e.error_rate, 1), ms(e.p50_ms), ms(e.p95_ms), ms(e.p99_ms), e.apdex === null ? "–" : Number(e.apdex).toFixed(2)]), { empty: "No traced requests.", caption: `Slowest endpoints (of ${num(s.endpoint_count)}), by p95` }),
    table(["Trace", "Service", "Endpoint", "Duration"], (s.slowest_traces || []).map((t) => [
      link(t.trace_id.slice(0, 16), routeHref("traces", { trace: t.trace_id })), t.service, t.endpoint, ms(t.duration_ms)]), { empty: "None.", caption: "Slowest traces" }));
}

function vitals(s) {
  const entries = Object.entries(s.metrics || {});
  if (!entries.length) return h("p", { class: "empty" }, "No Web Vitals in this period.");
  const value = (name, v) => (v === null || v === undefined ? "–" : name === "CLS" ? Number(v).toFixed(3) : ms(v));
  return h("div", {}, entries.map(([name, m]) => h("div", {},
    h("h3", {}, `${name} (good ≤ ${value(name, m.good)}, poor > ${value(name, m.poor)})`),
    table(["Route", "Reports", "p75", "Rating", "Distribution"], [m.overall && { ...m.overall, route: "all routes" }, ...(m.routes || [])].filter(Boolean).map((r) => [
      h("span", { class: "mono" }, r.route), num(r.count), value(name, r.p75), badge(r.rating || "no data", r.rating), distributionBar(r.distribution || {})])))));
}

function security(s) {
  return h("div", {},
    h("p", {}, `${num(s.total)} events: ${Object.entries(s.by_type || {}).map(([k, v]) => `${num(v)} ${k.replace("_", " ")}`).join(", ")}.`),
    h("div", { class: "cards" }, h("div", {}, h("h3", {}, "Top identifiers"), keyCount(s.top_identifiers)), h("div", {}, h("h3", {}, "Top routes"), keyCount(s.top_routes)), h("div", {}, h("h3", {}, "Top rules"), keyCount(s.top_rules))));
}

function logs(s) {
  return h("div", {}, h("p", {}, `${num(s.entries)} entries, ${num(s.errors)} errors, ${num(s.service_count)} services.`),
    table(["Service", "Entries", "Errors", "Error rate"], (s.services || []).map((x) => [x.service, num(x.entries), num(x.errors), pct(x.error_rate, 2)]), { empty: "No logs." }));
}

function retention(s) {
  return h("div", {},
    table(["Store", "Kept", "Last run", "State", "Problems"], (s.stores || []).map((x) => [x.subject, x.retention, x.last_run ? time(x.last_run) : "never", badge(x.ok === null ? "unknown" : x.ok ? "ok" : "error", x.ok === null ? "muted" : x.ok ? "ok" : "error"), (x.problems || []).join("; ")])),
    table(["Data", "Kept", "Note"], (s.policies || []).map((p) => [p.subject, p.retention ?? "–", p.note || ""]), { caption: "Policies" }));
}

const SECTIONS = [
  ["uptime", "Uptime and SLA", uptime], ["alerts", "Alerts and notifications", alerts], ["issues", "Error issues", issues],
  ["endpoints", "Slowest endpoints", endpoints], ["vitals", "Web Vitals p75 per route", vitals], ["security", "Security events", security],
  ["logs", "Logs", logs], ["retention", "Retention", retention],
];

export function renderReport(r) {
  const parts = SECTIONS.map(([key, title, render]) => {
    const part = (r.sections || {})[key];
    if (!part) return section(title, h("p", { class: "empty" }, "Not in this report."));
    if (part.error) return section(title, errorBox({ message: part.error.message || part.error.code || "unavailable" }));
    return section(title, render(part));
  });
  return h("div", { "data-testid": "report" },
    h("p", {}, `${r.period ? r.period.label : ""}: ${time(r.from)} to ${time(r.to)} · generated ${time(r.generated_ms)}`),
    parts,
    section("Cost", r.cost === null ? h("p", { class: "muted" }, r.cost_reason || "not measured") : h("pre", {}, JSON.stringify(r.cost, null, 2))));
}

export default {
  id: "report",
  title: "Report",
  role: "viewer",
  mount({ api }) {
    let period = { from: "", to: "" };
    const body = dataArea(async () => {
      const q = {};
      if (period.from) q.from = fromLocalInput(period.from);
      if (period.to) q.to = fromLocalInput(period.to);
      return renderReport(await api.get("/monitoring/report", q));
    }, { label: "Report" });
    const f = form([
      field("From", input("from", { type: "datetime-local" })),
      field("To", input("to", { type: "datetime-local" })),
    ], "Show report", async (v) => { period = v; await body.reload(); });
    const print = h("button", { type: "button", on: { click: () => window.print() } }, "Print");
    return { el: h("div", {}, h("div", { class: "form" }, f, print), body.el), refresh: () => body.reload() };
  },
};
