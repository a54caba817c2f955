// The dashboard reports its own Web Vitals and errors to the stack with the webVitalsMonitor
// module, as the platform's React app does. Until that module lands this is a no-op.
export function startSelfMonitoring(_config) {}
