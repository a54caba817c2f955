// Building blocks shared by the pages: sections, error boxes, forms, and a data area that
// reloads itself without touching the page's forms.
import { h, replace } from "./dom.js";

export { field } from "./dom.js";

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

export function errorBox(err) {
  const unreachable = err && err.status === 0;
  const denied = err && (err.status === 401 || err.status === 403);
  const cls = unreachable ? "error unreachable" : denied ? "error denied" : "error";
  const lead = unreachable ? "Unreachable: " : denied ? "Not allowed: " : `Error${err && err.status ? ` ${err.status}` : ""}: `;
  return h("div", { class: cls, role: "alert" }, lead, String((err && err.message) || err));
}

/**
 * An area filled by an async loader; reload() fetches again and swaps the content in one step
 * (no flicker, and a failed reload shows the error in place of the data).
 */
export function dataArea(loader, { label = "" } = {}) {
  const el = h("div", { class: "data", "aria-live": "polite", "aria-label": label || undefined });
  el.append(h("p", { class: "loading" }, "Loading…"));
  let seq = 0;
  async function reload() {
    const mine = ++seq;
    let content;
    try {
      content = await loader();
    } catch (err) {
      content = errorBox(err);
      if (!(err && err.status !== undefined)) console.warn(err);
    }
    if (mine === seq) replace(el, content);
  }
  return { el, reload };
}

/** A form whose submit runs fn(values); values are the named inputs' trimmed strings. */
export function form(fields, submitLabel, fn, { cls = "inline" } = {}) {
  const f = h("form", { class: `form ${cls}` }, ...fields, h("button", { type: "submit" }, submitLabel));
  const status = h("span", { class: "form-status", role: "status" });
  f.append(status);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    for (const el of f.elements) {
      if (!el.name) continue;
      values[el.name] = el.type === "checkbox" ? el.checked : String(el.value).trim();
    }
    replace(status);
    try {
      const message = await fn(values);
      if (message) replace(status, h("span", { class: "good" }, message));
    } catch (err) {
      replace(status, errorBox(err));
    }
  });
  return f;
}

export function input(name, { value = "", placeholder = "", type = "text", size, label } = {}) {
  const el = h("input", { name, type, placeholder, size: size ? String(size) : undefined, "aria-label": label || placeholder || name });
  el.value = value ?? "";
  return el;
}

export function select(name, options, value = "", label = name) {
  const el = h("select", { name, "aria-label": label });
  for (const opt of options) {
    const [v, text] = Array.isArray(opt) ? opt : [opt, opt];
    const o = h("option", { value: v }, text);
    if (String(v) === String(value)) o.selected = true;
    el.append(o);
  }
  return el;
}

/** A button that runs an async action and shows its outcome beside it. */
export function actionButton(label, fn, { confirmText, cls = "" } = {}) {
  const status = h("span", { class: "form-status", role: "status" });
  const button = h("button", { type: "button", class: cls }, label);
  let armed = 0;
  button.addEventListener("click", async () => {
    // A destructive action asks twice, in the page (no browser dialog): the second click within 5 s.
    if (confirmText && Date.now() - armed > 5000) {
      armed = Date.now();
      button.textContent = confirmText;
      setTimeout(() => { if (Date.now() - armed >= 5000) button.textContent = label; }, 5100);
      return;
    }
    armed = 0;
    button.textContent = label;
    button.disabled = true;
    replace(status);
    try {
      const message = await fn();
      if (message) replace(status, h("span", { class: "good" }, message));
    } catch (err) {
      replace(status, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return h("span", { class: "action" }, button, status);
}

export function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "–")]));
}

/** "k=v, k2=v2" from a form field as the search APIs' attribute filters: {"attr.k": "v", ...}. */
export function attrQuery(text) {
  const q = {};
  for (const pair of String(text || "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [k, ...rest] = pair.split("=");
    if (k && rest.length) q[`attr.${k.trim()}`] = rest.join("=").trim();
  }
  return q;
}

/** Query-string values of the current hash route (#/logs?q=...). */
export function hashParams() {
  const q = location.hash.split("?")[1] || "";
  return new URLSearchParams(q);
}

export function routeHref(page, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ""}`;
}
