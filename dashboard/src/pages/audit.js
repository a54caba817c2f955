// Audit (admin): who did what, filterable and paged, and the hash chain's verification.
import { badge, h, replace, table } from "../lib/dom.js";
import { fromLocalInput, num, time } from "../lib/format.js";
import { actionButton, errorBox, field, form, hashParams, input, kv, section, select } from "../lib/ui.js";

const FILTERS = ["who", "role", "method", "path", "status"];

export default {
  id: "audit",
  title: "Audit",
  role: "admin",
  mount({ api }) {
    const results = h("div");
    let last = {};
    async function run(values, cursor) {
      last = values;
      const q = { who: values.who, role: values.role, method: values.method, path: values.path, status: values.status, limit: 100, cursor };
      if (values.from) q.from = fromLocalInput(values.from);
      if (values.to) q.to = fromLocalInput(values.to);
      try {
        const data = await api.get("/audit", q);
        replace(results, h("div", { "data-testid": "audit-entries" },
          table(["#", "Time", "Who", "Role", "Via", "Method", "Path", "Target", "Status", "IP", "User agent"], (data.entries || []).map((e) => [
            String(e.seq), time(e.at_ms), e.who, e.role, e.via, e.method, h("span", { class: "mono" }, e.path), h("span", { class: "mono" }, e.target),
            badge(String(e.status), e.status < 400 ? "ok" : "error"), e.ip, h("span", { class: "muted" }, e.user_agent)]), { empty: "No entries." }),
          data.cursor ? h("button", { type: "button", on: { click: () => run(values, data.cursor) } }, "Older entries") : null));
      } catch (err) {
        replace(results, errorBox(err));
      }
    }
    const params = hashParams();
    const initial = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || ""]));
    const f = form([
      field("Who", input("who", { size: 14, value: initial.who })),
      field("Role", select("role", [["", "any"], "viewer", "operator", "admin", "none"], initial.role)),
      field("Method", select("method", [["", "any"], "GET", "POST", "PUT", "DELETE"], initial.method)),
      field("Path (prefix)", input("path", { size: 16, value: initial.path })),
      field("Status", input("status", { size: 4, value: initial.status })),
      field("From", input("from", { type: "datetime-local" })),
      field("To", input("to", { type: "datetime-local" })),
    ], "Search", (v) => run(v));
    const verifyBox = h("div", { "aria-live": "polite" });
    const verify = actionButton("Verify the chain", async () => {
      const r = await api.get("/audit/verify");
      replace(verifyBox, kv([["Chain", badge(r.ok ? "intact" : "broken", r.ok ? "ok" : "error")], ["Entries checked", num(r.checked)],
        ...(r.ok ? [] : [["First broken entry", String(r.first_broken_seq)], ["Problem", r.problem]])]));
      return r.ok ? "verified" : "broken";
    });
    run(initial);
    return { el: h("div", {}, section("Chain", verify, verifyBox), section("Entries", f, results)) };
  },
};
