"""pitchey-security: rate limiting with counters in Durable Objects, threat and anomaly detection.

Callers on the platform's hot path use the RPC methods over a service binding (no token, no
HTTP parsing); other callers use POST /security/check and /security/report."""

from __future__ import annotations

import json
import time

from workers import WorkerEntrypoint

from block_ledger import BlockLedger
from edgewatch.config import ConfigError
from edgewatch.errors import error_line
from edgewatch.security.guard import check_input_from_json
from edgewatch_cf.app import BindingSpec, WorkerApp
from rate_limiter import RateLimiter
from security_api import count_failure, register, run_check, run_report

__all__ = ["BlockLedger", "Default", "RateLimiter"]

app = WorkerApp(
    "security",
    [
        BindingSpec("KV", "kv"),
        BindingSpec("RATE_LIMITER", "durable_object", "health"),
        BindingSpec("BLOCK_LEDGER", "durable_object", "health"),
    ],
)
register(app)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def check(self, payload):
        """RPC: the check body as a JSON string; answers the result as a JSON string. A request
        that cannot be described (e.g. a path over 8 KiB) is refused with 400, not an exception."""
        try:
            request = check_input_from_json(json.loads(str(payload)))
        except ValueError as exc:
            error = error_line(exc)
            return json.dumps(
                {"allowed": False, "status": 400, "outcome": "invalid_request", "error": error, "headers": {}}
            )
        try:
            result = await run_check(self.env, request, int(time.time() * 1000))
        except ConfigError as exc:
            # Invalid settings: the platform keeps serving (health is down and names the field).
            await count_failure(self.env)
            error = error_line(exc)
            return json.dumps({"allowed": True, "status": 200, "outcome": "failed_open", "error": error, "headers": {}})
        return json.dumps(result.to_json())

    async def report(self, payload):
        return json.dumps(await run_report(self.env, json.loads(str(payload)), int(time.time() * 1000)))

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
