// webVitalsMonitor: Core Web Vitals (the web-vitals attribution build) and frontend errors,
// reported to the Pitchey observability stack. See the repository README, section
// "Frontend module: webVitalsMonitor".

import { ErrorReporter, envelopeUrl } from "./errors.js";
import { documentTraceparent, resolveDevice, resolveRoute } from "./page.js";
import { sameOrigin } from "./stackframes.js";
import { Batch, beaconItem, observeVitals } from "./vitals.js";

export { envelopeUrl } from "./errors.js";
export { parseStack } from "./stackframes.js";

let state = null;

function check(options) {
  if (!options || typeof options !== "object") throw new TypeError("initializeMonitoring needs an options object");
  const { endpoint, sampleRate = 1, routeResolver, flushAfterMs = 5000, maxBatch = 10, errors } = options;
  if (endpoint !== undefined && (typeof endpoint !== "string" || !endpoint)) {
    throw new TypeError("endpoint must be the vitals beacon URL, e.g. https://host/monitoring/vitals");
  }
  if (typeof sampleRate !== "number" || !(sampleRate >= 0 && sampleRate <= 1)) {
    throw new TypeError(`sampleRate must be a number from 0 to 1, not ${String(sampleRate)}`);
  }
  if (routeResolver !== undefined && typeof routeResolver !== "function") {
    throw new TypeError("routeResolver must be a function(location) returning the route");
  }
  if (!Number.isFinite(flushAfterMs) || flushAfterMs < 0) throw new TypeError("flushAfterMs must be >= 0");
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new TypeError("maxBatch must be an integer >= 1");
  if (errors !== undefined && (!errors || typeof errors.dsn !== "string")) {
    throw new TypeError("errors must be an object with a dsn (http://KEY@host/apm/1)");
  }
  if (errors !== undefined) envelopeUrl(errors.dsn); // a malformed DSN is a TypeError naming it
  if (endpoint === undefined && errors === undefined) {
    throw new TypeError("give an endpoint (Web Vitals), errors.dsn (errors), or both");
  }
}

function context(options, metric) {
  const loc = metric && metric.navigationURL ? safeUrl(metric.navigationURL) : globalThis.location;
  return {
    route: resolveRoute(options.routeResolver, loc || globalThis.location),
    device: resolveDevice(options.device),
    userId: state.userId,
    traceparent: state.traceparent,
    url: globalThis.location.href,
    userAgent: (globalThis.navigator && globalThis.navigator.userAgent) || "",
  };
}

function safeUrl(text) {
  try {
    return new URL(text, globalThis.location.href);
  } catch (_) {
    return null;
  }
}

function hidden() {
  return typeof document !== "undefined" && document.visibilityState === "hidden";
}

function startVitals(options) {
  const batch = new Batch(options.endpoint, options);
  observeVitals((metric) => {
    try {
      batch.add(beaconItem(metric, context(options, metric)), hidden());
    } catch (_) {
      // monitoring must never break the page
    }
  });
  // On the document, not the window: web-vitals reports on a capturing window listener, which
  // runs first, so its final CLS/INP/LCP are queued when this one flushes.
  document.addEventListener("visibilitychange", () => hidden() && batch.flush());
  addEventListener("pagehide", () => batch.flush());
  return batch;
}

function startErrors(options) {
  const errors = options.errors;
  const inApp = sameOrigin([globalThis.location.origin, ...(errors.inAppOrigins || [])]);
  const reporter = new ErrorReporter(
    { release: options.release, ...errors },
    () => context(options, null),
    inApp,
  );
  addEventListener("error", (event) => {
    if (!event.error && (!event.message || event.message === "Script error.")) return; // cross-origin: nothing to learn
    safely(() => reporter.capture(event.error ?? event.message, { type: "onerror", handled: false }));
  });
  addEventListener("unhandledrejection", (event) => {
    safely(() => reporter.capture(event.reason, { type: "onunhandledrejection", handled: false }));
  });
  return reporter;
}

function safely(fn) {
  try {
    return fn();
  } catch (_) {
    return undefined;
  }
}

/** Starts monitoring once per page load; a second call, or a call outside a browser (server-side
 * rendering), changes nothing and returns false. Bad options are a TypeError naming the option. */
export function initializeMonitoring(options) {
  check(options);
  if (state !== null || typeof window === "undefined" || typeof document === "undefined") return false;
  const sampled = Math.random() < (options.sampleRate ?? 1); // once per page load
  state = { options, userId: options.userId ?? null, traceparent: documentTraceparent(), sampled };
  state.vitals = options.endpoint !== undefined && sampled ? startVitals(options) : null;
  state.errors = options.errors !== undefined ? startErrors(options) : null;
  return true;
}

/** The user id sent with every later metric and error (null clears it). */
export function setUserId(id) {
  if (state !== null) state.userId = id == null ? null : String(id);
}

/** For a React error boundary's componentDidCatch(error, info): the event id, or undefined. */
export function captureError(error, info) {
  if (state === null || state.errors === null) return undefined;
  const stack = info && typeof info.componentStack === "string" ? info.componentStack : undefined;
  return safely(() => state.errors.capture(error, { type: "react.errorboundary", handled: true }, stack));
}

/** Sends the queued metrics now (a SPA before it tears down, or a test). */
export function flush() {
  if (state !== null && state.vitals !== null) state.vitals.flush();
}

/** What the monitor has done on this page: sampled, beacons sent and how, errors sent and dropped. */
export function status() {
  if (state === null) return { initialized: false };
  return {
    initialized: true,
    sampled: state.sampled,
    beacons: state.vitals ? [...state.vitals.sent] : [],
    errorsSent: state.errors ? state.errors.sent : 0,
    errorsDropped: state.errors ? { ...state.errors.dropped } : { duplicate: 0, cap: 0 },
  };
}

export const webVitalsMonitor = { initializeMonitoring, setUserId, captureError, flush, status };
export default webVitalsMonitor;
