"""The cron fan-out run by pitchey-monitoring: each schedule's jobs, in whichever Worker owns them."""

from __future__ import annotations

import json
import time
from typing import Any

from edgewatch.codec import decode
from edgewatch.faults import next_streaks, streaks_from_json
from edgewatch.schedule import DispatchReport, JobAnswer, JobRef, UnknownJob, cron_slug, dispatch
from edgewatch.services import service

from .app import WorkerApp
from .bindings import KVPort
from .clock import now_ms
from .trace import child_span, traced_binding

RUN_TTL_S = 7 * 86_400


class JobFailed(RuntimeError):
    """A job raised in its Worker; the message is the original exception's type and text."""


async def fan_out(app: WorkerApp, env: Any, cron: str, scheduled_ms: int) -> DispatchReport:
    async def runner(job: JobRef) -> object:
        if job.concern == app.service.concern:
            with child_span(f"job {job.name}", attributes={"job.name": job.name}):
                encoded = await app.run_job(job.name, env, scheduled_ms)
        else:
            peer = service(job.concern)
            binding = getattr(env, peer.binding, None)
            if binding is None:
                raise UnknownJob(f"no service binding {peer.binding} for {job.qualified}")
            # Under a traced cron, a client span and the traceparent as run_job's last argument.
            encoded = await traced_binding(binding, peer.worker_name).run_job(job.name, scheduled_ms)
        answer = decode(JobAnswer, str(encoded))
        if answer.unknown_job is not None:
            raise UnknownJob(answer.unknown_job)
        if answer.error is not None:
            raise JobFailed(answer.error)
        return answer.result

    report = await dispatch(cron, scheduled_ms, runner, lambda: time.perf_counter() * 1000)
    for outcome in report.outcomes:
        level = "info" if outcome.status.value == "ok" else "error"
        app.console.log(level, "cron_job", cron=report.cron, **outcome.to_json())
    kv = KVPort(env.KV)
    slug = cron_slug(report.cron)
    previous = await kv.get(f"cron:last:{slug}")
    prior = streaks_from_json(json.loads(previous).get("streaks")) if previous else {}
    ran = [(o.job, o.status.value == "ok", o.detail) for o in report.outcomes]
    streaks = next_streaks(prior, ran, scheduled_ms)
    record = json.dumps(
        {**report.to_json(), "finished_ms": now_ms(), "streaks": {job: s.to_json() for job, s in streaks.items()}},
        default=str,
    )
    await kv.put(f"cron:last:{slug}", record)
    await kv.put(f"cron:run:{slug}:{scheduled_ms:015d}", record, ttl_s=RUN_TTL_S)
    return report
