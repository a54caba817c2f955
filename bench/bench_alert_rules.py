"""Benchmark: evaluating 500 alerting rules over 1,000 series, as one */1 run does, in the core.

The run's work after the data is fetched: every rule's condition evaluated over its queries'
results, every rule's series state advanced (pending, firing, steady), and the alerts built. Three
consecutive minutes are timed (the first makes series pending, the second fires them, the third
is the steady state). Wall and CPU time are reported with the margin to a Worker invocation's CPU
limit (30 s by default on the Paid plan; the Free plan allows 10 ms, which no rule engine fits).

CPython measures the core; Pyodide in workerd runs the same code slower: bench_alert_rules_workerd
runs the whole job on the real stack and writes the ``workerd`` section of the same results file.

    .venv/bin/python -m bench.bench_alert_rules [--rules 500 --series 1000 --runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.loadgen import machine
from edgewatch.alerts.evaluate import SeriesQuery, evaluate
from edgewatch.alerts.model import label_set
from edgewatch.alerts.ruleconfig import compile_rules
from edgewatch.alerts.rulestate import RuleState
from edgewatch.config import AlertingConfig

RESULTS = Path(__file__).resolve().parent / "results"
CPU_LIMIT_MS = 30_000.0
MINUTE_MS = 60_000


def rules_config(n: int) -> AlertingConfig:
    forms = (
        "error_rate > {t}",
        "p95_response_time > {ms}",
        'p99(http_request_duration_ms{{route=~"/api/.*"}}[5m]) by (service) > {ms}',
        "error_rate > {t} and p95_response_time > {ms}",
        'avg(http_request_duration_ms{{method!="HEAD"}}[5m]) by (service, route) > {ms}',
    )
    rules = []
    for i in range(n):
        condition = forms[i % len(forms)].format(t=0.01 + (i % 7) * 0.01, ms=200 + (i % 11) * 100)
        rules.append({"name": f"rule-{i:03d}", "condition": condition, "severity": "warning", "channels": ["slack"],
                      "for": "1m"})  # fmt: skip
    return AlertingConfig.model_validate({"channels": {"slack": {}}, "rules": rules})


def fake_results(query: SeriesQuery, series: int, rng: random.Random) -> dict[Any, float]:
    """``series`` label sets spread over 50 services and 20 routes, values around the thresholds."""
    out = {}
    for i in range(series):
        labels = {"service": f"svc-{i % 50}", "route": f"/api/r{i // 50}"}
        key = label_set({k: v for k, v in labels.items() if k in query.by})
        if query.name == "log_events":
            out[key] = float(rng.randint(0, 400))
        else:
            out[key] = rng.uniform(50, 1500)
    return out


def one_run(n_rules: int, n_series: int, seed: int) -> dict[str, float]:
    compiled = compile_rules(rules_config(n_rules))
    rng = random.Random(seed)
    queries = {q for rule in compiled for q in rule.queries}
    fetched = {q: fake_results(q, n_series, rng) for q in queries}
    states = {rule.spec.name: RuleState(rule.spec.name) for rule in compiled}
    minutes = []
    alerts = 0
    for minute in range(3):
        eval_ms = 1_800_000_000_000 + minute * MINUTE_MS
        wall, cpu = time.perf_counter(), time.process_time()
        for rule in compiled:
            vector = evaluate(rule.condition, fetched)
            result = states[rule.spec.name].evaluate(rule.spec, vector, eval_ms, 0)
            alerts += len(result.alerts)  # the Alerts the dispatcher gets, built by the state
        minutes.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return {
        "queries": float(len(queries)),
        "alerts_emitted": float(alerts),
        "wall_ms_max_minute": max(m[0] for m in minutes),
        "cpu_ms_max_minute": max(m[1] for m in minutes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = [one_run(args.rules, args.series, seed) for seed in range(args.runs)]
    cpu = statistics.median(r["cpu_ms_max_minute"] for r in runs)
    result = {
        "benchmark": "alert_rules",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "rules": args.rules,
        "series_per_query": args.series,
        "runs": args.runs,
        "distinct_queries": runs[0]["queries"],
        "alerts_emitted_over_3_minutes": runs[0]["alerts_emitted"],
        "wall_ms_median_of_worst_minute": round(statistics.median(r["wall_ms_max_minute"] for r in runs), 1),
        "cpu_ms_median_of_worst_minute": round(cpu, 1),
        "cpu_limit_ms": CPU_LIMIT_MS,
        "share_of_cpu_limit": round(cpu / CPU_LIMIT_MS, 4),
        "note": "CPython core only (fetch excluded); Pyodide runs the same code slower",
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "alert_rules.json"
    if path.exists():  # the workerd section (bench_alert_rules_workerd) stays
        previous = json.loads(path.read_text())
        if "workerd" in previous:
            result["workerd"] = previous["workerd"]
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
