"""The one Worker entry base: ``class Default(AppEntrypoint): app = app`` serves HTTP through the
WorkerApp and answers the two RPC methods every Worker has (``ping`` and ``run_job``)."""

from __future__ import annotations

from typing import Any, ClassVar

from workers import WorkerEntrypoint

from .app import WorkerApp


class AppEntrypoint(WorkerEntrypoint):  # type: ignore[misc]
    app: ClassVar[WorkerApp]

    async def fetch(self, request: Any) -> Any:
        return await self.app.handle(request, self.env, self.ctx)

    async def ping(self) -> dict[str, Any]:
        return self.app.ping()

    async def run_job(self, name: str, scheduled_ms: int) -> str:
        return await self.app.run_job(name, self.env, scheduled_ms)
