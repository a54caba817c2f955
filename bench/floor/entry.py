"""The platform floor for benchmarks: the smallest useful Python Worker, answering a JSON body."""

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response('{"ok":true}', headers={"content-type": "application/json"})
