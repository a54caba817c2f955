"""pitchey-logs: structured log ingest (native, OTLP/HTTP JSON, Loki push), search, tail, archival."""

from __future__ import annotations

import alert_counts
import log_buffer_api
import log_faults
import log_ingest
import log_reads
import retention_job
from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint
from log_buffer import LogBuffer

__all__ = ["Default", "LogBuffer"]

app = WorkerApp(
    "logs",
    [BindingSpec("KV", "kv"), BindingSpec("R2_BUCKET", "r2"), BindingSpec("LOG_BUFFER", "durable_object", "health")],
    include=(log_ingest.routes, log_reads.routes, log_buffer_api.routes, retention_job.routes),
)


class Default(AppEntrypoint):
    app = app

    async def minute_counts(self, from_ms: int, to_ms: int) -> str:
        """Per service, minute and level: the counts the alerts Worker's rules read."""
        return await alert_counts.minute_counts(self.env, int(from_ms), int(to_ms))

    async def stack_faults(self, now_ms: int) -> str:
        """The log pipeline's faults for alerting: an encoded list of edgewatch.faults.StackFault."""
        return await log_faults.stack_faults(self.env, int(now_ms))

    async def retention_state(self) -> str:
        """The log retention and its last run's report, for reports (JSON text)."""
        return await retention_job.retention_state(self.env)
