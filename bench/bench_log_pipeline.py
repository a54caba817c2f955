"""Benchmark: the log ingest pipeline in CPython (parse, validate, sample, scrub, encode) against bare
``json.loads`` of the same payload. Goal: at most 4x json.loads.

    .venv/bin/python -m bench.bench_log_pipeline [--entries 10000 --runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.loadgen import machine
from bench.logcorpus import body as make_body
from edgewatch.logs.ingest import parse_native
from edgewatch.logs.pipeline import prepare
from edgewatch.logs.sampling import Sampler
from edgewatch.logs.scrub import Scrubber, rules_from_config
from edgewatch.stack import default_config

RESULTS = Path(__file__).resolve().parent / "results"
NOW = 1_795_737_600_000


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    logging = default_config().monitoring.logging
    payload = make_body(args.entries, seed=1, start_ts=NOW)
    scrubber = Scrubber(rules_from_config(logging.scrubbing, "bench-salt"))
    default_sampler = Sampler(logging.sampling)
    keep_all = Sampler({"debug": 1.0, "info": 1.0, "warn": 1.0, "error": 1.0, "fatal": 1.0})

    def baseline() -> None:
        json.loads(payload)

    def pipeline(sampler: Sampler) -> None:
        batch = parse_native(payload, NOW, None, args.entries)
        prepared = prepare(batch, sampler, scrubber, logging.buffer.shards)
        for shard in prepared.shards.values():
            shard.encode(None)  # the bytes sent to the shards: the encode step

    results = {}
    # Interleave the three so machine noise hits them alike.
    base_runs, default_runs, all_runs = [], [], []
    for _ in range(args.runs):
        base_runs += timed(baseline, 1)
        default_runs += timed(lambda: pipeline(default_sampler), 1)
        all_runs += timed(lambda: pipeline(keep_all), 1)
    base = statistics.median(base_runs)
    for name, runs in (("default_sampling", default_runs), ("keep_everything", all_runs)):
        med = statistics.median(runs)
        results[name] = {
            "median_s": round(med, 4),
            "events_per_s": round(args.entries / med),
            "ratio_to_json_loads": round(med / base, 2),
        }
    report = {
        "benchmark": "log ingest pipeline (parse+validate+sample+scrub+encode) vs json.loads, CPython",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "entries": args.entries,
        "payload_bytes": len(payload),
        "runs": args.runs,
        "json_loads": {"median_s": round(base, 4), "events_per_s": round(args.entries / base)},
        "pipeline": results,
        "goal": "ratio_to_json_loads <= 4 with the default sampling",
        "goal_met": results["default_sampling"]["ratio_to_json_loads"] <= 4,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "log_pipeline.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
