"""The stack's own state, served by pitchey-monitoring: the last run of every cron schedule and
the configuration in force."""

from __future__ import annotations

import json

from edgewatch.access import Role
from edgewatch.schedule import JOBS, SCHEDULES, cron_slug
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.settings import stack_config

routes = Routes()


@routes.route("GET", "/monitoring/cron", access=Role.VIEWER)
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


@routes.route("GET", "/monitoring/config", access=Role.VIEWER)
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
