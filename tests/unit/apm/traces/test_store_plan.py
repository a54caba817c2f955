"""The shard's rules without a shard: batches per shard, the flush plan, archive objects, search."""

from __future__ import annotations

import json

from edgewatch.apm.traces.archive import build_trace_object, key_hour, read_trace, read_traces
from edgewatch.apm.traces.flush import BufferedTrace, plan_flush
from edgewatch.apm.traces.messages import ShardSpanAnswer, TraceCandidate
from edgewatch.apm.traces.query import SpanQuery, parse_span_query
from edgewatch.apm.traces.retention import TraceRetention
from edgewatch.apm.traces.sampling import TraceDecision, Verdict
from edgewatch.apm.traces.search import SpanSearchMerge, buffered_matches, matching_spans
from edgewatch.apm.traces.shards import shard_batches, shard_of
from edgewatch.apm.traces.span import Span
from edgewatch.config import TraceSamplingConfig
from edgewatch.logs import RetentionReport

from .spans import T0_US, span

CONFIG = TraceSamplingConfig.model_validate({"share": 0.0, "slowRootMs": 1000, "decisionWait": "10s"})
T0_MS = T0_US // 1000


def row(seq: int, trace: str, arrived: int, *spans: Span) -> BufferedTrace:
    return BufferedTrace(seq, trace, arrived, any(s.is_root for s in spans), json.dumps([s.to_json() for s in spans]))


def test_batches_hold_one_row_per_trace_on_the_trace_shard() -> None:
    spans = [span("1", trace="1" * 32), span("2", "1", trace="1" * 32), span("3", trace="2" * 32)]
    batches = shard_batches(spans, 4, "b-1")
    assert sum(b.spans for b in batches.values()) == 3
    for shard, batch in batches.items():
        for trace_id, count, has_root, body in json.loads(batch.rows_json):
            assert shard_of(trace_id, 4) == shard and has_root == 1 and len(json.loads(body)) == count
            assert batch.batch_id == "b-1"


def test_plan_waits_decides_drops_and_archives() -> None:
    ok, err, late = "1" * 32, "2" * 32, "3" * 32
    rows = [
        row(1, ok, 0, span("1", trace=ok)),
        row(2, err, 0, span("1", trace=err), span("2", "1", trace=err, status="error")),
        row(3, late, 9_000, span("1", trace=late)),  # its root arrived 1 s ago: wait
    ]
    plan = plan_flush(rows, {}, 10_000, CONFIG, apdex_ms=100, shard=0, max_spans=100)
    assert {t: d.verdict for t, d in plan.decisions.items()} == {ok: Verdict.DROP, err: Verdict.KEEP_ERROR}
    assert plan.drop_seqs == [1] and plan.waiting == 1
    (batch,) = plan.archive
    assert list(batch.traces) == [err] and batch.seqs == [2]
    # Rollups count the dropped trace too.
    assert sum(r.count for k, r in plan.rollups.items() if k.kind == "endpoint") == 2


def test_late_spans_follow_the_remembered_decision() -> None:
    kept, dropped = "1" * 32, "2" * 32
    rows = [row(7, kept, 0, span("9", "1", trace=kept)), row(8, dropped, 0, span("9", "1", trace=dropped))]
    known = {kept: TraceDecision(Verdict.KEEP_SHARE, 4.0), dropped: TraceDecision(Verdict.DROP)}
    plan = plan_flush(rows, known, 1, CONFIG, apdex_ms=100, shard=0, max_spans=100)
    assert not plan.decisions and not plan.rollups and plan.drop_seqs == [8]
    assert plan.archive[0].traces[kept][0].weight == 4.0


def test_archive_cuts_by_max_spans_without_splitting_a_trace() -> None:
    rows = [
        row(i, f"{i:032x}", 0, span("1", trace=f"{i:032x}", status="error"), span("2", "1", trace=f"{i:032x}"))
        for i in range(1, 6)
    ]
    plan = plan_flush(rows, {}, 10**9, CONFIG, apdex_ms=100, shard=3, max_spans=4)
    assert [len(b.traces) for b in plan.archive] == [2, 2, 1]
    built = build_trace_object(plan.archive[0].unique, plan.archive[0].traces)
    assert built.summary.traces == 2 and built.summary.spans == 4 and key_hour(built.summary.key) == T0_MS
    assert set(read_traces(built.data)) == set(plan.archive[0].traces)
    first = next(iter(plan.archive[0].traces))
    assert [s.span_id for s in read_trace(built.data, first)] == [s.span_id for s in plan.archive[0].traces[first]]
    assert read_trace(built.data, "f" * 32) == []


def test_query_matching_and_object_skipping() -> None:
    q = parse_span_query({"service": "api", "status": "error", "attr.http.route": "/x", "min_duration": "5"}, T0_MS + 1)
    hit = span("1", service="api", status="error", ms=6, http_route="/x")
    assert q.matches(hit)
    assert not q.matches(span("1", service="api", status="error", ms=4, http_route="/x"))
    assert not q.matches(span("1", service="web", status="error", ms=6, http_route="/x"))
    built = build_trace_object("u", {hit.trace_id: [hit]})
    assert q.may_match_object(built.summary)
    other = parse_span_query({"attr.http.route": "/y"}, T0_MS + 1)
    assert not other.may_match_object(built.summary)
    by_endpoint = parse_span_query({"name": "GET /r"}, T0_MS + 1)
    routed = span("1", http_route="/r", http_request_method="GET")
    assert by_endpoint.matches(routed) and by_endpoint.may_match_object(
        build_trace_object("u", {"a" * 32: [routed]}).summary
    )
    assert SpanQuery.from_json(q.to_json()) == q


def test_search_merge_pages_newest_first_across_buffer_and_objects() -> None:
    q = parse_span_query({"limit": "2"}, T0_MS + 10_000)
    old = [span(str(i), trace=f"{i:032x}", start_ms=i) for i in range(1, 4)]
    new = span("9", trace="9" * 32, start_ms=9)
    built = build_trace_object("u", {s.trace_id: [s] for s in old})
    answer = ShardSpanAnswer(
        json.dumps(buffered_matches(q, [json.dumps([new.to_json()])])),
        [TraceCandidate(built.summary.key, built.summary.min_ts, built.summary.max_ts)],
        1,
    )
    merge = SpanSearchMerge.of(q, [answer])
    group = merge.next_group()
    merge.add_scanned(group, [matching_spans(q, built.data)])
    page = merge.page()
    assert [s["span_id"][-1] for s in page["spans"]] == ["9", "3"] and page["cursor"]
    assert page["objects"] == {"total": 1, "skipped_by_index": 0, "scanned": 1, "not_needed": 0}


def test_retention_expires_whole_hours_and_verifies() -> None:
    keep = TraceRetention(7 * 86_400_000)
    key = build_trace_object("u", {"a" * 32: [span("1")]}).summary.key
    assert not keep.expired(key, T0_MS + 86_400_000)
    assert keep.expired(key, T0_MS + 8 * 86_400_000)
    report = keep.verify([key, "traces/other"], T0_MS + 8 * 86_400_000, RetentionReport(0, 0))
    assert report.remaining == 1 and report.violations == 1 and report.foreign == 1
