// The dashboard reports its own Web Vitals and errors to the stack with the webVitalsMonitor
// module, as the platform's React app does: vitals filed under /dashboard/<page>, errors to the
// Sentry DSN of config.json (`sentryDsn`, when set).
import { webVitalsMonitor } from "../../packages/web-vitals-monitor/src/index.js";

export function dashboardRoute(location) {
  const page = String(location.hash || "").replace(/^#\/?/, "").split(/[/?]/)[0] || "overview";
  return `/dashboard/${page}`;
}

export function startSelfMonitoring(config, options = {}) {
  if (!config.selfMonitoring) return;
  const base = config.api || location.origin;
  try {
    webVitalsMonitor.initializeMonitoring({
      endpoint: `${base}/monitoring/vitals`,
      routeResolver: options.routeResolver || dashboardRoute,
      release: config.release || "dashboard",
      ...(config.sentryDsn ? { errors: { dsn: config.sentryDsn, environment: config.environment || "production" } } : {}),
    });
  } catch (err) {
    console.warn(`self-monitoring is off: ${err.message}`);
  }
}

export { webVitalsMonitor };
