"""A Sentry transaction (an envelope's ``transaction`` item) as spans, so the traces of teams on the
Sentry SDKs land beside the OpenTelemetry ones: the transaction is the root (or entry) span from
``contexts.trace``, each of its ``spans`` a child.

Mapping: ``op`` ``http.server`` (and other ``*.server``) is a server span, ``http.client``, ``db*``
and ``cache*`` client spans, the rest internal; a Sentry status other than ok, cancelled and
unknown is an error (Sentry's own failure rate counts the same way); the service is the event's
``service`` tag, else ``server_name``, else ``sentry-<project>``; op, description, release,
environment, tags and data become attributes. Spans with a bad id or time are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...wire.names import clean_service
from .span import Span

NOT_ERRORS = frozenset({"ok", "cancelled", "unknown", ""})
MAX_SPANS = 1_000


@dataclass(frozen=True)
class ConvertedTransaction:
    spans: list[Span]
    skipped: int


def _hex(value: Any, size: int) -> str | None:
    if type(value) is not str:
        return None
    text = value.replace("-", "").lower()
    if len(text) != size or any(c not in "0123456789abcdef" for c in text) or text == "0" * size:
        return None
    return text


def _micros(value: Any) -> int | None:
    if type(value) in (int, float) and 0 < value < 1e11:
        return round(float(value) * 1_000_000)
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None
        return round(parsed.timestamp() * 1_000_000)
    return None


def _kind(op: str, root: bool) -> str:
    if op.endswith(".server") or (root and op in ("http", "function.aws", "function.gcp")):
        return "server"
    if op.startswith(("http.client", "db", "cache", "rpc", "grpc")) or op.endswith(".client"):
        return "client"
    if op.startswith("queue.publish"):
        return "producer"
    if op.startswith(("queue.process", "queue.task")):
        return "consumer"
    return "internal"


def _flat(prefix: str, value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        return {}
    return {
        f"{prefix}{k}": v
        for k, v in value.items()
        if type(k) is str and (v is None or type(v) in (str, int, float, bool))
    }


def _span(
    item: dict[str, Any], trace_id: str, parent: str | None, service: str, shared: dict[str, Any], *, root: bool
) -> Span | None:
    span_id = _hex(item.get("span_id"), 16)
    start, end = _micros(item.get("start_timestamp")), _micros(item.get("timestamp"))
    if span_id is None or start is None or end is None or end < start:
        return None
    op = str(item.get("op") or "")
    description = item.get("description")
    name = str(item.get("_name") or description or op or "(unnamed)")[:1000]
    status = str(item.get("status") or "")
    attributes = {**shared, **_flat("", item.get("tags")), **_flat("", item.get("data"))}
    if op:
        attributes["sentry.op"] = op
    if type(description) is str and description and description != name:
        attributes["sentry.description"] = description[:1000]
    if status:
        attributes["sentry.status"] = status
    return Span(
        trace_id,
        span_id,
        _hex(item.get("parent_span_id"), 16) or parent,
        service,
        name,
        _kind(op, root),
        start,
        end - start,
        "error" if status not in NOT_ERRORS else ("ok" if status == "ok" else "unset"),
        status if status not in NOT_ERRORS else "",
        attributes,
    )


def _object(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else {}


def transaction_spans(data: dict[str, Any], project: str) -> ConvertedTransaction:
    contexts = _object(data.get("contexts"))
    trace = _object(contexts.get("trace"))
    trace_id = _hex(trace.get("trace_id"), 32)
    children: list[Any] = data["spans"] if type(data.get("spans")) is list else []
    if trace_id is None:
        return ConvertedTransaction([], 1 + len(children))
    tags = _object(data.get("tags"))
    named = tags.get("service") or data.get("server_name")
    service = clean_service(named) if type(named) is str and named else f"sentry-{project}"
    shared: dict[str, Any] = {"sentry.project": project}
    for key in ("release", "environment", "platform"):
        if type(data.get(key)) is str:
            shared[f"sentry.{key}"] = data[key]
    root_item = {
        **trace,
        "_name": data.get("transaction"),
        "start_timestamp": data.get("start_timestamp"),
        "timestamp": data.get("timestamp"),
        "tags": tags,
    }
    spans: list[Span] = []
    skipped = 0
    root = _span(root_item, trace_id, None, service, shared, root=True)
    if root is None:
        skipped += 1
    else:
        spans.append(root)
    for child in children[:MAX_SPANS]:
        made = (
            _span(child, trace_id, None if root is None else root.span_id, service, shared, root=False)
            if type(child) is dict
            else None
        )
        if made is None:
            skipped += 1
        else:
            spans.append(made)
    return ConvertedTransaction(spans, skipped + max(0, len(children) - MAX_SPANS))
