"""The edge trace a Web Vital belongs to: the document's response carries
``Server-Timing: traceparent;desc="00-<trace id>-<span id>-<flags>"`` (edgewatch_cf.trace sets it),
the page reads it from ``performance.getEntriesByType("navigation")[0].serverTiming`` and puts it in
the beacon as ``traceparent`` (or only the ``traceId``). A slow LCP then links to the trace of the
request that served the page: ``/apm/traces/<trace id>``."""

from __future__ import annotations

from typing import Any

from ..wire.items import EntryError, show

_HEX = frozenset("0123456789abcdef")


def _hex(text: str, size: int) -> bool:
    return len(text) == size and set(text) <= _HEX and text != "0" * size


def trace_id_of(item: dict[str, Any]) -> str | None:
    """The trace id a beacon item names, None when it names none; EntryError when malformed."""
    raw = item.get("traceparent")
    if raw is not None:
        if type(raw) is not str:
            raise EntryError(f"traceparent must be a W3C traceparent string, not {show(raw)}")
        parts = raw.strip().lower().split("-")
        version_ok = len(parts[0]) == 2 and set(parts[0]) <= _HEX and parts[0] != "ff"
        if len(parts) < 4 or not version_ok or not _hex(parts[1], 32) or not _hex(parts[2], 16):
            raise EntryError(f"traceparent must look like 00-<32 hex>-<16 hex>-<2 hex>, not {show(raw)}")
        return parts[1]
    raw = item.get("traceId")
    if raw is None:
        return None
    if type(raw) is not str or not _hex(raw.lower(), 32):
        raise EntryError(f"traceId must be 32 hex characters, not {show(raw)}")
    return raw.lower()


def trace_path(trace_id: str | None) -> str | None:
    return None if trace_id is None else f"/apm/traces/{trace_id}"
