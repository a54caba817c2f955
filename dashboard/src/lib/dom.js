// The only way the dashboard builds DOM. Every string the stack returns came from outside (log
// lines, alert titles, exception messages, span names, check names), so strings only ever become
// text nodes or attribute values set with setAttribute; there is no HTML parsing anywhere. Links
// are made only for http(s) URLs and for the dashboard's own hash routes.

const ATTRIBUTES = new Set([
  "id", "class", "title", "type", "name", "value", "placeholder", "for", "role", "tabindex",
  "aria-label", "aria-live", "aria-current", "aria-pressed", "aria-expanded", "aria-sort",
  "min", "max", "step", "size", "rows", "colspan", "data-role", "data-testid", "data-state",
  "autocomplete", "required", "disabled", "checked", "selected", "multiple", "hidden", "scope",
  "datetime", "lang", "spellcheck", "inputmode", "pattern", "maxlength",
]);

/** An element: h("a", {href, class, on: {click}}, "text", child, [more]). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (key === "href") {
      const url = safeUrl(value);
      if (url !== null) el.setAttribute("href", url);
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key === "style") {
      for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, String(v));
    } else if (ATTRIBUTES.has(key) || key.startsWith("aria-") || key.startsWith("data-")) {
      el.setAttribute(key, value === true ? "" : String(value));
    } else {
      throw new Error(`dom.h: attribute ${key} is not allowed`);
    }
  }
  append(el, children);
  return el;
}

/** Children: strings and numbers become text nodes; null/undefined/false are skipped. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * A URL a link may carry: a dashboard route ("#/..."), or an absolute http(s) URL. Anything else
 * (javascript:, data:, vbscript:, protocol-relative, a mangled scheme) gives null.
 */
export function safeUrl(value) {
  const text = String(value ?? "").trim();
  if (text.startsWith("#/")) return text;
  if (text.startsWith("./") && !/[\u0000-\u001f]/.test(text)) return text;
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

/** A link when the URL is safe, else the text alone. External links open without the opener. */
export function link(text, url) {
  const safe = safeUrl(url);
  if (safe === null) return h("span", {}, String(text ?? ""));
  const external = !safe.startsWith("#") && !safe.startsWith("./");
  const a = h("a", { href: safe }, String(text ?? ""));
  if (external) {
    a.setAttribute("rel", "noopener noreferrer nofollow");
    a.setAttribute("target", "_blank");
  }
  return a;
}

export function table(headers, rows, { empty = "Nothing to show.", caption } = {}) {
  const t = h("table", { class: "grid" });
  if (caption) t.append(h("caption", {}, caption));
  t.append(h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))));
  const body = h("tbody");
  if (rows.length === 0) body.append(h("tr", {}, h("td", { colspan: String(headers.length), class: "empty" }, empty)));
  for (const row of rows) body.append(row instanceof Node ? row : h("tr", {}, row.map((c) => h("td", {}, c))));
  t.append(body);
  return t;
}

export function badge(text, state) {
  return h("span", { class: `badge ${stateClass(state ?? text)}` }, String(text ?? ""));
}

const STATE_CLASSES = {
  ok: "good", up: "good", operational: "good", good: "good", resolved: "good", inactive: "muted",
  degraded: "warn", pending: "warn", "needs-improvement": "warn", degraded_performance: "warn", warning: "warn",
  acknowledged: "muted", silenced: "muted", suppressed: "muted", ignored: "muted", expired: "muted",
  down: "bad", firing: "bad", poor: "bad", error: "bad", critical: "bad", major_outage: "bad",
  partial_outage: "bad", unreachable: "bad", unresolved: "bad", active: "bad", fatal: "bad",
};

export function stateClass(state) {
  return STATE_CLASSES[String(state ?? "").toLowerCase()] || "muted";
}

export function field(label, input) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h("label", { class: "field", for: id }, h("span", {}, label), input);
}
