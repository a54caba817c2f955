"""The one Worker entry base: ``class Default(AppEntrypoint): app = app`` serves HTTP through the
WorkerApp and answers the two RPC methods every Worker has (``ping`` and ``run_job``). Requests,
crons and the jobs a traced cron calls are traced when ``SELF_TRACE_SAMPLE_RATE`` asks for it
(edgewatch_cf.self_trace)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from workers import WorkerEntrypoint

from edgewatch.apm.tracing.semantics import cron_attributes

from .app import WorkerApp
from .self_trace import self_tracer, untraced
from .trace_export import Exporter


class AppEntrypoint(WorkerEntrypoint):  # type: ignore[misc]
    app: ClassVar[WorkerApp]
    untraced_paths: ClassVar[tuple[str, ...]] = ()  # path prefixes this Worker never traces

    def trace_exporter(self) -> Exporter | None:
        """Where this Worker's own spans go; None is the APM binding's export_spans."""
        return None

    async def fetch(self, request: Any) -> Any:
        tracer = self_tracer(self.app, self.env, self.trace_exporter())
        if tracer is None or untraced(request, self.untraced_paths):
            return await self.app.handle(request, self.env, self.ctx)
        return await tracer.serve(request, self.env, self.ctx, lambda: self.app.handle(request, self.env, self.ctx))

    async def run_cron(self, cron: str, scheduled_ms: int, work: Callable[[], Awaitable[Any]]) -> Any:
        """A cron's work under a server span of its own (a new trace, at the self-trace rate)."""
        tracer = self_tracer(self.app, self.env, self.trace_exporter())
        if tracer is None:
            return await work()
        attributes = cron_attributes(cron, scheduled_ms)
        return await tracer.run(self.env, self.ctx, f"cron {cron}", work, attributes=attributes)

    async def ping(self) -> dict[str, Any]:
        return self.app.ping()

    async def run_job(self, name: str, scheduled_ms: int, traceparent: str | None = None) -> str:
        """``traceparent``: the calling cron's span (edgewatch_cf.trace's traced_binding adds it)."""
        tracer = None if traceparent is None else self_tracer(self.app, self.env, self.trace_exporter())
        if tracer is None:
            return await self.app.run_job(name, self.env, scheduled_ms)
        return str(
            await tracer.run(
                self.env,
                self.ctx,
                f"job {name}",
                lambda: self.app.run_job(name, self.env, scheduled_ms),
                attributes={"job.name": name, "job.scheduled_ms": int(scheduled_ms)},
                traceparent=str(traceparent),
            )
        )
