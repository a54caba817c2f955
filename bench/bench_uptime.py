"""The */1 cron with 100 uptime checks on real workerd, a tenth of them slow.

100 checks against local HTTP servers: 90 answer at once, 10 after SLOW_S. Each run delivers the
*/1 cron (at successive scheduled minutes, so every check is due) and measures:
- wall time of the whole cron delivery, and of the run_checks job as the job reports it;
- CPU time the workerd processes used during the delivery (user + system, from /proc), which
  bounds the Worker's CPU time from above (it includes every Worker in the session and workerd);
side by side with
- the floor: no scheduler can finish before ceil(slow / concurrency) * SLOW_S (the slow probes
  are indivisible; the fast ones fit beside them);
- CPython's httpx.AsyncClient running the same 100 probes with the same concurrency bound.
Medians over RUNS deliveries.

    .venv/bin/python -m bench.bench_uptime [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.loadgen import machine
from scripts.stack import Stack
from tests.support.targets import Step, Targets

RESULTS = Path(__file__).resolve().parent / "results"
CHECKS = 100
SLOW_EVERY = 10  # every tenth check is slow
SLOW_S = 1.0
CONCURRENCY = 6
MIN = 60_000
ADMIN = "bench-admin-token-000001"
START = 1_956_528_000_000  # 2032-01-01T00:00:00Z: clear of any other run's minutes

READ_H = {"authorization": f"Bearer {ADMIN}"}  # an admin reads too


def _tree_cpu_s(root_pid: int) -> float:
    """User + system seconds of a process and all its descendants (workerd runs under wrangler)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        stats[pid] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


async def _httpx_run(urls: list[str], concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=10.0) as client:

        async def one(url: str) -> None:
            async with gate:
                response = await client.get(url)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        return time.perf_counter() - started


def run(runs: int) -> dict[str, Any]:
    targets = Targets().start()
    urls = []
    for i in range(CHECKS):
        step = Step(200, b'{"status":"healthy"}', SLOW_S if i % SLOW_EVERY == 0 else 0.0)
        urls.append(targets.script(f"/bench/{i}", step))
    config = json.loads(
        (Path(__file__).resolve().parent.parent / "shared/edgewatch/defaults/monitoring-config.json").read_text()
    )
    config["healthChecks"]["endpoints"] = []
    config["healthChecks"]["concurrency"] = CONCURRENCY
    with tempfile.TemporaryDirectory(prefix="bench-uptime-") as tmp:
        stack = Stack(
            persist_dir=Path(tmp) / "state",
            log_path=Path(tmp) / "wrangler.log",
            environment="test",
            dashboard_port=None,
            extra_vars={"MONITORING_CONFIG_JSON": json.dumps(config), "ADMIN_TOKENS": ADMIN},
        )
        stack.start()
        try:
            headers = {"content-type": "application/json", "authorization": f"Bearer {ADMIN}"}
            for i, url in enumerate(urls):
                status, body = stack.request("POST", "/monitoring/checks", {"id": f"bench-{i}", "url": url}, headers)
                if status != 201:
                    raise SystemExit(f"creating check {i}: {status} {body}")
            assert stack.process is not None
            walls, jobs, cpus = [], [], []
            for k in range(runs + 1):  # the first delivery warms the isolates and is not counted
                t = START + k * MIN
                cpu_before = _tree_cpu_s(stack.process.pid)
                started = time.perf_counter()
                outcome = stack.trigger_cron("*/1 * * * *", t, timeout=300)
                wall = time.perf_counter() - started
                cpu = _tree_cpu_s(stack.process.pid) - cpu_before
                if outcome.get("outcome") != "ok":
                    raise SystemExit(f"cron failed: {outcome}")
                _, cron = stack.request("GET", "/monitoring/cron", headers=READ_H)
                last = next(s for s in cron["schedules"] if s["cron"] == "*/1 * * * *")["last_run"]
                job = next(j for j in last["jobs"] if j["job"] == "monitoring.run_checks")
                if job["status"] != "ok" or job["result"]["probed"] != CHECKS or job["result"]["failed"]:
                    raise SystemExit(f"run {k} did not probe every check cleanly: {job}")
                if k:
                    walls.append(wall)
                    jobs.append(job["result"]["took_ms"] / 1000)
                    cpus.append(cpu)
                print(f"run {k}: cron {wall:.2f}s, job {job['result']['took_ms'] / 1000:.2f}s, workerd CPU {cpu:.2f}s")
        finally:
            stack.stop()
    # The baseline gets the order the runner uses after its first run: slowest first.
    ordered = sorted(urls, key=lambda u: int(u.rsplit("/", 1)[1]) % SLOW_EVERY != 0)
    httpx_walls = [asyncio.run(_httpx_run(ordered, CONCURRENCY)) for _ in range(runs)]
    targets.stop()

    slow = CHECKS // SLOW_EVERY
    floor = -(-slow // CONCURRENCY) * SLOW_S
    wall_med, job_med, httpx_med = statistics.median(walls), statistics.median(jobs), statistics.median(httpx_walls)
    return {
        "benchmark": "*/1 cron with 100 uptime checks on real workerd (10 slow)",
        "date": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "checks": CHECKS,
        "slow_checks": slow,
        "slow_delay_s": SLOW_S,
        "concurrency": CONCURRENCY,
        "runs": runs,
        "cron_wall_s": {"median": round(wall_med, 3), "all": [round(w, 3) for w in walls]},
        "job_wall_s": {"median": round(job_med, 3), "all": [round(w, 3) for w in jobs]},
        "workerd_cpu_s": {"median": round(statistics.median(cpus), 3), "all": [round(c, 3) for c in cpus]},
        "floor_s": round(floor, 3),
        "httpx_same_probes_s": {"median": round(httpx_med, 3), "all": [round(w, 3) for w in httpx_walls]},
        "ratios": {
            "job_over_floor": round(job_med / floor, 2),
            "job_over_httpx": round(job_med / httpx_med, 2),
            "cpu_per_check_ms": round(statistics.median(cpus) / CHECKS * 1000, 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = run(args.runs)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "uptime.json").write_text(json.dumps(result, indent=2) + "\n")
    keys = ("cron_wall_s", "job_wall_s", "workerd_cpu_s", "floor_s", "ratios")
    print(json.dumps({k: result[k] for k in keys}, indent=2))


if __name__ == "__main__":
    main()
