"""A second example Worker: the inventory the example platform API asks over its INVENTORY service
binding. ``GET /stock/{sku}`` reserves one unit in the sku's StockCounter Durable Object (an RPC
call carrying the trace context) and answers the count; ``/stock/fail`` answers 503 without
calling it. Traced with edgewatch_cf.trace: its server span continues the caller's trace, and the
Durable Object's RPC method is a server span of its own (service ``inventory-counter``).
Local and test stacks only (never deployed)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from workers import DurableObject, Response, WorkerEntrypoint

from edgewatch_cf.trace import traced, traced_binding, traced_rpc

SERVICE = "inventory-api"


def reply(body, status=200):
    return Response(json.dumps(body), status=status, headers={"content-type": "application/json"})


class StockCounter(DurableObject):
    @traced_rpc(service="inventory-counter")
    async def reserve(self, sku):
        held = await self.ctx.storage.get("reserved")
        reserved = (held if isinstance(held, int) else 0) + 1
        await self.ctx.storage.put("reserved", reserved)
        return {"sku": sku, "reserved": reserved}


class Default(WorkerEntrypoint):
    @traced(service=SERVICE, route=lambda request: "/stock/{sku}")
    async def fetch(self, request):
        sku = urlsplit(str(request.url)).path.rsplit("/", 1)[-1]
        if sku == "fail":
            return reply({"error": {"code": "unavailable", "message": "the stock service is down"}}, 503)
        counter = traced_binding(self.env.STOCK_COUNTER.getByName(sku), "inventory-counter")
        return reply(await counter.reserve(sku))
