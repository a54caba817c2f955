// What the page says about itself: its route, the device class, and the edge trace that served it.

/** mobile, tablet or desktop from the viewport and the User-Agent (as the stack reads one). */
export function detectDevice(win = globalThis) {
  const ua = ((win.navigator && win.navigator.userAgent) || "").toLowerCase();
  const mobileUa = /mobi|iphone|ipod/.test(ua);
  if (/ipad|tablet|kindle|silk\//.test(ua) || (ua.includes("android") && !mobileUa)) return "tablet";
  if (mobileUa) return "mobile";
  const width = win.screen && win.screen.width ? Math.min(win.screen.width, win.innerWidth || Infinity) : 0;
  const coarse = typeof win.matchMedia === "function" && win.matchMedia("(pointer: coarse)").matches;
  if (coarse && width > 0 && width < 768) return "mobile";
  if (coarse && width >= 768 && width <= 1366) return "tablet";
  return "desktop";
}

/** The W3C traceparent of the document's Server-Timing header, or undefined. */
export function documentTraceparent(perf = globalThis.performance) {
  try {
    const nav = perf && typeof perf.getEntriesByType === "function" && perf.getEntriesByType("navigation")[0];
    const timing = nav && (nav.serverTiming || []).find((t) => t.name === "traceparent");
    const value = timing && typeof timing.description === "string" ? timing.description.trim() : "";
    return /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/i.test(value) ? value : undefined;
  } catch (_) {
    return undefined;
  }
}

/** The route of ``location`` by the page's resolver (default: its pathname); never throws. */
export function resolveRoute(resolver, location) {
  try {
    const route = resolver ? resolver(location) : location.pathname;
    return typeof route === "string" && route ? route : location.pathname || "/";
  } catch (_) {
    return location.pathname || "/";
  }
}

/** The device option: a string, a function returning one, or the detected class. */
export function resolveDevice(option, win = globalThis) {
  try {
    const value = typeof option === "function" ? option() : option;
    if (typeof value === "string" && value) return value;
  } catch (_) {
    // fall through to detection
  }
  return detectDevice(win);
}
