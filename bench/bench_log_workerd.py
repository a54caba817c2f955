"""Benchmarks of pitchey-logs on real workerd.

ingest: events/s for batches of 100 and 1000 entries (every entry kept, so the whole path runs:
        parse, sample, scrub, Durable Object write), and stored bytes per event in R2 after the
        flush, against the raw JSON bytes of the same events.
search: 1,000,000 events ingested and archived locally, then p50/p95 search latency for a rare
        request id and for a common word, and the fraction of archived objects the index skipped.
        Goal: p95 under 1 s for the rare id.

    .venv/bin/python -m bench.bench_log_workerd ingest [--seconds 20]
    .venv/bin/python -m bench.bench_log_workerd search [--events 1000000]
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
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.loadgen import machine, percentile
from bench.logcorpus import batch
from scripts.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"
TOKEN = "bench-ingest-token-000001"
READ = "bench-read-token-0000001"
KEEP_ALL = {"error": 1.0, "warn": 1.0, "info": 1.0, "debug": 1.0, "fatal": 1.0}


def bench_stack(root: Path, max_entries: int = 5000) -> Stack:
    config = json.loads(
        (Path(__file__).resolve().parent.parent / "shared/edgewatch/defaults/monitoring-config.json").read_text()
    )
    config["logging"]["sampling"] = KEEP_ALL
    config["logging"]["buffer"] = {"shards": 4, "maxEntries": max_entries, "maxBytes": 20_000_000, "maxAge": "10m"}
    config["logging"]["ingest"] = {"maxBodyBytes": 20_000_000, "maxEntries": 20_000}
    return Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        extra_vars={
            "LOG_INGEST_TOKENS": json.dumps({TOKEN: "*"}),
            "READ_TOKENS": READ,
            "MONITORING_CONFIG_JSON": json.dumps(config),
        },
    )


def post(url: str, body: bytes) -> dict[str, Any]:
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"content-type": "application/json", "authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(req, timeout=300) as resp:
        answer: dict[str, Any] = json.loads(resp.read())
    return answer


def get(stack: Stack, path: str) -> dict[str, Any]:
    status, body = stack.request("GET", path, headers={"authorization": f"Bearer {READ}"}, timeout=300)
    if status != 200:
        raise SystemExit(f"GET {path} -> {status}: {body}")
    result: dict[str, Any] = body
    return result


def flush_all(stack: Stack) -> None:
    now = int(time.time() * 1000)
    outcome = stack.trigger_cron("0 * * * *", now - now % 3_600_000, timeout=600)
    if outcome.get("outcome") != "ok":
        raise SystemExit(f"flush failed: {outcome}")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        shards = get(stack, "/logs/stats")["shards"]
        if all(s["buffered_entries"] == 0 for s in shards):
            return
        time.sleep(1)
    raise SystemExit("buffers did not drain")


def run_ingest(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    stack = bench_stack(root)
    out: dict[str, Any] = {}
    raw_bytes = 0
    events = 0
    try:
        stack.start()
        url = f"{stack.base_url}/logs/ingest"
        now = int(time.time() * 1000)
        for size in (100, 1000):
            bodies = [json.dumps(batch(size, seed, now - 1000 * seed)).encode() for seed in range(40)]
            post(url, bodies[0])  # warm up
            sent = 0
            start = time.perf_counter()
            i = 0
            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                while time.perf_counter() - start < args.seconds:
                    chunk = [bodies[(i + k) % len(bodies)] for k in range(2)]
                    i += 2
                    for answer in pool.map(lambda b: post(url, b), chunk):
                        sent += int(answer["stored"])
                    raw_bytes += sum(len(b) for b in chunk)
            elapsed = time.perf_counter() - start
            events += sent
            out[f"batch_{size}"] = {"events": sent, "seconds": round(elapsed, 2), "events_per_s": round(sent / elapsed)}
        flush_all(stack)
        shards = get(stack, "/logs/stats")["shards"]
        stored = sum(s["archived_stored_bytes"] for s in shards)
        archived = sum(s["archived_entries"] for s in shards)
        raw_per_event = raw_bytes / events
        out["storage"] = {
            "archived_entries": archived,
            "raw_json_bytes_per_event": round(raw_per_event, 1),
            "stored_bytes_per_event": round(stored / archived, 1),
            "ratio_stored_to_raw": round((stored / archived) / raw_per_event, 3),
        }
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    return out


def run_search(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-search-"))
    stack = bench_stack(root, max_entries=10_000)
    rng = random.Random(5)
    per_batch = 10_000
    batches = args.events // per_batch
    now = int(time.time() * 1000)
    span = 20 * 3_600_000  # spread over 20 hours
    rare_ids = [f"req-rare-{i:04d}" for i in range(args.queries)]
    rare_at = {rng.randrange(args.events): rid for rid in rare_ids}
    out: dict[str, Any] = {"events": batches * per_batch}
    try:
        stack.start()
        url = f"{stack.base_url}/logs/ingest"
        started = time.perf_counter()
        for b in range(batches):
            start_ts = now - span + (span * b) // batches
            lines = batch(per_batch, 1000 + b, start_ts)
            for k in range(per_batch):
                rid = rare_at.get(b * per_batch + k)
                if rid:
                    lines[k]["request_id"] = rid
            post(url, json.dumps(lines).encode())
        flush_all(stack)
        out["ingest_and_archive_s"] = round(time.perf_counter() - started, 1)
        stats = get(stack, "/logs/stats")["shards"]
        out["archived_objects"] = sum(s["archived_objects"] for s in stats)
        out["archived_entries"] = sum(s["archived_entries"] for s in stats)

        def timed(params: dict[str, str]) -> tuple[float, dict[str, Any]]:
            begin = time.perf_counter()
            answer = get(stack, "/logs/search?" + urllib.parse.urlencode(params))
            return time.perf_counter() - begin, answer

        window = {"from": str(now - span - 3_600_000), "to": str(now + 60_000)}
        rare_times, skipped, found = [], [], 0
        for rid in rare_ids:
            took, answer = timed({"request_id": rid, **window})
            rare_times.append(took)
            found += answer["count"]
            objects = answer["objects"]
            skipped.append(objects["skipped_by_index"] / max(1, objects["total"]))
        common_times = []
        for _ in range(args.queries):
            took, answer = timed({"q": "cache", "limit": "100", **window})
            common_times.append(took)
        out["rare_request_id"] = {
            "queries": len(rare_ids),
            "found": found,
            "p50_ms": round(percentile(sorted(rare_times), 0.5) * 1000, 1),
            "p95_ms": round(percentile(sorted(rare_times), 0.95) * 1000, 1),
            "objects_skipped_fraction": round(statistics.mean(skipped), 4),
        }
        out["common_word"] = {
            "queries": len(common_times),
            "p50_ms": round(percentile(sorted(common_times), 0.5) * 1000, 1),
            "p95_ms": round(percentile(sorted(common_times), 0.95) * 1000, 1),
        }
        out["goal"] = "rare id p95 < 1000 ms"
        out["goal_met"] = out["rare_request_id"]["p95_ms"] < 1000
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=["ingest", "search"])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args(argv)
    result = run_ingest(args) if args.which == "ingest" else run_search(args)
    report = {
        "benchmark": f"pitchey-logs {args.which} on real workerd",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        **result,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"log_{args.which}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
