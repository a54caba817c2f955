"""The runtime's side of edgewatch_cf.trace: reading a request header and adding the
``Server-Timing`` entry to a response, whether the handler built it (mutable headers) or passed on
one from ``fetch`` (immutable headers: the response is copied first, its body streamed, not read)."""

from __future__ import annotations

from typing import Any

import js
from workers import Response

from edgewatch.apm.tracing import TraceContext, server_timing


def header_of(request: Any, name: str) -> str | None:
    value = request.headers.get(name)
    return None if value is None else str(value)


def _js_response(response: Any) -> Any:
    return getattr(response, "js_object", response)


def with_server_timing(response: Any, context: TraceContext) -> Any:
    entry = server_timing(context)
    raw = _js_response(response)
    try:
        raw.headers.append("server-timing", entry)
        return response
    except Exception:  # immutable headers (a response from fetch): copy it, then add
        copied = js.Response.new(raw.body, raw)
        copied.headers.append("server-timing", entry)
        return Response(copied)
