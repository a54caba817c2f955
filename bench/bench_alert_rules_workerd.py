"""Benchmark: the ``*/1`` job ``alerts.evaluate_rules`` on real workerd, 500 rules over 1,000 series.

The stack is started with the rules of bench_alert_rules's generator (five forms: error_rate,
p95_response_time, an explicit p99 by service, error_rate and p95 together, an avg by service and
route). Real ingest gives every query 1,000 series: timing points of ``http_request_duration_ms``
for 1,000 services (one route each) through ``POST /monitoring/metrics`` and log entries of the
same 1,000 services through ``POST /logs/ingest``, all in the minute before the first evaluation.
A fraction of the services (1% by default) is slow and erroring, so every rule fires for some
series, as in a bad minute.

Each run delivers the */1 cron through workerd's scheduled route for the next minute (the first
makes the ``for: 1m`` series pending, the second fires them, the later ones are the steady state),
then reads the cron report (``GET /monitoring/cron``: the job's status and duration as
pitchey-monitoring's fan-out timed it around the ``run_job`` RPC) and the CPU the workerd
processes spent during the cron (/proc, utime + stime). That CPU is an upper bound for the job's:
it includes the other two */1 jobs (probe_workers, run_checks with no checks) and the work of every
Worker and Durable Object the job calls (pitchey-logs' minute counts, pitchey-monitoring's metric
windows, the AlertCenter), each of which is a separate invocation with its own limit in production.
Group timers are set to 1 h so no notification is sent while the bench runs.

The results go into the ``workerd`` section of bench/results/alert_rules.json (the CPython figures
of bench_alert_rules stay).

    .venv/bin/python -m bench.bench_alert_rules_workerd [--rules 500 --series 1000 --runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_alert_rules import CPU_LIMIT_MS, MINUTE_MS, RESULTS, rules_config
from bench.bench_alert_storm import workerd_cpu
from bench.loadgen import machine
from edgewatch.schedule import EVERY_MINUTE
from scripts.stack import Stack
from tests.support.sink import Sink

ROUTES = 20
METRIC_BATCH = 10_000  # points per POST (the ingest limit)
LOG_BATCH = 10_000  # entries per POST (the default maxEntries)
JOB = "alerts.evaluate_rules"

READ_H: dict[str, str] = {}  # a development stack without tokens: every read is open


def alerting(n_rules: int, slack_url: str) -> dict[str, Any]:
    config = rules_config(n_rules).model_dump(by_alias=True, exclude_none=True, mode="json")
    return {
        "channels": {"slack": {"enabled": True, "webhook": slack_url}},
        "rules": config["rules"],
        # long group timers: the bench times the job, not the notifications it leads to
        "route": {"receiver": "slack", "groupBy": ["alertname", "service"], "groupWait": "1h", "groupInterval": "1h"},
    }


def bench_stack(root: Path, n_rules: int, slack_url: str) -> Stack:
    config = {"healthChecks": {"endpoints": []}, "alerting": alerting(n_rules, slack_url)}
    return Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="development",
        dashboard_port=None,
        example_api=False,
        read_dev_vars=False,
        extra_vars={"MONITORING_CONFIG_JSON": json.dumps(config)},
    )


def service_of(i: int) -> str:
    return f"svc-{i:04d}"


def metric_points(n_series: int, bad: set[int], start_ms: int, rng: random.Random) -> list[dict[str, Any]]:
    """Eight timings per series spread over the minute; the bad services' are 2.5-3.5 s."""
    points = []
    for i in range(n_series):
        labels = {"service": service_of(i), "route": f"/api/r{i % ROUTES}", "method": "GET"}
        for k in range(8):
            value = rng.uniform(2500, 3500) if i in bad else rng.uniform(40, 180)
            ts = start_ms + (k * 7_000) + rng.randrange(1_000)
            points.append({"name": "http_request_duration_ms", "type": "timing", "value": round(value, 1),
                           "timestamp": ts, "labels": labels})  # fmt: skip
    return points


def log_entries(n_series: int, bad: set[int], start_ms: int) -> list[dict[str, Any]]:
    """Ten entries per service; half of a bad service's are errors."""
    out = []
    for i in range(n_series):
        for k in range(10):
            level = "error" if i in bad and k % 2 == 0 else "info"
            out.append({"level": level, "message": f"request {k}", "service": service_of(i),
                        "timestamp": start_ms + k * 5_000})  # fmt: skip
    return out


def post_all(stack: Stack, path: str, items: list[dict[str, Any]], size: int) -> None:
    for first in range(0, len(items), size):
        body = items[first : first + size]
        status, answer = stack.request("POST", path, body, {"content-type": "application/json"}, timeout=300)
        if status not in (200, 202):
            raise SystemExit(f"POST {path} -> {status}: {answer}")


def last_report(stack: Stack) -> dict[str, Any]:
    status, body = stack.request("GET", "/monitoring/cron", headers=READ_H)
    if status != 200:
        raise SystemExit(f"GET /monitoring/cron -> {status}: {body}")
    schedule = next(s for s in body["schedules"] if s["cron"] == EVERY_MINUTE)
    report: dict[str, Any] = schedule["last_run"]
    return report


def one_cron(stack: Stack, minute: int) -> dict[str, Any]:
    cpu = workerd_cpu(stack)
    began = time.perf_counter()
    outcome = stack.trigger_cron(EVERY_MINUTE, minute, timeout=600)
    wall_ms = (time.perf_counter() - began) * 1000
    cpu_ms = (workerd_cpu(stack) - cpu) * 1000
    report = last_report(stack)
    if report["scheduled_ms"] != minute:
        raise SystemExit(f"the cron report is of {report['scheduled_ms']}, not {minute}: {report}")
    job = next(j for j in report["jobs"] if j["job"] == JOB)
    result = job.get("result") or {}
    outcomes: dict[str, int] = {}
    for value in (result.get("rules") or {}).values():
        outcomes[value] = outcomes.get(value, 0) + 1
    return {
        "scheduled_ms": minute,
        "workerd_outcome": outcome.get("outcome"),
        "job_status": job["status"],
        "job_detail": job.get("detail", ""),
        "job_duration_ms": job["duration_ms"],
        "cron_wall_ms": round(wall_ms, 1),
        "other_jobs_ms": {j["job"]: j["duration_ms"] for j in report["jobs"] if j["job"] != JOB},
        "workerd_cpu_ms": round(cpu_ms, 1),
        "queries": result.get("queries"),
        "alerts_to_center": result.get("alerts"),
        "rule_outcomes": outcomes,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-rules-"))
    sink = Sink().start()
    stack = bench_stack(root, args.rules, f"{sink.url}/slack/hooks/T000/B000/RULES")
    rng = random.Random(7)
    bad = set(rng.sample(range(args.series), max(1, round(args.series * args.bad_fraction))))
    first = (int(time.time() * 1000) // MINUTE_MS + 1) * MINUTE_MS
    data_start = first - MINUTE_MS
    runs: list[dict[str, Any]] = []
    try:
        stack.start()
        began = time.perf_counter()
        post_all(stack, "/monitoring/metrics", metric_points(args.series, bad, data_start, rng), METRIC_BATCH)
        post_all(stack, "/logs/ingest", log_entries(args.series, bad, data_start), LOG_BATCH)
        ingest_s = time.perf_counter() - began
        for k in range(args.runs):
            runs.append(one_cron(stack, first + k * MINUTE_MS))
            print(json.dumps(runs[-1]), flush=True)
        notified = len(sink.requests("/slack"))
    finally:
        stack.stop()
        sink.stop()
        shutil.rmtree(root, ignore_errors=True)
    ok = [r for r in runs if r["job_status"] == "ok"]
    out: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "loadavg_at_end": os.getloadavg(),
        "rules": args.rules,
        "series_per_query": args.series,
        "bad_series": len(bad),
        "runs": args.runs,
        "ingest_s": round(ingest_s, 1),
        "jobs_ok": len(ok),
        "notifications_during_bench": notified,
        "per_run": runs,
    }
    if ok:
        cpu = [r["workerd_cpu_ms"] for r in ok]
        wall = [r["job_duration_ms"] for r in ok]
        out |= {
            "job_wall_ms_median": round(statistics.median(wall), 1),
            "job_wall_ms_max": round(max(wall), 1),
            "workerd_cpu_ms_median": round(statistics.median(cpu), 1),
            "workerd_cpu_ms_max": round(max(cpu), 1),
            "cpu_limit_ms": CPU_LIMIT_MS,
            "share_of_cpu_limit_worst": round(max(cpu) / CPU_LIMIT_MS, 4),
            "margin_to_cpu_limit_ms_worst": round(CPU_LIMIT_MS - max(cpu), 1),
        }
    out["note"] = (
        "workerd CPU during the */1 cron (all three jobs and every Worker and Durable Object they call): an upper "
        "bound for the evaluate_rules invocation's CPU; first run = pending, second = firing, then steady"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bad-fraction", type=float, default=0.01)
    parser.add_argument("--output", type=Path, default=RESULTS / "alert_rules.json")
    args = parser.parse_args(argv)
    section = run(args)
    existing: dict[str, Any] = (
        json.loads(args.output.read_text()) if args.output.exists() else {"benchmark": "alert_rules"}
    )
    section["findings"] = existing.get("workerd", {}).get("findings", [])  # earlier runs' (before their fixes)
    existing["workerd"] = section
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(existing, indent=2) + "\n")
    summary = {k: v for k, v in section.items() if k != "per_run"}
    print(json.dumps(summary, indent=2))
    return 0 if section["jobs_ok"] == args.runs else 1


if __name__ == "__main__":
    raise SystemExit(main())
