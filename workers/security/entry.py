"""pitchey-security: rate limiting with counters in a Durable Object, threat and anomaly detection."""

from __future__ import annotations

from workers import DurableObject, WorkerEntrypoint

from edgewatch_cf.app import BindingSpec, WorkerApp

app = WorkerApp("security", [BindingSpec("KV", "kv"), BindingSpec("RATE_LIMITER", "durable_object", "health")])


class RateLimiter(DurableObject):
    """Holds rate-limit counters for one identifier shard in its transactional storage."""

    async def probe(self, token):
        """Health round trip: write a value to this object's storage and read it back."""
        await self.ctx.storage.put("probe", str(token))
        return await self.ctx.storage.get("probe")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
