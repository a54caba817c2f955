"""Benchmark: a Worker's health endpoint vs the platform floor, and the stack's start-up time.

Both run the same way, in one wrangler session on real workerd, reached through the same local
router: pitchey-alerts' GET /alerts/health (a KV write, read and delete per request) and a minimal
Python Worker answering a constant JSON body (the floor). Runs alternate between the two; the
report gives medians over the runs and the ratios measured side by side.

    ./dev bench health            # or: .venv/bin/python -m bench.bench_health --runs 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.loadgen import LoadResult, machine, median, run_load
from scripts.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
FLOOR_ENTRY = ROOT / "bench" / "floor" / "entry.py"
RESULTS = ROOT / "bench" / "results"


def measure_startup(runs: int) -> list[float]:
    """Seconds from starting wrangler until all six Workers answer their health endpoint."""
    times = []
    for _ in range(runs):
        state = Path(tempfile.mkdtemp(prefix="bench-startup-"))
        stack = Stack(persist_dir=state / "state", log_path=state / "wrangler.log", dashboard_port=None)
        try:
            stack.start()
            times.append(stack.ready_s - stack.started_s)
        finally:
            stack.stop()
            shutil.rmtree(state, ignore_errors=True)
    return times


def summarize(results: list[LoadResult]) -> dict[str, float]:
    return {
        "rps": median([r.rps for r in results]),
        "p50_ms": median([r.p50_ms for r in results]),
        "p99_ms": median([r.p99_ms for r in results]),
        "errors": sum(r.errors for r in results),
        "requests": sum(r.requests for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--startup-runs", type=int, default=3)
    args = parser.parse_args(argv)

    startup = measure_startup(args.startup_runs)

    state = Path(tempfile.mkdtemp(prefix="bench-health-"))
    stack = Stack(
        persist_dir=state / "state",
        log_path=state / "wrangler.log",
        dashboard_port=None,
        extra_workers=[("floor", "FLOOR", FLOOR_ENTRY, "bench-floor")],
    )
    ours: list[LoadResult] = []
    floor: list[LoadResult] = []
    try:
        stack.start()
        status, _ = stack.request("GET", "/floor/")
        if status != 200:
            raise SystemExit(f"floor worker answered {status}")
        for _ in range(args.runs):
            floor.append(run_load(f"{stack.base_url}/floor/", args.seconds, args.connections))
            ours.append(run_load(f"{stack.base_url}/alerts/health", args.seconds, args.connections))
    finally:
        stack.stop()
        shutil.rmtree(state, ignore_errors=True)

    a, b = summarize(ours), summarize(floor)
    ratios = {
        "rps_health_over_floor": round(a["rps"] / b["rps"], 3),
        "p50_health_over_floor": round(a["p50_ms"] / b["p50_ms"], 3),
        "p99_health_over_floor": round(a["p99_ms"] / b["p99_ms"], 3),
    }
    startup_median = round(statistics.median(startup), 2)
    report = {
        "benchmark": "health endpoint vs platform floor (real workerd, one wrangler session, via the local router)",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "settings": {"runs": args.runs, "seconds_per_run": args.seconds, "connections": args.connections},
        "startup_s": {"runs": [round(t, 2) for t in startup], "median": startup_median},
        "health": {k: round(v, 2) for k, v in a.items()},
        "floor": {k: round(v, 2) for k, v in b.items()},
        "ratios": ratios,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "health.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(
        f"\nstart-up (median of {len(startup)}): {startup_median} s\n"
        f"/alerts/health: {a['rps']:.0f} req/s, p50 {a['p50_ms']:.1f} ms, p99 {a['p99_ms']:.1f} ms\n"
        f"floor:          {b['rps']:.0f} req/s, p50 {b['p50_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms\n"
        f"ratio health/floor: throughput {ratios['rps_health_over_floor']}, "
        f"p50 {ratios['p50_health_over_floor']}, p99 {ratios['p99_health_over_floor']}"
    )
    if a["errors"] or b["errors"]:
        print(f"WARNING: errors during load: health {a['errors']}, floor {b['errors']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
