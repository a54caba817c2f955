// Reports: the stack's review of a period (default the last 7 days), printable.
import { badge, h, link, table } from "../lib/dom.js";
import { fromLocalInput, ms, num, pct, time } from "../lib/format.js";
import { dataArea, errorBox, field, form, input, routeHref, section } from "../lib/ui.js";

function sectionOf(title, part, render) {
  if (part === undefined || part === null) return section(title, h("p", { class: "empty" }, "Not in this report."));
  if (part.error) return section(title, errorBox({ message: typeof part.error === "string" ? part.error : JSON.stringify(part.error) }));
  try {
    return section(title, render(part));
  } catch (err) {
    return section(title, h("pre", {}, JSON.stringify(part, null, 2)));
  }
}

function generic(part) {
  if (Array.isArray(part)) {
    if (part.length === 0) return h("p", { class: "empty" }, "None.");
    const keys = [...new Set(part.flatMap((r) => Object.keys(r || {})))].slice(0, 10);
    return table(keys, part.map((r) => keys.map((k) => (typeof r[k] === "object" && r[k] !== null ? JSON.stringify(r[k]) : r[k] ?? "–"))));
  }
  if (typeof part === "object") {
    return h("div", {}, Object.entries(part).map(([k, v]) => h("div", {}, h("h3", {}, k.replaceAll("_", " ")),
      typeof v === "object" && v !== null ? generic(v) : h("p", {}, String(v)))));
  }
  return h("p", {}, String(part));
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
      if (!q.from && !q.to) q.period = "7d";
      const r = await api.get("/monitoring/report", q);
      const sections = r.sections || r;
      const skip = new Set(["from", "to", "from_ms", "to_ms", "generated_ms", "period"]);
      return h("div", { "data-testid": "report" },
        h("p", {}, `From ${time(r.from_ms ?? r.from)} to ${time(r.to_ms ?? r.to)}${r.generated_ms ? ` · generated ${time(r.generated_ms)}` : ""}`),
        Object.entries(sections).filter(([k]) => !skip.has(k)).map(([k, v]) => sectionOf(k.replaceAll("_", " "), v, generic)));
    });
    const f = form([
      field("From", input("from", { type: "datetime-local" })),
      field("To", input("to", { type: "datetime-local" })),
    ], "Show report", async (v) => { period = v; await body.reload(); });
    const print = h("button", { type: "button", on: { click: () => window.print() } }, "Print");
    return { el: h("div", {}, h("div", { class: "form" }, f, print), body.el), refresh: () => body.reload() };
  },
};
