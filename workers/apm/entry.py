"""pitchey-apm: distributed tracing, endpoint performance and error tracking (Sentry-compatible
ingest, issues with regressions, spike protection)."""

from __future__ import annotations

import issues_api
import sentry_ingest
from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint
from issue_store import IssueStore

__all__ = ["Default", "IssueStore"]

app = WorkerApp(
    "apm",
    [
        BindingSpec("KV", "kv"),
        BindingSpec("R2_BUCKET", "r2"),
        BindingSpec("ISSUE_STORE", "durable_object", "health"),
        BindingSpec("ALERTS", "service", "alerts"),
    ],
    include=(sentry_ingest.routes, issues_api.routes),
)


class Default(AppEntrypoint):
    app = app
