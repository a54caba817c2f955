"""pitchey-monitoring: owns the five cron triggers and fans each out to the jobs registered for it."""

from __future__ import annotations

import json

from workers import WorkerEntrypoint

from edgewatch.schedule import JOBS, SCHEDULES, cron_slug
from edgewatch_cf.app import BindingSpec, Incoming, Reply, WorkerApp
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.cron import fan_out
from edgewatch_cf.settings import stack_config

PEERS = ("logs", "apm", "infra", "alerts", "security")
app = WorkerApp(
    "monitoring",
    [BindingSpec("KV", "kv"), BindingSpec("R2_BUCKET", "r2")]
    + [BindingSpec(peer.upper(), "service", peer) for peer in PEERS],
)


@app.route("GET", "/monitoring/cron")
async def cron_status(req: Incoming) -> Reply:
    kv = KVPort(req.env.KV)
    schedules = []
    for cron in SCHEDULES:
        last = await kv.get(f"cron:last:{cron_slug(cron)}")
        schedules.append(
            {
                "cron": cron,
                "jobs": [job.qualified for job in JOBS[cron]],
                "last_run": None if last is None else json.loads(last),
            }
        )
    return Reply({"schedules": schedules})


@app.route("GET", "/monitoring/config")
async def effective_config(req: Incoming) -> Reply:
    """The configuration in force. Secrets appear only as references such as env:SLACK_WEBHOOK_URL."""
    config = stack_config(req.env)
    return Reply(
        {
            "monitoring": config.monitoring.model_dump(mode="json", by_alias=True),
            "security_rules": [rule.model_dump(mode="json", by_alias=True) for rule in config.security_rules],
            "web_vitals": {name: t.model_dump(mode="json") for name, t in config.web_vitals.items()},
        }
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def scheduled(self, controller, env=None, ctx=None):
        await fan_out(app, self.env, str(controller.cron), int(controller.scheduledTime))

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
