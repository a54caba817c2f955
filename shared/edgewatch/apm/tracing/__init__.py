"""Tracing for the platform's Python Workers, the pure core of ``edgewatch_cf.trace``: W3C trace
context (``context``), the head sampling decision (``sampling``), the spans of one request
(``recorder``), what they say (``semantics``) and their OTLP/JSON batch (``otlp_export``). Ids and
time are injected, so nothing here touches the Workers runtime."""

from __future__ import annotations

from .context import TraceContext, clean_tracestate, parse_traceparent, server_timing
from .ids import IdSource, RandomIds
from .otlp_export import SCOPE_NAME, export_json, export_request
from .recorder import Clock, LiveSpan, SpanRecord, Trace
from .sampling import HeadDecision, Why, check_rate, decide, rate_from_text, sampled_by_rate

__all__ = [
    "SCOPE_NAME",
    "Clock",
    "HeadDecision",
    "IdSource",
    "LiveSpan",
    "RandomIds",
    "SpanRecord",
    "Trace",
    "TraceContext",
    "Why",
    "check_rate",
    "clean_tracestate",
    "decide",
    "export_json",
    "export_request",
    "parse_traceparent",
    "rate_from_text",
    "sampled_by_rate",
    "server_timing",
]
