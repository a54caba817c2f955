"""pitchey-apm: distributed tracing, endpoint performance and error tracking (Sentry-compatible
ingest, issues with regressions, spike protection)."""

from __future__ import annotations

from typing import Any

import issues_api
import report_reads
import sentry_ingest
import trace_ingest
import trace_jobs
import trace_reads
from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint
from issue_store import IssueStore
from trace_store import TraceStore

__all__ = ["Default", "IssueStore", "TraceStore"]

app = WorkerApp(
    "apm",
    [
        BindingSpec("KV", "kv"),
        BindingSpec("R2_BUCKET", "r2"),
        BindingSpec("ISSUE_STORE", "durable_object", "health"),
        BindingSpec("TRACE_STORE", "durable_object", "health"),
        BindingSpec("ALERTS", "service", "alerts"),
        BindingSpec("MONITORING", "service", "monitoring"),
    ],
    include=(sentry_ingest.routes, issues_api.routes, trace_ingest.routes, trace_reads.routes, trace_jobs.routes),
)


async def _store_own_spans(env: Any, otlp_json: str, batch_id: str) -> str:
    return await trace_ingest.export_spans(env, otlp_json, batch_id)  # in-process: no binding to itself


class Default(AppEntrypoint):
    app = app
    untraced_paths = ("/v1/traces",)

    def trace_exporter(self):
        return _store_own_spans

    async def export_spans(self, otlp_json: str, batch_id: str | None = None) -> str:
        """RPC for edgewatch_cf.trace: OTLP/JSON spans over a service binding; answers the OTLP response."""
        return await trace_ingest.export_spans(self.env, otlp_json, batch_id)

    async def report_issues(self, from_ms: int, to_ms: int) -> str:
        """RPC for reports: the error issues of a period (top, new, regressed) as JSON text."""
        return await report_reads.report_issues(self.env, int(from_ms), int(to_ms))

    async def report_endpoints(self, from_ms: int, to_ms: int) -> str:
        """RPC for reports: GET /apm/summary's JSON for a period."""
        return await report_reads.report_endpoints(self.env, int(from_ms), int(to_ms))

    async def retention_state(self) -> str:
        """RPC for reports: the trace retention and its last run's report, as JSON text."""
        return await report_reads.trace_retention_state(self.env)
