// The 90 daily uptime bars of the Uptime page and the public status page.
import { h } from "./dom.js";
import { pct } from "./format.js";

export function dailyBars(bars) {
  return h("div", { class: "bars", role: "img", "aria-label": "uptime per day, last 90 days" }, (bars || []).map((b) => {
    const cls = b.ratio === null ? "" : b.ratio >= 0.999 ? "good" : b.ratio >= 0.95 ? "warn" : "bad";
    const down = b.down ? `, ${b.down} down` : "";
    return h("span", { class: cls, title: `${b.date}: ${b.ratio === null ? "no data" : pct(b.ratio, 2)}${down}` });
  }));
}
