"""The one Worker entry base: ``class Default(AppEntrypoint): app = app`` serves HTTP through the
WorkerApp and answers the two RPC methods every Worker has (``ping`` and ``run_job``). Requests
are traced when ``SELF_TRACE_SAMPLE_RATE`` asks for it (edgewatch_cf.self_trace)."""

from __future__ import annotations

from typing import Any, ClassVar

from workers import WorkerEntrypoint

from .app import WorkerApp
from .self_trace import self_tracer
from .trace_export import Exporter


class AppEntrypoint(WorkerEntrypoint):  # type: ignore[misc]
    app: ClassVar[WorkerApp]
    untraced_paths: ClassVar[tuple[str, ...]] = ()  # path prefixes this Worker never traces

    async def fetch(self, request: Any) -> Any:
        tracer = self_tracer(self.app, self.env, request, self.trace_exporter(), self.untraced_paths)
        if tracer is None:
            return await self.app.handle(request, self.env, self.ctx)
        return await tracer.serve(request, self.env, self.ctx, lambda: self.app.handle(request, self.env, self.ctx))

    def trace_exporter(self) -> Exporter | None:
        """Where this Worker's own spans go; None is the APM binding's export_spans."""
        return None

    async def ping(self) -> dict[str, Any]:
        return self.app.ping()

    async def run_job(self, name: str, scheduled_ms: int) -> str:
        return await self.app.run_job(name, self.env, scheduled_ms)
