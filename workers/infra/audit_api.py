"""The audit log seen from pitchey-infra: ``GET /audit`` (admin; newest first, filters, paging),
``GET /audit/verify`` (admin; recompute the hash chain, name the first broken entry), and the daily
``audit_archive`` job (entries older than a day to R2, archives past ``access.auditRetention``
deleted)."""

from __future__ import annotations

import json
from typing import Any

from edgewatch.access import AuditEntry, Role
from edgewatch.codec import decode, to_plain
from edgewatch.errors import Unprocessable
from edgewatch.wire.params import int_param
from edgewatch.wire.timestamps import parse_time
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.audit import audit_log
from edgewatch_cf.clock import now_ms
from edgewatch_cf.settings import stack_config

routes = Routes()
DEFAULT_RANGE_MS = 7 * 86_400_000
FILTERS = ("who", "method", "role", "path", "status")


@routes.route("GET", "/audit", access=Role.ADMIN)
async def list_audit(req: Incoming) -> Reply:
    unknown = sorted(k for k in req.query if k not in (*FILTERS, "from", "to", "limit", "cursor"))
    if unknown:
        raise Unprocessable(f"unknown parameter(s): {', '.join(unknown)}", details={"unknown": unknown})
    end = parse_time(req.query["to"], "to") if "to" in req.query else now_ms() + 1
    start = parse_time(req.query["from"], "from") if "from" in req.query else end - DEFAULT_RANGE_MS
    limit = int_param(req.query, "limit", 100, 1, 1000)
    status = int_param(req.query, "status", 0, 100, 599) if "status" in req.query else None
    before = int_param(req.query, "cursor", 0, 1, 2**53) if "cursor" in req.query else None
    query: dict[str, Any] = {name: req.query[name] for name in ("who", "method", "role", "path") if req.query.get(name)}
    query.update({"from": start, "to": end, "limit": limit, "status": status, "before_seq": before})
    entries = decode(list[AuditEntry], str(await audit_log(req.env).page(json.dumps(query))))
    cursor = str(entries[-1].seq) if len(entries) == limit else None
    return Reply({"entries": [to_plain(e) for e in entries], "count": len(entries), "cursor": cursor})


@routes.route("GET", "/audit/verify", access=Role.ADMIN)
async def verify_audit(req: Incoming) -> Reply:
    return Reply(json.loads(str(await audit_log(req.env).verify())))


@routes.job("audit_archive")
async def audit_archive(env: Any, scheduled_ms: int) -> dict[str, Any]:
    keep_ms = stack_config(env).monitoring.access.audit_retention_ms
    result: dict[str, Any] = json.loads(str(await audit_log(env).archive(int(scheduled_ms), keep_ms)))
    return result
