// Errors: the issues of a project (Sentry-compatible ingest), one issue with its stack trace
// (in-app frames marked), its events, releases and regressions; operators change its status.
import { badge, h, link, replace, table } from "../lib/dom.js";
import { ago, num, time } from "../lib/format.js";
import { actionButton, dataArea, field, form, hashParams, input, kv, routeHref, section, select } from "../lib/ui.js";

const PROJECT_KEY = "edgewatch.project";

function frames(list) {
  return h("ol", { class: "frames" }, [...(list || [])].reverse().map((f) =>
    h("li", { class: `frame${f.in_app ? " in-app" : ""}`, "data-in-app": String(!!f.in_app) },
      h("span", { class: "fn" }, f.function || "?"), " ",
      h("span", { class: "muted mono" }, `${f.filename || f.module || "?"}:${f.lineno ?? "?"}${f.colno ? `:${f.colno}` : ""}`),
      f.in_app ? [" ", badge("in app", "ok")] : null,
      f.context_line ? h("pre", {}, f.context_line) : null)));
}

function eventView(e) {
  return h("div", { class: "event" },
    kv([["Event", e.event_id], ["Time", time(e.timestamp_ms)], ["Release", e.release], ["Environment", e.environment],
      ["URL", e.request_url ? link(e.request_url, e.request_url) : "–"], ["User", e.user_id || e.user_email || "–"],
      ["Trace", e.trace_id ? link(e.trace_id, routeHref("traces", { trace: e.trace_id })) : "–"],
      ["Tags", Object.entries(e.tags || {}).map(([k, v]) => `${k}=${v}`).join(", ") || "–"]]),
    (e.exceptions || []).map((x) => h("div", {}, h("h3", {}, `${x.type}: ${x.value ?? ""}`), frames(x.frames))),
    e.message ? h("pre", {}, e.message) : null,
    (e.breadcrumbs || []).length ? h("details", {}, h("summary", {}, `${e.breadcrumbs.length} breadcrumbs`),
      table(["Time", "Category", "Message"], e.breadcrumbs.map((b) => [time(b.timestamp_ms), b.category || b.type, b.message || ""]))) : null);
}

async function issueView(api, id, reload) {
  const [issue, events] = await Promise.all([api.get(`/apm/issues/${encodeURIComponent(id)}`), api.get(`/apm/issues/${encodeURIComponent(id)}/events`, { limit: 10 })]);
  const setStatus = (status) => actionButton(status === "unresolved" ? "Reopen" : status[0].toUpperCase() + status.slice(1), async () => {
    await api.send("PUT", `/apm/issues/${encodeURIComponent(id)}`, { status });
    await reload();
    return status;
  });
  const list = events.events || [];
  return h("div", { "data-testid": "issue-detail" },
    h("h3", {}, issue.title),
    kv([["Status", badge(issue.status)], ["Culprit", issue.culprit], ["Events", num(issue.count)], ["Users", num(issue.user_count)],
      ["First seen", time(issue.first_seen_ms)], ["Last seen", `${time(issue.last_seen_ms)} (${ago(issue.last_seen_ms)})`],
      ["Releases", (issue.releases || []).join(", ") || "–"], ["Environments", (issue.environments || []).join(", ") || "–"],
      ["Resolution", issue.resolution ? JSON.stringify(issue.resolution) : "–"],
      ["Regressed", issue.regressed_ms ? `${time(issue.regressed_ms)} (${issue.times_regressed} times)` : "never"],
      ["Grouped by", issue.grouped_by]]),
    api.can("operator") ? h("p", { class: "actions" }, ["resolved", "ignored", "unresolved"].filter((s) => s !== issue.status).map(setStatus)) : null,
    h("h3", {}, "Tags"),
    table(["Tag", "Values"], Object.entries(issue.tags || {}).map(([k, vals]) => [k, Object.entries(vals).map(([v, n]) => `${v} (${n})`).join(", ")])),
    h("h3", {}, "Latest event"),
    list.length ? eventView(list[0]) : h("p", { class: "empty" }, "No events kept."),
    list.length > 1 ? h("details", {}, h("summary", {}, `${list.length - 1} earlier events`), list.slice(1).map(eventView)) : null);
}

export default {
  id: "errors",
  title: "Errors",
  role: "viewer",
  mount({ api }) {
    const params = hashParams();
    const issueId = params.get("issue");
    let filters = { project: params.get("project") || localStorage.getItem(PROJECT_KEY) || "1", status: params.get("status") || "unresolved", query: "", release: "", sort: "last_seen" };
    let cursor = null;
    const list = dataArea(async () => {
      localStorage.setItem(PROJECT_KEY, filters.project);
      const answer = await api.get("/apm/issues", { ...filters, limit: 50, cursor });
      return h("div", { "data-testid": "issues" },
        table(["Issue", "Level", "Status", "Events", "Users", "Last seen", "Releases"], (answer.issues || []).map((i) => [
          h("div", {}, link(i.title, routeHref("errors", { issue: i.id, project: i.project })), h("div", { class: "muted" }, i.culprit)),
          badge(i.level), badge(i.status), num(i.count), num(i.user_count), ago(i.last_seen_ms), (i.releases || []).join(", ")]), { empty: "No issues." }),
        answer.next_cursor ? h("button", { type: "button", on: { click: () => { cursor = answer.next_cursor; list.reload(); } } }, "More issues") : null);
    }, { label: "Issues" });
    const filterForm = form([
      field("Project", input("project", { value: filters.project, size: 4 })),
      field("Status", select("status", [["", "any"], "unresolved", "resolved", "ignored"], filters.status)),
      field("Release", input("release", { size: 14 })),
      field("Search", input("query", { size: 18 })),
      field("Sort", select("sort", [["last_seen", "last seen"], ["first_seen", "first seen"], ["count", "events"], ["users", "users"]])),
    ], "Show", async (v) => { filters = v; cursor = null; await list.reload(); });
    const detail = issueId ? dataArea(() => issueView(api, issueId, () => detail.reload())) : null;
    const el = h("div", {}, detail ? section("Issue", detail.el) : null, section("Issues", filterForm, list.el));
    return { el, refresh: () => Promise.all([list.reload(), detail ? detail.reload() : null]) };
  },
};
