"""Log ingest of pitchey-logs: native JSON/NDJSON, OTLP/HTTP (JSON or protobuf) and Loki push, each
parsed, sampled and scrubbed by the core and stored in the LogBuffer shards."""

from __future__ import annotations

import asyncio
from typing import NamedTuple

from edgewatch.codec import decode
from edgewatch.errors import BadRequest, ServiceUnavailable, Unprocessable
from edgewatch.logs import loki, otlp
from edgewatch.logs.entry import ParsedBatch
from edgewatch.logs.ingest import parse_native
from edgewatch.logs.messages import AppendResult
from edgewatch.logs.pipeline import Prepared, ShardPayload, batch_id_of, prepare
from edgewatch.logs.sampling import Sampler
from edgewatch.logs.scrub import Scrubber, rules_from_config
from edgewatch.tokens import check_service
from edgewatch.wire.body import check_content_type, decode_body
from edgewatch.wire.otlp_body import OtlpEncoding, otlp_answer, otlp_encoding
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.auth import ingest_scope_for
from edgewatch_cf.clock import now_ms
from edgewatch_cf.otlp_errors import otlp_errors
from edgewatch_cf.settings import stack_config
from log_shards import log_shard

JSON_TYPES = ("application/json", "application/x-ndjson", "application/jsonl", "text/plain")
routes = Routes()


class _Ingested(NamedTuple):
    batch: ParsedBatch
    prepared: Prepared
    duplicate: bool
    encoding: OtlpEncoding  # of an OTLP request (JSON for the other formats)


def _encoding(fmt: str, content_type: str | None) -> OtlpEncoding:
    """The body's encoding; a Content-Type the format does not take is a 415."""
    if fmt == "otlp":
        return otlp_encoding(content_type)
    check_content_type(content_type, JSON_TYPES if fmt == "native" else ("application/json",))
    return OtlpEncoding.JSON


def _parse(
    fmt: str, body: bytes, now: int, default_service: str | None, max_entries: int, *, encoding: OtlpEncoding
) -> ParsedBatch:
    if fmt == "otlp":
        return otlp.parse_otlp_logs(body, now, max_entries, encoding)
    if fmt == "loki":
        return loki.parse_loki_push(body, now, max_entries)
    return parse_native(body, now, default_service, max_entries)


async def _store(req: Incoming, prepared: Prepared, batch_id: str | None) -> bool:
    """Store every shard's part; True when every shard had already stored this batch id."""

    async def store(shard: int, payload: ShardPayload) -> AppendResult:
        return decode(AppendResult, str(await log_shard(req.env, shard).append(shard, payload.encode(batch_id))))

    try:
        results = await asyncio.gather(*(store(s, p) for s, p in prepared.shards.items()))
    except Exception as exc:
        req.console.error("ingest_store_failed", error=f"{type(exc).__name__}: {exc}")
        raise ServiceUnavailable(
            "the log buffer is unavailable; nothing from this request was acknowledged, retry it (with X-Batch-Id)",
            headers={"Retry-After": "5"},
        ) from None
    return bool(results) and all(r.duplicate for r in results)


async def _ingest(req: Incoming, fmt: str) -> _Ingested:
    config = stack_config(req.env).monitoring.logging
    scope = ingest_scope_for(req.env, req.header("authorization"))
    encoding = _encoding(fmt, req.header("content-type"))
    raw = await req.body(config.ingest.max_body_bytes)
    body = decode_body(raw, req.header("content-encoding"), config.ingest.max_body_bytes)
    batch = _parse(fmt, body, now_ms(), None if scope == "*" else scope, config.ingest.max_entries, encoding=encoding)
    for entry in batch.entries:
        check_service(scope, entry.service)
    # Always a scrubber: with scrubbing disabled its rules still escape control characters.
    salt = str(getattr(req.env, "SCRUB_HASH_SALT", None) or "")
    scrubber = Scrubber(rules_from_config(config.scrubbing, salt))
    prepared = prepare(batch, Sampler(config.sampling), scrubber, config.buffer.shards)
    batch_id = batch_id_of(req.header("x-batch-id"), req.header("idempotency-key"))
    return _Ingested(batch, prepared, await _store(req, prepared, batch_id), encoding)


@routes.route("POST", "/logs/ingest", access=Open("an ingest token"))
async def ingest_native(req: Incoming) -> Reply:
    batch, prepared, duplicate, _ = await _ingest(req, "native")
    if not batch.entries and batch.errors:
        raise Unprocessable(
            f"all {batch.total} entries were rejected",
            details={"rejected": batch.rejected, "errors": [e.to_json() for e in batch.errors[:10]]},
        )
    return Reply(
        {
            "accepted": prepared.accepted,
            "stored": prepared.kept,
            "sampled_out": prepared.sampled_out,
            "rejected": batch.rejected,
            "errors": [e.to_json() for e in batch.errors[:10]],
            "duplicate": duplicate,
        },
        202 if not batch.errors else 207,
    )


@routes.route("POST", "/v1/logs", access=Open("an ingest token"))
@otlp_errors
async def ingest_otlp(req: Incoming) -> Reply:
    done = await _ingest(req, "otlp")
    answer = otlp_answer(otlp.otlp_response(done.batch), done.encoding)
    return Reply(answer.body, 200, answer.headers, raw=answer.raw)


@routes.route("POST", "/loki/api/v1/push", access=Open("an ingest token"))
async def ingest_loki(req: Incoming) -> Reply:
    batch = (await _ingest(req, "loki")).batch
    if not batch.entries and batch.errors:
        raise BadRequest(f"all {batch.total} entries were rejected", details=[e.to_json() for e in batch.errors[:10]])
    return Reply(None, 204)
