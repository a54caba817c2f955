// The public status page: rendered from GET /monitoring/status (no login, no internals), the
// components' state, uptime and 90 daily bars, and open incidents with their public cause.
import "./style.css";
import { loadConfig } from "./lib/api.js";
import { dailyBars } from "./lib/bars.js";
import { badge, h, replace } from "./lib/dom.js";
import { ago, pct, time } from "./lib/format.js";

const OVERALL = {
  operational: "All systems operational",
  degraded_performance: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
};

async function render(root, config) {
  let page;
  try {
    const response = await fetch(`${config.api}/monitoring/status`, { credentials: "omit", cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    page = await response.json();
  } catch (err) {
    replace(root, h("h1", {}, "Status"), h("div", { class: "error unreachable", role: "alert" }, `The status service is unreachable (${err.message}).`));
    return;
  }
  replace(root,
    h("h1", {}, "Status"),
    h("p", { class: "card", "data-state": page.overall }, badge(OVERALL[page.overall] || page.overall, page.overall)),
    h("section", { class: "card" }, h("h2", {}, "Components"), (page.components || []).map((c) => h("div", { class: "component" },
      h("h3", {}, c.name, " ", badge(c.state)),
      h("p", { class: "muted" }, `Uptime: 24 h ${pct(c.uptime["24h"])} · 7 d ${pct(c.uptime["7d"])} · 30 d ${pct(c.uptime["30d"])} · 90 d ${pct(c.uptime["90d"])}`),
      dailyBars(c.bars)))),
    h("section", { class: "card" }, h("h2", {}, "Incidents"), (page.incidents || []).length === 0
      ? h("p", { class: "empty" }, "No open incidents.")
      : page.incidents.map((i) => h("div", {}, h("strong", {}, i.name || i.component || ""), ` since ${time(i.started_ms)} (${ago(i.started_ms)}): `, i.cause || ""))),
    h("p", { class: "muted" }, `Updated ${time(page.generated_ms)}`));
}

async function boot() {
  const root = document.getElementById("status");
  const config = await loadConfig();
  await render(root, config);
  setInterval(() => render(root, config), 60e3);
}

boot();
