// A page of the pretend platform for the local demo (./dev up): the demo traffic opens it in
// headless Chromium, so Web Vitals (and now and then a browser error) reach the stack through the
// webVitalsMonitor module. Not part of a production build.
import { loadConfig } from "./lib/api.js";
import { h, replace } from "./lib/dom.js";
import { startSelfMonitoring, webVitalsMonitor } from "./selfmonitor.js";

async function boot() {
  const config = await loadConfig();
  const route = () => {
    const id = location.hash.replace(/^#\/?/, "").split("/");
    return id[0] ? `/${id[0]}/:id` : "/";
  };
  startSelfMonitoring({ ...config, selfMonitoring: true, release: "web@demo" }, { routeResolver: route });
  webVitalsMonitor.setUserId(`demo-${Math.floor(Math.random() * 30)}`);
  const root = document.getElementById("demo");
  const text = h("p", { id: "text" }, "The largest text on this page is this paragraph, long enough to be its LCP element in a headless window.");
  const slow = h("button", { type: "button", id: "slow" }, "Slow button");
  slow.addEventListener("click", () => {
    const end = performance.now() + 150 + Math.random() * 300;
    while (performance.now() < end) { /* a long task: INP */ }
    text.append(" (clicked)");
    if (Math.random() < 0.15) setTimeout(() => { throw new Error(`pitch ${location.hash} failed to render`); }, 0);
  });
  replace(root, h("h1", {}, "Pitch deck"), text, slow);
  setTimeout(() => root.prepend(h("div", { style: { height: `${80 + Math.floor(Math.random() * 120)}px` } })), 300);
}

boot();
