"""The audit log seen from any Worker: the AuditLog object (of pitchey-infra) and the record of one
request, appended after the answer with ``ctx.waitUntil`` so no request waits for it. A Worker
without the binding (a test Worker of its own) records nothing; a failed append is logged."""

from __future__ import annotations

import asyncio
from typing import Any

from edgewatch.access import AuditRecord, Principal
from edgewatch.codec import encode

from .bindings import named_stub
from .console import Console

OBJECT_NAME = "audit"


def audit_log(env: Any) -> Any:
    return named_stub(env.AUDIT_LOG, OBJECT_NAME)


def record_of(
    request: Any, method: str, path: str, params: dict[str, str], *, principal: Principal | None, status: int
) -> AuditRecord:
    headers = request.headers
    ip = headers.get("cf-connecting-ip") or headers.get("x-real-ip") or ""
    agent = headers.get("user-agent") or ""
    target = ",".join(f"{k}={v}" for k, v in sorted(params.items()))
    if principal is None:
        return AuditRecord("anonymous", "none", "none", method, path, target, status, str(ip), str(agent))
    return AuditRecord(
        principal.name, principal.role.label, principal.via.value, method, path, target, status, str(ip), str(agent)
    )


def append_later(env: Any, ctx: Any, record: AuditRecord, console: Console) -> None:
    if getattr(env, "AUDIT_LOG", None) is None:
        return

    async def append() -> None:
        try:
            await audit_log(env).append(encode([record]))
        except Exception as exc:  # the request was answered; the miss is logged, never silent
            console.error("audit_append_failed", path=record.path, error=f"{type(exc).__name__}: {exc}")

    ctx.waitUntil(asyncio.ensure_future(append()))
