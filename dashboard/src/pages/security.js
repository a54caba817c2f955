// Security: the events timeline, top identifiers, rules and routes, threat hits with their
// excerpts, every event, and the block-list (admins add and remove).
import { lineChart } from "../lib/chart.js";
import { badge, h, table } from "../lib/dom.js";
import { num, time } from "../lib/format.js";
import { actionButton, dataArea, field, form, hashParams, input, section, select } from "../lib/ui.js";

const TYPES = ["rate_limited", "threat", "anomaly", "blocked"];

function top(title, rows) {
  return h("div", {}, h("h3", {}, title), table(["Key", "Events"], (rows || []).map((r) => [h("span", { class: "mono" }, r.key), num(r.count)]), { empty: "None." }));
}

function detailOf(e) {
  const d = e.detail || {};
  if (e.type === "threat") {
    return h("div", {}, (d.hits || []).map((hit) => h("div", {},
      badge(hit.class, "error"), " ", h("span", { class: "mono" }, `${hit.rule} in ${hit.location}: `), h("code", {}, hit.excerpt))), d.action ? h("div", { class: "muted" }, `action: ${d.action}`) : null);
  }
  return h("span", { class: "mono" }, JSON.stringify(d));
}

export default {
  id: "security",
  title: "Security",
  role: "viewer",
  mount({ api }) {
    const params = hashParams();
    let filter = { type: params.get("type") || "", identifier: params.get("identifier") || "" };
    let reloadAll = async () => {};
    const summary = dataArea(async () => {
      const s = await api.get("/security/summary", { from: Date.now() - 86400e3, bucket: "1h" });
      const buckets = s.buckets || [];
      return h("div", {},
        h("div", { class: "tiles" }, TYPES.map((t) => h("div", { class: "tile" }, h("div", {}, t.replace("_", " ")), h("div", { class: "big" }, num((s.by_type || {})[t] || 0))))),
        lineChart(TYPES.map((t) => ({ label: t, points: buckets.map((b) => [b.start_ms, b.counts[t] || 0]) })), { bars: false, title: "events per hour, last 24 hours" }),
        h("div", { class: "cards" }, top("Top identifiers", s.top_identifiers), top("Top rules", s.top_rules), top("Top routes", s.top_routes)));
    });
    const threats = dataArea(async () => {
      const data = await api.get("/security/events", { type: "threat", limit: 25 });
      return table(["Time", "Identifier", "Route", "Score", "Hits"], (data.events || []).map((e) => [time(e.ts_ms), h("span", { class: "mono" }, e.identifier), e.route, num(e.score), detailOf(e)]), { empty: "No threats." });
    });
    const events = dataArea(async () => {
      const data = await api.get("/security/events", { ...filter, limit: 100 });
      return table(["Time", "Type", "Identifier", "Route", "Rule", "Score", "Detail"], (data.events || []).map((e) => [
        time(e.ts_ms), badge(e.type, e.type === "rate_limited" ? "warning" : "error"), h("span", { class: "mono" }, e.identifier), e.route, e.rule_id || "–", e.score ?? "–", detailOf(e)]), { empty: "No events." });
    });
    const eventFilter = form([
      field("Type", select("type", [["", "any"], ...TYPES], filter.type)),
      field("Identifier", input("identifier", { value: filter.identifier, placeholder: "ip:203.0.113.9", size: 18 })),
    ], "Filter", async (v) => { filter = v; await events.reload(); });
    const blocks = dataArea(async () => {
      const data = await api.get("/security/blocklist");
      return table(["Target", "Reason", "Source", "Created", "Expires", ""], (data.entries || []).map((b) => [
        h("span", { class: "mono" }, b.target), b.reason || "", b.source, time(b.created_ms), b.expires_ms ? time(b.expires_ms) : "never",
        api.can("admin") ? actionButton("Remove", async () => {
          await api.send("DELETE", `/security/blocklist/${encodeURIComponent(b.target)}`);
          await reloadAll();
          return "removed";
        }, { confirmText: "Click again to remove", cls: "danger" }) : ""]), { empty: "Nothing is blocked." });
    });
    const blockForm = form([
      field("Target", input("target", { placeholder: "203.0.113.9 or user:42", size: 22 })),
      field("Reason", input("reason", { size: 22 })),
      field("For (empty: until removed)", input("ttl", { placeholder: "24h", size: 6 })),
    ], "Block", async (v) => {
      const body = { target: v.target };
      if (v.reason) body.reason = v.reason;
      if (v.ttl) body.ttl = v.ttl;
      await api.send("POST", "/security/blocklist", body);
      await reloadAll();
      return `blocked ${v.target}`;
    });
    const areas = [summary, threats, events, blocks];
    reloadAll = () => Promise.all(areas.map((a) => a.reload()));
    const el = h("div", {},
      section("Last 24 hours", summary.el),
      section("Threat hits", threats.el),
      section("Block-list", blocks.el, api.can("admin") ? blockForm : null),
      section("Events", eventFilter, events.el));
    return { el, refresh: reloadAll };
  },
};
