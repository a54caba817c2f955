"""pitchey-alerts: alert rules, severities, delivery and throttling."""

from __future__ import annotations

from workers import WorkerEntrypoint

from edgewatch_cf.app import BindingSpec, WorkerApp

app = WorkerApp("alerts", [BindingSpec("KV", "kv")])


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
