"""The spans of one unit of work (a request, a cron, an RPC call) in one isolate, exported together.

A ``Trace`` starts from a head decision. When it is not sampled, spans still get ids (a
``traceparent`` with the sampled flag off is still passed on, so the callees do not start traces of
their own) but nothing is recorded: setting attributes, events or status does nothing and ending a
span keeps nothing. A trace keeps at most ``max_spans`` finished spans; more are counted as dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .context import TraceContext
from .ids import IdSource
from .sampling import HeadDecision

Clock = Callable[[], int]  # epoch nanoseconds
MAX_SPANS = 512
MAX_EVENTS = 32
MAX_MESSAGE_CHARS = 1_000


@dataclass(slots=True)
class SpanRecord:
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    name: str
    kind: str  # internal | server | client
    start_ns: int
    end_ns: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    status: str = "unset"  # unset | ok | error
    status_message: str = ""
    tracestate: str = ""


class LiveSpan:
    """A span being timed. ``context`` is what its children and callees run under."""

    def __init__(self, trace: Trace, record: SpanRecord, context: TraceContext) -> None:
        self.trace = trace
        self.record = record
        self.context = context
        self.ended = False

    @property
    def recording(self) -> bool:
        return self.trace.sampled and not self.ended

    def set_attribute(self, key: str, value: Any) -> None:
        if self.recording and value is not None:
            self.record.attributes[key] = value

    def set_attributes(self, attributes: dict[str, Any]) -> None:
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def add_event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        if self.recording and len(self.record.events) < MAX_EVENTS:
            event: dict[str, Any] = {"name": name, "time_ns": self.trace.clock()}
            if attributes:
                event["attributes"] = dict(attributes)
            self.record.events.append(event)

    def set_status(self, status: str, message: str = "") -> None:
        if status not in ("unset", "ok", "error"):
            raise ValueError(f"a span status is unset, ok or error, not {status!r}")
        if self.recording:
            self.record.status = status
            self.record.status_message = message[:MAX_MESSAGE_CHARS] if status == "error" else ""

    def record_exception(self, exc: BaseException, *, escaped: bool = True) -> None:
        """An ``exception`` event (OpenTelemetry's attribute names) and the error status."""
        kind = type(exc).__qualname__
        message = str(exc)[:MAX_MESSAGE_CHARS]
        self.add_event(
            "exception", {"exception.type": kind, "exception.message": message, "exception.escaped": escaped}
        )
        self.set_status("error", f"{kind}: {message}" if message else kind)

    def end(self, end_ns: int | None = None) -> None:
        if self.ended:
            return
        self.ended = True
        if self.trace.sampled:
            self.record.end_ns = max(self.record.start_ns, self.trace.clock() if end_ns is None else end_ns)
            self.trace.keep(self.record)


class Trace:
    def __init__(
        self,
        decision: HeadDecision,
        service: str,
        clock: Clock,
        ids: IdSource,
        max_spans: int = MAX_SPANS,
    ) -> None:
        self.decision = decision
        self.service = service
        self.clock = clock
        self.ids = ids
        self.max_spans = max_spans
        self.finished: list[SpanRecord] = []
        self.dropped = 0

    @property
    def sampled(self) -> bool:
        return self.decision.sampled

    @property
    def trace_id(self) -> str:
        return self.decision.trace_id

    def start(
        self,
        name: str,
        kind: str = "internal",
        parent: LiveSpan | None = None,
        attributes: dict[str, Any] | None = None,
        start_ns: int | None = None,
    ) -> LiveSpan:
        """A span under ``parent``, or, without one, under the caller's span (a root when none)."""
        if parent is not None:
            parent_id: str | None = parent.context.span_id
        else:
            parent_id = None if self.decision.parent is None else self.decision.parent.span_id
        span_id = self.ids.span_id()
        context = TraceContext(self.trace_id, span_id, self.decision.flags, self.decision.tracestate)
        record = SpanRecord(
            self.trace_id,
            span_id,
            parent_id,
            self.service,
            name,
            kind,
            self.clock() if start_ns is None else start_ns,
            tracestate=self.decision.tracestate,
        )
        span = LiveSpan(self, record, context)
        if attributes and self.sampled:
            span.set_attributes(attributes)
        return span

    def keep(self, record: SpanRecord) -> None:
        if len(self.finished) >= self.max_spans:
            self.dropped += 1
            return
        self.finished.append(record)

    def take(self) -> list[SpanRecord]:
        """The finished spans, once: the batch to export."""
        spans, self.finished = self.finished, []
        return spans
