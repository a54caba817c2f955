"""pitchey-alerts: rules, Alertmanager-grade routing, grouping, silences, inhibition,
acknowledgement, and delivery through a durable outbox."""

from __future__ import annotations

import alert_api
import am_api
import apm_alerts
import report_delivery
import rules_job
import sources_job
from alert_center import AlertCenter
from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint
from notify_outbox import Outbox

__all__ = ["AlertCenter", "Default", "Outbox"]

app = WorkerApp(
    "alerts",
    [
        BindingSpec("KV", "kv"),
        BindingSpec("ALERT_CENTER", "durable_object", "health"),
        BindingSpec("OUTBOX", "durable_object", "health"),
        BindingSpec("LOGS", "service", "logs"),
        BindingSpec("MONITORING", "service", "monitoring"),
        BindingSpec("SECURITY", "service", "security"),
    ],
    include=(alert_api.routes, am_api.routes, rules_job.routes, sources_job.routes),
)


class Default(AppEntrypoint):
    app = app

    async def apm_alerts(self, payload):
        """RPC for pitchey-apm: an encoded list of Alert (regressed issues) for the AlertCenter."""
        return await apm_alerts.receive(self.env, payload)

    async def alert_activity(self, from_ms, to_ms):
        """RPC for reports: the alerts fired and notifications per receiver in a period (JSON text)."""
        return await report_delivery.period_activity(self.env, int(from_ms), int(to_ms))

    async def send_report(self, payload):
        """RPC for reports: an encoded SendReport, enqueued in the Outbox once per key and receiver."""
        return await report_delivery.send_report(self.env, payload)
