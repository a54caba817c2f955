// Infra: the binding probes (Worker RPC, KV, R2, Durable Objects) with their latencies, the
// rollups per target, and the cron jobs with their last runs.
import { badge, h, table } from "../lib/dom.js";
import { ago, ms, pct, time } from "../lib/format.js";
import { dataArea, field, form, section, select } from "../lib/ui.js";

function samples(set) {
  if (!set) return h("p", { class: "empty" }, "No samples yet.");
  return h("div", {}, h("p", { class: "muted" }, `sampled ${ago(set.at_ms)}`),
    table(["Target", "Kind", "State", "Latency", "Error"], (set.samples || []).map((s) => [s.target, s.kind, badge(s.ok ? "ok" : "down"), ms(s.latency_ms), s.error || ""])));
}

export default {
  id: "infra",
  title: "Infra",
  role: "viewer",
  mount({ api }) {
    let period = "1h";
    const status = dataArea(async () => {
      const s = await api.get("/infra/status");
      return h("div", { class: "cards" }, h("div", {}, h("h3", {}, "Workers (service bindings)"), samples(s.workers)), h("div", {}, h("h3", {}, "Storage"), samples(s.storage)));
    });
    const rollups = dataArea(async () => {
      const data = await api.get("/infra/rollups", { period, limit: 24 });
      const rows = [];
      for (const r of data.rollups || []) {
        for (const [target, t] of Object.entries(r.targets || {})) {
          rows.push([time(r.start), target, String(t.count), String(t.failures), pct(t.availability), ms(t.latency_avg_ms), ms(t.latency_p95_ms), ms(t.latency_max_ms)]);
        }
      }
      return table(["Window", "Target", "Samples", "Failures", "Availability", "Average", "p95", "Max"], rows, { empty: "No rollups yet (the 15-minute cron makes the first)." });
    });
    const cron = dataArea(async () => {
      const data = await api.get("/monitoring/cron");
      const rows = [];
      for (const s of data.schedules || []) {
        const jobs = s.last_run ? s.last_run.jobs : s.jobs.map((job) => ({ job }));
        for (const j of jobs) rows.push([h("code", {}, s.cron), j.job, s.last_run ? time(s.last_run.scheduled_ms) : "never", j.status ? badge(j.status) : "–", ms(j.duration_ms), h("span", { class: "mono" }, j.error ? JSON.stringify(j.error) : j.result ? JSON.stringify(j.result).slice(0, 200) : "")]);
      }
      return table(["Schedule", "Job", "Last run", "Status", "Duration", "Result or error"], rows);
    });
    const f = form([field("Period", select("period", ["15m", "1h", "1d"], period))], "Show", async (v) => { period = v.period; await rollups.reload(); });
    return {
      el: h("div", {}, section("Probes", status.el), section("Rollups", f, rollups.el), section("Cron jobs", cron.el)),
      refresh: () => Promise.all([status.reload(), rollups.reload(), cron.reload()]),
    };
  },
};
