"""pitchey-security: rate limiting with counters in a Durable Object, threat and anomaly detection."""

from __future__ import annotations

from workers import DurableObject, WorkerEntrypoint

from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.bindings import storage_round_trip

app = WorkerApp("security", [BindingSpec("KV", "kv"), BindingSpec("RATE_LIMITER", "durable_object", "health")])


class RateLimiter(DurableObject):
    """Holds rate-limit counters for one identifier shard in its transactional storage."""

    async def probe(self, token):
        return await storage_round_trip(self.ctx, token)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
