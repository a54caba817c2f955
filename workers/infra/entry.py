"""pitchey-infra: health and latency of the Workers, KV, R2 and Durable Objects, sampled by cron."""

from __future__ import annotations

from edgewatch_cf.app import WorkerApp
from edgewatch_cf.entrypoint import AppEntrypoint
from probes import STORAGE, WORKERS, routes

app = WorkerApp("infra", STORAGE + WORKERS, include=(routes,))


class Default(AppEntrypoint):
    app = app
