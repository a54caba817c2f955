"""Benchmarks of pitchey-apm's traces on real workerd.

ingest:  spans/s through ``POST /v1/traces`` (OTLP JSON and OTLP protobuf) for batches of 100 and
         1,000 spans, side by side with log events/s through ``POST /logs/ingest`` for batches of
         the same sizes, in one stack, rounds interleaved (logs, spans JSON, spans protobuf, ...);
         the report gives each median and the ratio of spans to log events.
archive: 1,000,000 spans (100,000 traces of 10 spans over 20 hours, every trace kept) ingested,
         decided and archived to local R2; then p50/p95 of ``GET /apm/traces/{id}`` for random
         traces (goal p95 < 300 ms), of an attribute search for one order id (goal p95 < 1 s) with
         the fraction of archived objects its index skipped, and of an error search.

    .venv/bin/python -m bench.bench_traces_workerd ingest [--seconds 4 --rounds 3]
    .venv/bin/python -m bench.bench_traces_workerd archive [--spans 1000000]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import random
import shutil
import statistics
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.loadgen import machine, percentile
from bench.logcorpus import batch
from bench.spancorpus import as_protobuf, span_request, trace_ids
from scripts.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"
TOKEN = "bench-ingest-token-000001"
READ = "bench-read-token-0000001"
KEEP_ALL_LOGS = {"error": 1.0, "warn": 1.0, "info": 1.0, "debug": 1.0, "fatal": 1.0}


def bench_stack(root: Path) -> Stack:
    config = json.loads(
        (Path(__file__).resolve().parent.parent / "shared/edgewatch/defaults/monitoring-config.json").read_text()
    )
    config["logging"]["sampling"] = KEEP_ALL_LOGS
    config["logging"]["ingest"] = {"maxBodyBytes": 20_000_000, "maxEntries": 20_000}
    config["apm"] = {
        "maxBodyBytes": 20_000_000,
        "maxSpans": 20_000,
        "buffer": {"shards": 4, "maxSpans": 5000, "maxBytes": 20_000_000, "maxAge": "1m"},
        # Every trace kept, so that what is archived is what was sent.
        "sampling": {"share": 1.0, "decisionWait": "1s", "maxWait": "1m"},
    }
    return Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        example_api=False,
        extra_vars={
            "LOG_INGEST_TOKENS": json.dumps({TOKEN: "*"}),
            "READ_TOKENS": READ,
            "MONITORING_CONFIG_JSON": json.dumps(config),
        },
    )


def post(url: str, body: bytes, content_type: str) -> int:
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"content-type": content_type, "authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(req, timeout=300) as resp:
        resp.read()
        return int(resp.status)


RETRIED: list[int] = []  # statuses answered with Retry-After and retried, as OTLP exporters do


def post_retrying(url: str, body: bytes, content_type: str, attempts: int = 6) -> int:
    for attempt in range(attempts):
        try:
            return post(url, body, content_type)
        except urllib.error.HTTPError as err:
            if err.code not in (429, 503) or attempt == attempts - 1:
                raise
            RETRIED.append(err.code)
            time.sleep(float(err.headers.get("retry-after") or 1))
    raise AssertionError("unreachable")


def get(stack: Stack, path: str) -> dict[str, Any]:
    status, body = stack.request("GET", path, headers={"authorization": f"Bearer {READ}"}, timeout=300)
    if status != 200:
        raise SystemExit(f"GET {path} -> {status}: {body}")
    result: dict[str, Any] = body
    return result


def _rate(url: str, bodies: list[bytes], content_type: str, per_body: int, seconds: float) -> float:
    """Events/s of two concurrent senders posting ``bodies`` in turn for ``seconds``."""
    sent, i = 0, 0
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        while time.perf_counter() - start < seconds:
            chunk = [bodies[(i + k) % len(bodies)] for k in range(2)]
            i += 2
            for status in pool.map(lambda b: post(url, b, content_type), chunk):
                if status not in (200, 202):
                    raise SystemExit(f"POST {url} -> {status}")
                sent += per_body
    return sent / (time.perf_counter() - start)


def run_ingest(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-traces-"))
    stack = bench_stack(root)
    out: dict[str, Any] = {}
    try:
        stack.start()
        now = int(time.time() * 1000)
        for size in (100, 1000):
            logs = [json.dumps(batch(size, seed, now - 1000 * seed)).encode() for seed in range(20)]
            spans = [span_request(size, seed, now - 1000 * seed) for seed in range(20)]
            spans_json = [json.dumps(r).encode() for r in spans]
            spans_proto = [as_protobuf(r) for r in spans]
            kinds: list[tuple[str, str, list[bytes], str]] = [
                ("logs_native_json", "/logs/ingest", logs, "application/json"),
                ("spans_otlp_json", "/v1/traces", spans_json, "application/json"),
                ("spans_otlp_protobuf", "/v1/traces", spans_proto, "application/x-protobuf"),
            ]
            rates: dict[str, list[float]] = {name: [] for name, *_ in kinds}
            for _name, path, bodies, content_type in kinds:  # warm up each path
                post(stack.base_url + path, bodies[0], content_type)
            for _ in range(args.rounds):
                for name, path, bodies, content_type in kinds:
                    rates[name].append(_rate(stack.base_url + path, bodies, content_type, size, args.seconds))
            medians = {name: round(statistics.median(r)) for name, r in rates.items()}
            out[f"batch_{size}"] = {
                "events_per_s_median": medians,
                "rounds": {name: [round(x) for x in r] for name, r in rates.items()},
                "ratio_spans_json_to_logs": round(medians["spans_otlp_json"] / medians["logs_native_json"], 2),
                "ratio_spans_protobuf_to_logs": round(medians["spans_otlp_protobuf"] / medians["logs_native_json"], 2),
            }
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    return out


def _flush_until_empty(stack: Stack) -> None:
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        status, body = stack.request("POST", "/apm/_test/flush?force=true", timeout=600)
        if status != 200 or not all(r["ok"] for r in body["shards"]):
            raise SystemExit(f"flush failed: {status} {body}")
        shards = get(stack, "/apm/traces/stats")["shards"]
        if all(s["buffered_spans"] == 0 for s in shards):
            return
    raise SystemExit("the trace buffers did not drain")


def _timed(fn: Callable[[], dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    begin = time.perf_counter()
    answer = fn()
    return time.perf_counter() - begin, answer


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(percentile(ordered, 0.5) * 1000, 1), "p95_ms": round(percentile(ordered, 0.95) * 1000, 1)}


def run_archive(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-trace-archive-"))
    stack = bench_stack(root)
    per_request = 5000
    requests = args.spans // per_request
    now = int(time.time() * 1000)
    spread = 20 * 3_600_000
    rng = random.Random(11)
    sample_traces: list[str] = []
    order_ids: list[str] = []
    out: dict[str, Any] = {"spans": requests * per_request}
    try:
        stack.start()
        url = f"{stack.base_url}/v1/traces"
        started = time.perf_counter()

        def send(b: int) -> list[str]:
            request = span_request(
                per_request, 5000 + b, now - spread + (spread * b) // requests, 10, spread // requests
            )
            body = as_protobuf(request)
            status = post_retrying(url, body, "application/x-protobuf")
            if status != 200:
                raise SystemExit(f"POST /v1/traces -> {status}")
            return trace_ids(request)

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for b, ids in enumerate(pool.map(send, range(requests))):
                if rng.random() < args.queries / requests * 2:
                    sample_traces.append(rng.choice(ids))
                    order_ids.append(f"order-{5000 + b}-{rng.randrange(per_request // 10)}")
        out["ingest_s"] = round(time.perf_counter() - started, 1)
        out["requests_retried_after_503_or_429"] = len(RETRIED)
        _flush_until_empty(stack)
        out["ingest_and_archive_s"] = round(time.perf_counter() - started, 1)
        stats = get(stack, "/apm/traces/stats")["shards"]
        out["archived_objects"] = sum(s["archived_objects"] for s in stats)
        out["archived_spans"] = sum(s["archived_spans"] for s in stats)
        out["archived_stored_bytes"] = sum(s["archived_stored_bytes"] for s in stats)
        window = {"from": str(now - spread - 3_600_000), "to": str(now + 60_000)}
        out.update(_queries(stack, args, sample_traces, order_ids, window))
    except BaseException:
        if (root / "wrangler.log").exists():
            shutil.copy(root / "wrangler.log", RESULTS / "traces_archive.failed.log")  # git-ignored
        raise
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    return out


def _queries(
    stack: Stack, args: argparse.Namespace, sample_traces: list[str], order_ids: list[str], window: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}

    by_id, found = [], 0
    for trace_id in sample_traces[: args.queries]:
        took, answer = _timed(lambda t=trace_id: get(stack, f"/apm/traces/{t}"))  # type: ignore[misc]
        by_id.append(took)
        found += int(answer["span_count"] == 10)
    out["trace_by_id"] = {"queries": len(by_id), "complete_traces": found, **_summary(by_id)}

    attr, skipped, hits = [], [], 0
    for order in order_ids[: args.queries]:
        params = urllib.parse.urlencode({"attr.order.id": order, **window})
        took, answer = _timed(lambda p=params: get(stack, f"/apm/traces?{p}"))  # type: ignore[misc]
        attr.append(took)
        hits += answer["count"]
        skipped.append(answer["objects"]["skipped_by_index"] / max(1, answer["objects"]["total"]))
    out["attribute_search"] = {
        "queries": len(attr),
        "found": hits,
        "objects_skipped_fraction": round(statistics.mean(skipped), 4) if skipped else None,
        **_summary(attr),
    }
    errors = []
    for _ in range(min(10, args.queries)):
        params = urllib.parse.urlencode({"status": "error", "limit": "50", **window})
        took, _answer = _timed(lambda p=params: get(stack, f"/apm/traces?{p}"))  # type: ignore[misc]
        errors.append(took)
    out["error_search_limit_50"] = {"queries": len(errors), **_summary(errors)}
    out["goals"] = {
        "trace_by_id_p95_under_300_ms": out["trace_by_id"]["p95_ms"] < 300,
        "attribute_search_p95_under_1_s": out["attribute_search"]["p95_ms"] < 1000,
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=["ingest", "archive"])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args(argv)
    result = run_ingest(args) if args.which == "ingest" else run_archive(args)
    report = {
        "benchmark": f"pitchey-apm traces {args.which} on real workerd",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        **result,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"traces_{args.which}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
