// Web Vitals: p75 per route and device with its rating and the good / needs-improvement / poor
// distribution, and the slowest reports linked to the trace that served the page.
import { badge, h, link, table } from "../lib/dom.js";
import { ms, num, time } from "../lib/format.js";
import { dataArea, field, form, input, routeHref, section, select } from "../lib/ui.js";

const NAMES = ["LCP", "INP", "CLS", "FCP", "TTFB"];

function value(name, v) {
  if (v === null || v === undefined) return "–";
  return name === "CLS" ? Number(v).toFixed(3) : ms(v);
}

export function distributionBar(d) {
  const total = (d.good || 0) + (d["needs-improvement"] || 0) + (d.poor || 0);
  if (!total) return h("span", { class: "muted" }, "–");
  const part = (key, cls) => h("span", { class: cls, style: { flex: String(d[key] || 0) }, title: `${key}: ${d[key] || 0}` });
  return h("span", { class: "bars", role: "img", "aria-label": `good ${d.good || 0}, needs improvement ${d["needs-improvement"] || 0}, poor ${d.poor || 0}`, style: { width: "160px", display: "inline-flex", height: "12px" } },
    part("good", "good"), part("needs-improvement", "warn"), part("poor", "bad"));
}

export default {
  id: "vitals",
  title: "Web Vitals",
  role: "viewer",
  mount({ api }) {
    let filter = { route: "", device: "", hours: "24" };
    const summary = dataArea(async () => {
      const data = await api.get("/monitoring/vitals", { route: filter.route, device: filter.device, from: Date.now() - Number(filter.hours || 24) * 3600e3 });
      return h("div", {}, NAMES.map((name) => {
        const groups = ((data.metrics || {})[name] || []).slice().sort((a, b) => (a.route === "*") - (b.route === "*") || String(a.route).localeCompare(b.route));
        return h("div", {}, h("h3", {}, name),
          table(["Route", "Device", "Reports", "p75", "Rating", "Distribution"], groups.map((g) => [
            g.route === "*" ? h("strong", {}, "all routes") : h("span", { class: "mono" }, g.route), g.device === "*" ? "all" : g.device,
            num(g.count), value(name, g.p75), badge(g.rating || "no data", g.rating), distributionBar(g.distribution || {})]), { empty: "No reports." }));
      }));
    });
    const samples = dataArea(async () => {
      const data = await api.get("/monitoring/vitals/samples", { name: "LCP", limit: 15 });
      return table(["Time", "Route", "Device", "LCP", "Rating", "Trace"], (data.samples || []).map((s) => [
        time(s.ts), h("span", { class: "mono" }, s.route), s.device, value("LCP", s.value), badge(s.rating),
        s.trace_id ? link(s.trace_id.slice(0, 16), routeHref("traces", { trace: s.trace_id })) : "–"]), { empty: "No LCP reports." });
    });
    const f = form([
      field("Route", input("route", { placeholder: "/pitches/:id", size: 16 })),
      field("Device", select("device", [["", "any"], "mobile", "tablet", "desktop"])),
      field("Hours", input("hours", { value: "24", type: "number", size: 4 })),
    ], "Show", async (v) => { filter = v; await summary.reload(); });
    return {
      el: h("div", {}, section("p75 per route and device", f, summary.el), section("Slowest LCP reports", samples.el)),
      refresh: () => Promise.all([summary.reload(), samples.reload()]),
    };
  },
};
