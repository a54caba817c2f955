// Alerts: firing and pending alerts, groups (acknowledge), silences (create from an alert,
// expire), rules with their state, and the notification history.
import { badge, h, replace, table } from "../lib/dom.js";
import { ago, ms, time } from "../lib/format.js";
import { actionButton, dataArea, field, form, input, section } from "../lib/ui.js";

function labels(obj) {
  return h("span", { class: "mono" }, Object.entries(obj || {}).map(([k, v]) => `${k}=${v}`).join(", "));
}

/** The silence form, pre-filled from an alert's labels when one is chosen. */
function silenceForm(api, reload, from) {
  const matchers = from ? Object.entries(from).filter(([k]) => ["alertname", "service", "check_id", "severity"].includes(k)).map(([k, v]) => `${k}=${v}`).join(", ") : "";
  return form([
    field("Matchers (name=value, comma)", input("matchers", { value: matchers, size: 40, placeholder: "alertname=HighErrorRate, service=api" })),
    field("Duration", input("duration", { value: "2h", size: 5 })),
    field("Comment", input("comment", { size: 24, placeholder: "deploying a fix" })),
  ], "Create silence", async (v) => {
    const list = v.matchers.split(",").map((s) => s.trim()).filter(Boolean).map((pair) => {
      const [name, ...rest] = pair.split("=");
      return { name: name.trim(), value: rest.join("=").trim(), isRegex: false, isEqual: true };
    });
    const units = { m: 60e3, h: 3600e3, d: 86400e3 };
    const m = /^(\d+)([mhd])$/.exec(v.duration);
    if (!m) throw new Error("duration like 30m, 2h or 1d");
    const now = Date.now();
    const who = api.principal ? api.principal.name : "dashboard";
    const answer = await api.send("POST", "/alerts/api/v2/silences", {
      matchers: list, startsAt: new Date(now).toISOString(), endsAt: new Date(now + Number(m[1]) * units[m[2]]).toISOString(),
      createdBy: who, comment: v.comment || `silenced from the dashboard by ${who}`,
    });
    await reload();
    return `silence ${answer && answer.silenceID ? answer.silenceID : ""} created`;
  });
}

export default {
  id: "alerts",
  title: "Alerts",
  role: "viewer",
  mount({ api }) {
    const silenceBox = h("div");
    let reloadAll = async () => {};
    const showSilence = (alertLabels) => {
      replace(silenceBox, silenceForm(api, () => reloadAll(), alertLabels));
      const first = silenceBox.querySelector("input");
      if (first) first.focus();
    };
    const alerts = dataArea(async () => {
      const data = await api.get("/alerts");
      return table(["Alert", "Labels", "State", "Since", "Value", "Summary", "Muted by", ""], (data.alerts || []).map((a) => [
        a.labels.alertname || a.fingerprint, labels(a.labels), badge(a.state), ago(a.since), a.value ?? "–",
        (a.annotations && (a.annotations.summary || a.annotations.description)) || "",
        [...(a.silenced_by || []).map((s) => `silence ${s}`), ...(a.inhibited_by || []).map((s) => `inhibited by ${s}`)].join(", ") || "–",
        api.can("operator") ? h("button", { type: "button", on: { click: () => showSilence(a.labels) } }, "Silence…") : "",
      ]), { empty: "No active alerts." });
    }, { label: "Alerts" });
    const groups = dataArea(async () => {
      const data = await api.get("/alerts/groups");
      return table(["Group", "Receiver", "Alerts", "Next flush", "Acknowledged", ""], (data.groups || []).map((g) => [
        labels(g.labels), g.receiver, String((g.alerts || []).length), time(g.next_flush),
        g.acknowledged ? `by ${g.acknowledged.by} ${ago(g.acknowledged.at_ms)}` : "–",
        api.can("operator") && !g.acknowledged ? actionButton("Acknowledge", async () => {
          await api.send("POST", `/alerts/groups/${encodeURIComponent(g.id)}/ack`, { by: api.principal.name, comment: "acknowledged from the dashboard" });
          await reloadAll();
          return "acknowledged";
        }) : "",
      ]), { empty: "No groups." });
    });
    const silences = dataArea(async () => {
      const data = await api.get("/alerts/silences");
      return table(["Matchers", "State", "Starts", "Ends", "By", "Comment", ""], (data.silences || []).map((s) => [
        h("span", { class: "mono" }, (s.matchers || []).map((m) => `${m.name}${m.isEqual === false ? "!" : ""}${m.isRegex ? "=~" : "="}${m.value}`).join(", ")),
        badge(s.status ? s.status.state : ""), time(s.startsAt), time(s.endsAt), s.createdBy, s.comment,
        api.can("operator") && s.status && s.status.state !== "expired" ? actionButton("Expire", async () => {
          await api.send("DELETE", `/alerts/api/v2/silence/${encodeURIComponent(s.id)}`);
          await reloadAll();
          return "expired";
        }) : "",
      ]), { empty: "No silences." });
    });
    const rules = dataArea(async () => {
      const data = await api.get("/alerts/rules");
      return table(["Rule", "Severity", "For", "State", "Last evaluation", "Series", "Error"], (data.rules || []).map((r) => [
        r.name, badge(r.severity), ms(r.for_ms), badge(r.state), time(r.last_evaluation),
        (r.series || []).map((s) => h("div", {}, labels(s.labels), " ", badge(s.state), ` ${s.value ?? ""}`)), r.error || ""]), { empty: "No rules." });
    });
    const history = dataArea(async () => {
      const data = await api.get("/alerts/notifications", { limit: 50 });
      return h("div", {},
        table(["Time", "Receiver", "Group", "Reason", "Attempt", "Status", "Latency", "Outcome", "Error"], (data.attempts || []).map((a) => [
          time(a.at_ms), a.receiver, h("span", { class: "mono" }, a.group_key), a.reason, String(a.attempt), a.status ?? "–", ms(a.latency_ms),
          badge(a.outcome, a.outcome === "delivered" ? "ok" : a.outcome === "dead" ? "error" : "pending"), a.error || ""]), { empty: "No deliveries yet.", caption: "Delivery attempts" }),
        table(["Created", "Receiver", "Group", "Attempts", "Last error"], (data.dead_letter || []).map((d) => [
          time(d.created_ms), d.receiver, h("span", { class: "mono" }, d.group_key), String(d.attempts), d.last_error || ""]), { empty: "No dead letters.", caption: "Dead letters" }));
    });
    const areas = [alerts, groups, silences, rules, history];
    reloadAll = () => Promise.all(areas.map((a) => a.reload()));
    const el = h("div", {},
      section("Active alerts", alerts.el),
      api.can("operator") ? section("New silence", silenceBox) : null,
      section("Groups", groups.el),
      section("Silences", silences.el),
      section("Rules", rules.el),
      section("Notifications", history.el));
    if (api.can("operator")) replace(silenceBox, silenceForm(api, () => reloadAll(), null));
    return { el, refresh: reloadAll };
  },
};
