"""W3C Trace Context: the ``traceparent`` and ``tracestate`` headers, read and written.

``traceparent`` is ``version-traceid-parentid-flags``: version ``00``, 32 and 16 lowercase hex
digits (never all zeros), two hex digits of flags whose lowest bit says the caller sampled the
trace. A higher version is read by its first four fields when what follows them starts with ``-``
(the spec's forward compatibility); version ``ff`` is never valid. Anything invalid reads as no
parent at all, so the receiver starts a new trace (and drops ``tracestate``, which is meaningless
without its ``traceparent``).

``tracestate`` is a list of ``key=value`` members, at most 32, passed on unchanged but for
invalid members, which are dropped, and duplicates of a key, of which the first is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SAMPLED = 0x01
MAX_TRACESTATE_MEMBERS = 32
MAX_TRACESTATE_CHARS = 512  # what the spec asks a propagator to keep at least; longer is cut by members

_HEX = re.compile(r"[0-9a-f]+")
_KEY = re.compile(r"(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})")
_VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")


@dataclass(frozen=True, slots=True)
class TraceContext:
    """The context a span runs in, or the one a request came with: trace, span (the caller's
    span when read from a header), flags and the vendors' tracestate."""

    trace_id: str
    span_id: str
    flags: int = SAMPLED
    tracestate: str = ""

    @property
    def sampled(self) -> bool:
        return bool(self.flags & SAMPLED)

    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags:02x}"

    def child(self, span_id: str) -> TraceContext:
        return TraceContext(self.trace_id, span_id, self.flags, self.tracestate)


def _is_id(value: str, length: int) -> bool:
    return len(value) == length and _HEX.fullmatch(value) is not None and value.strip("0") != ""


def parse_traceparent(header: str | None, tracestate: str | None = None) -> TraceContext | None:
    """The caller's context, or None when the header is missing or invalid."""
    if header is None:
        return None
    value = header.strip()
    if len(value) < 55:
        return None
    version = value[:2]
    if _HEX.fullmatch(version) is None or version == "ff":
        return None
    if version == "00" and len(value) != 55:
        return None
    if len(value) > 55 and value[55] != "-":
        return None
    if value[2] != "-" or value[35] != "-" or value[52] != "-":
        return None
    trace_id, span_id, flags = value[3:35], value[36:52], value[53:55]
    if not _is_id(trace_id, 32) or not _is_id(span_id, 16) or _HEX.fullmatch(flags) is None:
        return None
    # Flags other than "sampled" are not ours to pass on under a version we do not know.
    bits = int(flags, 16) if version == "00" else int(flags, 16) & SAMPLED
    return TraceContext(trace_id, span_id, bits, clean_tracestate(tracestate))


def clean_tracestate(header: str | None) -> str:
    """The valid members, first of each key, at most 32, and no more than 512 characters."""
    if not header:
        return ""
    kept: list[str] = []
    seen: set[str] = set()
    size = 0
    for raw in header.split(","):
        member = raw.strip(" \t")
        if not member:
            continue
        key, sep, value = member.partition("=")
        if not sep or _KEY.fullmatch(key) is None or _VALUE.fullmatch(value) is None or key in seen:
            continue
        added = len(member) + (1 if kept else 0)
        if len(kept) == MAX_TRACESTATE_MEMBERS or size + added > MAX_TRACESTATE_CHARS:
            break
        kept.append(member)
        seen.add(key)
        size += added
    return ",".join(kept)


def server_timing(context: TraceContext) -> str:
    """The ``Server-Timing`` entry a browser reads to join its own timings to this trace."""
    return f'traceparent;desc="{context.traceparent()}"'
