// The dashboard's shell: configuration, sign-in, navigation, the hash router and auto-refresh.
import "./style.css";
import { Api, loadConfig } from "./lib/api.js";
import { h, replace } from "./lib/dom.js";
import { time } from "./lib/format.js";
import { errorBox, form, input } from "./lib/ui.js";
import { PAGES } from "./pages/index.js";
import { startSelfMonitoring } from "./selfmonitor.js";

const state = { api: null, config: null, current: null, timer: null, paused: false };

const root = document.getElementById("app");

function shell() {
  const nav = h("nav", { "aria-label": "Pages" }, h("ul", {},
    PAGES.filter((p) => state.api.can(p.role)).map((p) => h("li", {}, h("a", { href: `#/${p.id}`, "data-page": p.id }, p.title))),
    h("li", {}, h("a", { href: "./status.html" }, "Status page")),
  ));
  const who = state.api.principal;
  const pause = h("button", { type: "button", id: "pause", "aria-pressed": "false" }, "Pause auto-refresh");
  pause.addEventListener("click", () => {
    state.paused = !state.paused;
    pause.setAttribute("aria-pressed", String(state.paused));
    pause.textContent = state.paused ? "Resume auto-refresh" : "Pause auto-refresh";
    if (!state.paused) refreshNow();
  });
  const refresh = h("button", { type: "button", id: "refresh" }, "Refresh");
  refresh.addEventListener("click", () => refreshNow());
  const signOut = h("button", { type: "button", id: "signout" }, "Sign out");
  signOut.addEventListener("click", () => { state.api.token = ""; location.reload(); });
  const header = h("header", { class: "top" },
    h("a", { class: "brand", href: "#/overview" }, "Pitchey observability"),
    h("span", { class: "who", id: "who", "data-role": who.role }, `${who.name} · ${who.role}`),
    h("span", { class: "updated", id: "updated", "aria-live": "polite" }, ""),
    refresh, pause, state.api.token ? signOut : null,
  );
  const main = h("main", { id: "page", tabindex: "-1" });
  const skip = h("button", { type: "button", class: "skip", on: { click: () => main.focus() } }, "Skip to content");
  replace(root, skip, header, nav, main);
  return main;
}

function stamp() {
  const el = document.getElementById("updated");
  if (el) el.textContent = `Last updated ${time(Date.now())}${state.paused ? " (paused)" : ""}`;
}

async function refreshNow() {
  if (state.current && state.current.refresh) {
    await state.current.refresh();
    stamp();
  }
}

async function route() {
  const main = document.getElementById("page") || shell();
  const [path] = location.hash.replace(/^#\/?/, "").split("?");
  const id = path.split("/")[0] || "overview";
  const page = PAGES.find((p) => p.id === id);
  for (const a of document.querySelectorAll("nav a[data-page]")) {
    if (a.dataset.page === id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (state.current && state.current.dispose) state.current.dispose();
  state.current = null;
  if (!page) {
    replace(main, h("h1", {}, "Not found"), h("p", {}, "No such page."));
    return;
  }
  if (!state.api.can(page.role)) {
    replace(main, h("h1", {}, page.title), errorBox({ status: 403, message: `this page needs the ${page.role} role` }));
    return;
  }
  document.title = `${page.title} · Pitchey observability`;
  const mounted = page.mount({ api: state.api, path, refreshSeconds: state.config.refreshSeconds });
  state.current = mounted;
  replace(main, h("h1", {}, page.title), mounted.el);
  if (mounted.refresh) await mounted.refresh();
  stamp();
}

function signIn(message) {
  const token = input("token", { type: "password", placeholder: "API token", size: 40, label: "API token" });
  token.setAttribute("autocomplete", "off");
  replace(root, h("main", { class: "signin" },
    h("h1", {}, "Pitchey observability"),
    message ? errorBox(message) : null,
    h("p", {}, "In production, Cloudflare Access signs you in: reload after signing in. For local use or automation, use an API token (kept for this tab only)."),
    form([token], "Sign in", async (values) => {
      state.api.token = values.token;
      await start();
    }, { cls: "stack" }),
  ));
  token.focus();
}

async function start() {
  let principal;
  try {
    principal = await state.api.whoami();
  } catch (err) {
    replace(root, h("main", {}, h("h1", {}, "Pitchey observability"), errorBox(err),
      h("p", {}, `The Workers at ${state.config.api || location.origin} did not answer. The dashboard retries every ${state.config.refreshSeconds}s.`)));
    setTimeout(start, state.config.refreshSeconds * 1000);
    return;
  }
  if (!principal) {
    signIn(state.api.token ? { status: 401, message: "that token was refused" } : null);
    state.api.token = "";
    return;
  }
  shell();
  await route();
}

async function boot() {
  try {
    state.config = await loadConfig();
  } catch (err) {
    replace(root, errorBox(err));
    return;
  }
  state.api = new Api(state.config.api);
  startSelfMonitoring(state.config);
  window.addEventListener("hashchange", () => { if (state.api.principal) route(); });
  state.timer = setInterval(() => {
    if (!state.paused && document.visibilityState !== "hidden") refreshNow();
  }, state.config.refreshSeconds * 1000);
  await start();
}

boot();
