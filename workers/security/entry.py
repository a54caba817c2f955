"""pitchey-security: rate limiting with counters in Durable Objects, threat and anomaly detection.

Callers on the platform's hot path use the RPC methods over a service binding (no token, no
HTTP parsing); other callers use POST /security/check and /security/report."""

from __future__ import annotations

import alert_feed
import blocklist_api
import check_api
import events_api
import limiter_shard
import local_triggers
import security_settings
from block_ledger import BlockLedger
from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint
from rate_limiter import RateLimiter

__all__ = ["BlockLedger", "Default", "RateLimiter"]

app = WorkerApp(
    "security",
    [
        BindingSpec("KV", "kv"),
        BindingSpec("RATE_LIMITER", "durable_object", "health"),
        BindingSpec("BLOCK_LEDGER", "durable_object", "health"),
    ],
    include=(
        check_api.routes,
        events_api.routes,
        blocklist_api.routes,
        local_triggers.routes,
        limiter_shard.routes,
        security_settings.routes,
    ),
)


class Default(AppEntrypoint):
    app = app

    async def check(self, payload):
        """RPC: the check body as a JSON string; answers the result as a JSON string."""
        return await check_api.check_rpc(self.env, payload)

    async def report(self, payload):
        """RPC: the report body (the check body and the answer's ``status``) as a JSON string."""
        return await check_api.report_rpc(self.env, payload)

    async def alert_feed(self, since_ms, now_ms):
        """RPC for alerting: an encoded SecurityFeed (anomalies since ``since_ms``, automatic blocks)."""
        return await alert_feed.alert_feed(self.env, int(since_ms), int(now_ms))

    async def report_summary(self, from_ms, to_ms):
        """RPC for reports: the security events of a period counted (GET /security/summary's JSON)."""
        return await events_api.report_summary(self.env, int(from_ms), int(to_ms))
