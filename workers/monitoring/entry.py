"""pitchey-monitoring: owns the five cron triggers and fans each out to the jobs registered for it."""

from __future__ import annotations

import alert_feeds
import alert_series
import checks_api
import metrics_api
import report_api
import stack_api
import vitals_api
from check_runner import CheckRunner
from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.cron import fan_out
from edgewatch_cf.entrypoint import AppEntrypoint
from metrics_store import MetricsStore
from vitals_store import VitalsStore

__all__ = ["CheckRunner", "Default", "MetricsStore", "VitalsStore"]

PEERS = ("logs", "apm", "infra", "alerts", "security")
app = WorkerApp(
    "monitoring",
    [
        BindingSpec("KV", "kv"),
        BindingSpec("R2_BUCKET", "r2"),
        BindingSpec("METRICS_STORE", "durable_object", "health"),
        BindingSpec("VITALS_STORE", "durable_object", "health"),
        BindingSpec("CHECK_RUNNER", "durable_object", "health"),
    ]
    + [BindingSpec(peer.upper(), "service", peer) for peer in PEERS],
    include=(checks_api.routes, metrics_api.routes, vitals_api.routes, stack_api.routes, report_api.routes),
)


class Default(AppEntrypoint):
    app = app

    async def metric_aggregates(self, query: str) -> str:
        """One alert rule query's values per label set (an encoded MetricQuery in)."""
        return await alert_series.metric_aggregates(self.env, str(query))

    async def metric_points(self, points: str) -> int:
        """RPC for pitchey-apm: an encoded list of edgewatch.metrics.Point (the per-endpoint series)."""
        return await metrics_api.store_encoded_points(self.env, str(points))

    async def uptime_feed(self, since_seq: int, limit: int, now_ms: int) -> str:
        """Alerting's uptime feed: an encoded edgewatch.uptime.AlertFeed."""
        return await alert_feeds.uptime_feed(self.env, int(since_seq), int(limit), int(now_ms))

    async def stack_faults(self) -> str:
        """The cron jobs failing in a row: an encoded list of edgewatch.faults.StackFault."""
        return await alert_feeds.stack_faults(self.env)

    async def scheduled(self, controller, env=None, ctx=None):
        cron, scheduled_ms = str(controller.cron), int(controller.scheduledTime)
        await self.run_cron(cron, scheduled_ms, lambda: fan_out(app, self.env, cron, scheduled_ms))
