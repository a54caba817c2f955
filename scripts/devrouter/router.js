// Local stand-in for Cloudflare zone routes and cron delivery. Never deployed.
//
// In production each Worker is reached through its own route (e.g. example.com/logs/*) and
// Cloudflare delivers the cron triggers to pitchey-monitoring. A local wrangler session gives an
// HTTP port only to its first Worker, so this router is that first Worker: it forwards
// /<prefix>/... to the service binding named in ROUTES and hands every cron to MONITORING.
// ROUTES (a JSON var) maps the first path segment to a binding, e.g. {"logs": "LOGS"}; the
// standard ingest paths of existing shippers (/v1/logs, /v1/traces, /v1/metrics, /loki, /metrics)
// go to the Worker that serves them, and /audit to pitchey-infra (the audit log).
const STANDARD_PATHS = [
  ["/v1/logs", "logs"],
  ["/v1/traces", "apm"],
  ["/v1/metrics", "monitoring"],
  ["/loki/", "logs"],
  ["/metrics", "monitoring"],
  ["/audit", "infra"],
];

function json(body, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

export default {
  async fetch(request, env) {
    const routes = JSON.parse(env.ROUTES);
    const url = new URL(request.url);
    let prefix = url.pathname.split("/")[1] || "";
    if (!routes[prefix]) {
      const standard = STANDARD_PATHS.find(([path]) => url.pathname.startsWith(path));
      prefix = standard ? standard[1] : "";
    }
    if (routes[prefix]) {
      return env[routes[prefix]].fetch(request);
    }
    if (url.pathname === "/") {
      return json({
        router: "local development router (stands in for zone routes)",
        workers: Object.fromEntries(Object.keys(routes).map((p) => [p, `${url.origin}/${p}/health`])),
        cron: `${url.origin}/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*`,
      });
    }
    return json({ error: { code: "not_found", message: `no Worker is routed at ${url.pathname}` } }, 404);
  },

  async scheduled(controller, env) {
    const result = await env.MONITORING.scheduled({
      cron: controller.cron,
      scheduledTime: new Date(controller.scheduledTime),
    });
    if (result.outcome !== "ok") {
      throw new Error(`pitchey-monitoring scheduled handler failed: ${result.outcome}`);
    }
  },
};
