"""pitchey-infra: health and latency of the Workers, KV, R2 and Durable Objects, sampled by cron;
and the stack's audit log (the AuditLog object, /audit and /audit/verify)."""

from __future__ import annotations

import audit_api
from audit_log import AuditLog
from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint
from probes import STORAGE, WORKERS, routes

__all__ = ["AuditLog", "Default"]

app = WorkerApp(
    "infra",
    [*STORAGE, *WORKERS, BindingSpec("AUDIT_LOG", "durable_object", "health")],
    include=(routes, audit_api.routes),
)


class Default(AppEntrypoint):
    app = app
