// Local stand-in for Cloudflare zone routes and cron delivery. Never deployed.
//
// In production each Worker is reached through its own route (e.g. example.com/logs/*) and
// Cloudflare delivers the cron triggers to pitchey-monitoring. A local wrangler session gives an
// HTTP port only to its first Worker, so this router is that first Worker: it forwards
// /<concern>/... to the Worker's service binding and hands every cron to pitchey-monitoring.
const ROUTES = {
  monitoring: "MONITORING",
  logs: "LOGS",
  apm: "APM",
  infra: "INFRA",
  alerts: "ALERTS",
  security: "SECURITY",
};

function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const first = url.pathname.split("/")[1] || "";
    // Standard ingest paths used by existing shippers, routed to their owners.
    const aliases = { v1: url.pathname.startsWith("/v1/logs") ? "logs" : url.pathname.startsWith("/v1/traces") ? "apm" : "monitoring", loki: "logs", metrics: "monitoring" };
    const concern = ROUTES[first] ? first : aliases[first];
    if (concern) {
      return env[ROUTES[concern]].fetch(request);
    }
    if (url.pathname === "/") {
      return json({
        router: "local development router (stands in for zone routes)",
        workers: Object.fromEntries(Object.keys(ROUTES).map((c) => [`pitchey-${c}`, `${url.origin}/${c}/health`])),
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
