"""`./dev up`'s demo traffic: within a minute of starting, a bare development stack (no tokens, as
a newcomer runs it) has requests with errors and slow paths in its traces, logs, an error issue,
metrics, uptime checks probed by the crons the demo delivers, security events, and Web Vitals from
the headless demo page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.demo import DemoTraffic
from scripts.stack import Stack


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("demo")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        config_dir=root / "configs",
        environment="development",
        read_dev_vars=False,
    )
    with stack:
        yield stack


def get(stack: Stack, path: str) -> Any:
    status, body = stack.request("GET", path)
    assert status == 200, (path, body)
    return body


def test_demo_traffic_fills_every_concern_within_a_minute(demo_stack: Stack) -> None:
    demo = DemoTraffic(demo_stack, tick_s=0.5).start()
    found: dict[str, bool] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            summary = get(demo_stack, "/apm/summary")
            endpoints = {e["endpoint"]: e for e in summary["endpoints"]}
            checks = get(demo_stack, "/monitoring/checks")["monitors"]
            vitals = get(demo_stack, "/monitoring/vitals")["metrics"]
            found = {
                "traces with errors": endpoints.get("GET /api/boom", {}).get("errors", 0) > 0,
                "a slow path": any(e["p95_ms"] > 800 for e in summary["endpoints"]),
                "logs": get(demo_stack, "/logs/search?limit=5")["count"] > 0,
                "an error issue": len(get(demo_stack, "/apm/issues?project=1")["issues"]) > 0,
                "metrics": bool(get(demo_stack, "/monitoring/metrics?name=http_request_duration_ms&agg=p95")["series"]),
                "probed checks": sum(1 for c in checks if c["id"].startswith("demo-") and c["last_result"]) >= 2,
                "security events": get(demo_stack, "/security/summary")["total"] > 0,
                "web vitals": any(g["route"] == "/pitches/:id" for g in vitals.get("LCP", [])),
            }
            if all(found.values()):
                break
            time.sleep(3)
    finally:
        demo.stop()
    assert all(found.values()), (found, demo.counts, get(demo_stack, "/monitoring/cron"))
    crashed = [k for k in demo.counts if "crashed" in k or k == "browser-unavailable:599"]
    assert crashed == [], demo.counts
