"""pitchey-alerts: alert rules, severities, delivery and throttling."""

from __future__ import annotations

from edgewatch_cf.app import BindingSpec, WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint

app = WorkerApp("alerts", [BindingSpec("KV", "kv")])


class Default(AppEntrypoint):
    app = app
