"""pitchey-apm: distributed tracing, endpoint performance and error tracking."""

from __future__ import annotations

from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint

app = WorkerApp("apm", [BindingSpec("KV", "kv"), BindingSpec("R2_BUCKET", "r2")])


class Default(AppEntrypoint):
    app = app
