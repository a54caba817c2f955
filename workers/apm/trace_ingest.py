"""Span ingest of pitchey-apm: ``POST /v1/traces`` (OTLP/HTTP, JSON or protobuf, gzip) and the
``export_spans`` RPC the edgewatch_cf.trace client calls over a service binding. Spans are parsed
and scrubbed by the core and stored in the TraceStore shards of their trace ids."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from edgewatch.apm.traces.messages import AppendAnswer, AppendSpans
from edgewatch.apm.traces.otlp_traces import otlp_traces_response, parse_otlp_traces
from edgewatch.apm.traces.shards import shard_batches
from edgewatch.apm.traces.span import ParsedSpans, Span
from edgewatch.codec import decode, encode
from edgewatch.errors import ServiceUnavailable
from edgewatch.logs import Scrubber, batch_id_of, rules_from_config
from edgewatch.tokens import check_service
from edgewatch.wire.body import decode_body
from edgewatch.wire.otlp_body import otlp_answer, otlp_encoding
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.auth import ingest_scope_for
from edgewatch_cf.console import Console
from edgewatch_cf.otlp_errors import otlp_errors
from edgewatch_cf.settings import stack_config
from trace_shards import trace_shard, trace_shard_count

routes = Routes()
console = Console("pitchey-apm")


def _scrubbed(env: Any, spans: list[Span]) -> list[Span]:
    config = stack_config(env).monitoring.logging.scrubbing
    salt = str(getattr(env, "SCRUB_HASH_SALT", None) or "")
    scrubber = Scrubber(rules_from_config(config, salt))
    out = []
    for span in spans:
        attributes = scrubber.scrub_value(span.attributes) if span.attributes else span.attributes
        events = scrubber.scrub_value(span.events) if span.events else span.events
        message = scrubber.scrub_text(span.status_message) if span.status_message else ""
        name = scrubber.scrub_text(span.name)
        out.append(
            Span(
                span.trace_id, span.span_id, span.parent_id, span.service, name, span.kind, span.start_us,
                span.duration_us, span.status, message, attributes, events, span.links,  # type: ignore[arg-type]
            )
        )  # fmt: skip
    return out


async def store_spans(env: Any, parsed: ParsedSpans, batch_id: str | None) -> bool:
    """Store every shard's part; True when every shard had already stored this batch id. A
    shard that cannot be reached is a 503: nothing was acknowledged."""
    spans = _scrubbed(env, parsed.spans)
    batches = shard_batches(spans, trace_shard_count(env), batch_id)

    async def store(shard: int, batch: AppendSpans) -> AppendAnswer:
        return decode(AppendAnswer, str(await trace_shard(env, shard).append(shard, encode(batch))))

    try:
        results = await asyncio.gather(*(store(s, b) for s, b in batches.items()))
    except Exception as exc:
        console.error("span_store_failed", error=f"{type(exc).__name__}: {exc}")
        raise ServiceUnavailable(
            "the trace store is unavailable; nothing from this request was acknowledged, retry it",
            headers={"Retry-After": "5"},
        ) from None
    return bool(results) and all(r.duplicate for r in results)


@routes.route("POST", "/v1/traces", access=Open("an ingest token"))
@otlp_errors
async def ingest_traces(req: Incoming) -> Reply:
    apm = stack_config(req.env).monitoring.apm
    scope = ingest_scope_for(req.env, req.header("authorization"))
    encoding = otlp_encoding(req.header("content-type"))
    raw = await req.body(apm.max_body_bytes)
    body = decode_body(raw, req.header("content-encoding"), apm.max_body_bytes)
    parsed = parse_otlp_traces(body, apm.max_spans, encoding)
    for span in parsed.spans:
        check_service(scope, span.service)
    await store_spans(req.env, parsed, batch_id_of(req.header("x-batch-id"), req.header("idempotency-key")))
    answer = otlp_answer(otlp_traces_response(parsed), encoding)
    return Reply(answer.body, 200, answer.headers, raw=answer.raw)


async def export_spans(env: Any, otlp_json: str, batch_id: str | None = None) -> str:
    """RPC for the edgewatch_cf.trace client: an OTLP/JSON ExportTraceServiceRequest from a Worker
    of the same account (a service binding is the credential). Answers the OTLP response JSON."""
    parsed = parse_otlp_traces(str(otlp_json).encode("utf-8"), stack_config(env).monitoring.apm.max_spans)
    await store_spans(env, parsed, batch_id)
    return json.dumps(otlp_traces_response(parsed) or {})
