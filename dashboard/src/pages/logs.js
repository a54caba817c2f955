// Logs: every filter of /logs/search, results newest first with paging and the scanned/skipped
// counts, a live tail, and trace ids linking to their trace.
import { badge, h, link, replace, table } from "../lib/dom.js";
import { fromLocalInput, num, time } from "../lib/format.js";
import { attrQuery, errorBox, field, form, hashParams, input, routeHref, section, select } from "../lib/ui.js";

const LEVELS = ["", "debug", "info", "warn", "error", "fatal"];
const FILTERS = ["q", "level", "service", "trace_id", "request_id", "user_id", "attr", "from", "to", "limit"];

export function logRow(e) {
  return h("tr", {},
    h("td", { class: "mono" }, time(e.ts)),
    h("td", {}, badge(e.level, e.level === "warn" ? "warning" : e.level === "info" || e.level === "debug" ? "muted" : e.level)),
    h("td", {}, e.service),
    h("td", {}, h("div", { class: "mono" }, e.message),
      Object.keys(e.attributes || {}).length ? h("div", { class: "muted mono" }, JSON.stringify(e.attributes)) : null),
    h("td", { class: "mono" },
      e.trace_id ? link(e.trace_id.slice(0, 16), routeHref("traces", { trace: e.trace_id })) : "",
      e.request_id ? h("div", { class: "muted" }, `req ${e.request_id}`) : null,
      e.user_id ? h("div", { class: "muted" }, `user ${e.user_id}`) : null),
  );
}

function query(values) {
  const q = {};
  for (const key of ["q", "level", "service", "trace_id", "request_id", "user_id", "limit"]) if (values[key]) q[key] = values[key];
  if (values.from) q.from = fromLocalInput(values.from);
  if (values.to) q.to = fromLocalInput(values.to);
  return { ...q, ...attrQuery(values.attr) };
}

export default {
  id: "logs",
  title: "Logs",
  role: "viewer",
  mount({ api }) {
    const params = hashParams();
    const results = h("div", { "aria-live": "polite" });
    const tailBox = h("div");
    let last = null;
    let paged = false;

    async function search(values, cursor) {
      const answer = await api.get("/logs/search", { ...query(values), cursor });
      const o = answer.objects || {};
      const more = answer.cursor
        ? h("button", { type: "button", on: { click: () => run(values, answer.cursor) } }, "Older results")
        : null;
      return h("div", { "data-testid": "log-results" },
        h("p", { class: "muted" }, `${num(answer.count)} entries (${num(answer.buffered_matches)} from the live buffer); archive objects: ${num(o.total)} in range, ${num(o.skipped_by_index)} skipped by the index, ${num(o.scanned)} scanned, ${num(o.not_needed)} not needed`),
        table(["Time", "Level", "Service", "Message", "Trace"], (answer.matches || []).map(logRow), { empty: "No entries match." }),
        more);
    }
    async function run(values, cursor) {
      last = values;
      paged = !!cursor;
      try {
        replace(results, await search(values, cursor));
      } catch (err) {
        replace(results, errorBox(err));
      }
    }
    const initial = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || ""]));
    const f = form([
      field("Words", input("q", { value: initial.q, placeholder: 'timeout "order 42"', size: 24 })),
      field("Level (minimum)", select("level", LEVELS.map((l) => [l, l || "any"]), initial.level)),
      field("Services", input("service", { value: initial.service, placeholder: "api,checkout", size: 14 })),
      field("Trace id", input("trace_id", { value: initial.trace_id, size: 18 })),
      field("Request id", input("request_id", { value: initial.request_id, size: 14 })),
      field("User id", input("user_id", { value: initial.user_id, size: 10 })),
      field("Attributes (k=v, comma)", input("attr", { value: initial.attr, placeholder: "region=eu", size: 14 })),
      field("From", input("from", { type: "datetime-local" })),
      field("To", input("to", { type: "datetime-local" })),
      field("Limit", input("limit", { value: initial.limit || "100", type: "number", size: 5 })),
    ], "Search", (values) => run(values));

    let cursor = null;
    let timer = null;
    const tailRows = h("tbody");
    const tailButton = h("button", { type: "button", id: "tail", "aria-pressed": "false" }, "Start live tail");
    async function poll() {
      try {
        const answer = await api.get("/logs/tail", { since: cursor, limit: 200 });
        cursor = answer.cursor;
        for (const e of answer.entries || []) tailRows.prepend(logRow(e));
        while (tailRows.children.length > 300) tailRows.lastChild.remove();
        if (answer.gap) tailRows.prepend(h("tr", {}, h("td", { colspan: "5", class: "warn" }, "Some entries were dropped from the tail window.")));
      } catch (err) {
        replace(tailBox, errorBox(err));
      }
    }
    tailButton.addEventListener("click", () => {
      if (timer) {
        clearInterval(timer);
        timer = null;
        tailButton.textContent = "Start live tail";
        tailButton.setAttribute("aria-pressed", "false");
        return;
      }
      tailButton.textContent = "Stop live tail";
      tailButton.setAttribute("aria-pressed", "true");
      poll();
      timer = setInterval(poll, 2000);
    });
    replace(tailBox, h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ["Time", "Level", "Service", "Message", "Trace"].map((x) => h("th", {}, x)))), tailRows));
    const el = h("div", {}, section("Search", f, results), section("Live tail", tailButton, tailBox));
    if (FILTERS.some((k) => params.get(k))) run(initial);
    else run({ limit: "50" });
    return {
      el,
      refresh: async () => { if (last && !paged) await run(last); },
      dispose: () => { if (timer) clearInterval(timer); },
    };
  },
};
