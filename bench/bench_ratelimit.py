"""What rate limiting costs a request, on real workerd.

Two Python Workers behind the same local router in one wrangler session: the platform floor
(bench/floor: a constant answer) and the example platform API (examples/platform_api), whose
fetch handler is wrapped by edgewatch_cf.guard.protect, so each request makes a service-binding
RPC to pitchey-security, which inspects it for threats and asks the identifier's RateLimiter
Durable Object (a sliding-log decision written to its SQLite storage) before the handler runs.
Runs alternate between the two; the difference is the time the check adds.

Then decisions per second that one RateLimiter object sustains, two ways: POST /security/check
for a single identifier (so every decision lands in the same object) from several connections,
the whole HTTP path included; and straight from the security Worker to one object with 50
decisions in flight (POST /security/_bench/decisions, local stacks only), the object alone.

The rule is made generous (10^9 per hour) so every request is allowed and does the full work.
Medians of --runs runs; the load generator shares the machine's cores with workerd, so the
absolute numbers are lower bounds.

    .venv/bin/python -m bench.bench_ratelimit [--runs 5 --seconds 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.loadgen import LoadResult, machine, run_load
from scripts.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"
FLOOR_ENTRY = Path(__file__).resolve().parent / "floor" / "entry.py"
TOKEN = "bench-ingest-token-000001"
RULES = [{"id": "bench-api", "endpoint": "/api/*", "limits": [{"requests": 1_000_000_000, "windowMs": 3_600_000}]}]


def summary(results: list[LoadResult]) -> dict[str, float]:
    return {
        "rps": round(statistics.median(r.rps for r in results), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in results), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in results), 2),
        "errors": sum(r.errors for r in results),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args(argv)

    state = Path(tempfile.mkdtemp(prefix="bench-ratelimit-"))
    stack = Stack(
        persist_dir=state / "state",
        log_path=state / "wrangler.log",
        environment="development",  # no test-only fault checks on the measured path
        dashboard_port=None,
        extra_workers=[("floor", "FLOOR", FLOOR_ENTRY, "bench-floor")],
        extra_vars={"SECURITY_RULES_JSON": json.dumps(RULES), "LOG_INGEST_TOKENS": json.dumps({TOKEN: "*"})},
    )
    floor: list[LoadResult] = []
    guarded: list[LoadResult] = []
    decisions: list[LoadResult] = []
    direct: list[float] = []
    check_body = json.dumps({"path": "/api/pitches", "ip": "203.0.113.9"}).encode()
    check_headers = {"content-type": "application/json", "authorization": f"Bearer {TOKEN}"}
    try:
        stack.start()
        for path in ("/floor/", "/api/pitches"):
            status, body = stack.request("GET", path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}: {body}")
        for _ in range(args.runs):
            floor.append(run_load(f"{stack.base_url}/floor/", args.seconds, args.connections))
            guarded.append(run_load(f"{stack.base_url}/api/pitches", args.seconds, args.connections))
        for _ in range(args.runs):
            decisions.append(
                run_load(
                    f"{stack.base_url}/security/check",
                    args.seconds,
                    args.connections * 2,
                    method="POST",
                    body=check_body,
                    headers=check_headers,
                )
            )
        for _ in range(args.runs):
            status, body = stack.request(
                "POST", "/security/_bench/decisions?n=2000&concurrency=50", b"", check_headers, timeout=300
            )
            if status != 200 or body["allowed"] != body["decisions"]:
                raise SystemExit(f"direct decisions: {status} {body}")
            direct.append(float(body["per_s"]))
    finally:
        stack.stop()
        shutil.rmtree(state, ignore_errors=True)

    a, b, d = summary(guarded), summary(floor), summary(decisions)
    report = {
        "benchmark": "rate-limit check added to a request, and decisions/s of one RateLimiter object (real workerd)",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "settings": {"runs": args.runs, "seconds_per_run": args.seconds, "connections": args.connections},
        "floor": b,
        "guarded": a,
        "added_ms": {"p50": round(a["p50_ms"] - b["p50_ms"], 2), "p99": round(a["p99_ms"] - b["p99_ms"], 2)},
        "ratios": {
            "p50_guarded_over_floor": round(a["p50_ms"] / b["p50_ms"], 2),
            "p99_guarded_over_floor": round(a["p99_ms"] / b["p99_ms"], 2),
            "rps_guarded_over_floor": round(a["rps"] / b["rps"], 2),
        },
        "one_object_decisions_per_s": {
            "through_http_check": d,
            "direct_rpc_50_in_flight": {"median": round(statistics.median(direct), 1), "all": direct},
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ratelimit.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
