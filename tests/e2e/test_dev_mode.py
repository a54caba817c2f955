"""A local development stack (what `./dev up` runs, with no token secrets): the deploy guide's curl
example works exactly as written, and reads are open; the deployed environments require tokens.
This stack also sets a short buffer age (3 s) to show the age threshold flushing without a cron."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgewatch.config import DEFAULTS_DIR
from scripts.stack import Stack


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("dev-mode")
    config = json.loads((DEFAULTS_DIR / "monitoring-config.json").read_text())
    config["logging"]["buffer"] = {"maxAge": "3s"}
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="development",
        dashboard_port=None,
        extra_vars={"MONITORING_CONFIG_JSON": json.dumps(config)},
    )
    stack.start()
    yield stack
    stack.stop()


def test_the_guides_curl_example_as_written(dev_stack: Stack) -> None:
    curl = shutil.which("curl")
    assert curl is not None, "curl is needed for this test (Debian package curl)"
    # From the deploy guide, with only the host replaced; an error line so sampling keeps it.
    script = (
        f"curl -s -X POST {dev_stack.base_url}/logs/ingest "
        '-H "Content-Type: application/json" '
        "-d '{\n"
        '    "level": "error",\n'
        '    "message": "Test log entry",\n'
        '    "service": "test",\n'
        "    \"timestamp\": '$(date +%s000)'\n"
        "  }'"
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True).stdout
    answer = json.loads(out)
    assert answer["accepted"] == 1 and answer["stored"] == 1, answer
    status, body = dev_stack.request("GET", "/logs/search?service=test&q=%22Test+log+entry%22")
    assert status == 200
    assert [m["message"] for m in body["matches"]] == ["Test log entry"]


def test_the_guides_rate_limit_loop_with_curl(dev_stack: Stack) -> None:
    """The guide's loop, with plain curl against the example platform API of `./dev up`."""
    script = (
        f'for i in $(seq 10); do curl -s -o /dev/null -w "%{{http_code}}\\n" {dev_stack.base_url}/api/auth/login; done'
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.split() == ["200"] * 5 + ["429"] * 5


def test_the_guides_xss_probe_needs_encoding_and_then_reaches_the_guard(dev_stack: Stack) -> None:
    """The guide's literal `curl ".../api/test?param=<script>alert('xss')</script>"` is refused by the
    runtime (400 invalid URI) before any Worker runs; encoded, as the README shows, the guard sees
    it and records the threat (the route is in monitor mode, so the API still answers)."""
    raw = f"{dev_stack.base_url}/api/test?param=<script>alert('xss')</script>"
    got = subprocess.run(["curl", "-s", "-w", " %{http_code}", raw], capture_output=True, text=True, timeout=30)
    assert got.stdout.endswith(" 400") and "invalid URI" in got.stdout, got.stdout
    encoded = subprocess.run(
        ["curl", "-s", "-G", "--data-urlencode", "param=<script>alert('xss')</script>", "-w", " %{http_code}",
         f"{dev_stack.base_url}/api/test"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert encoded.stdout.endswith(" 200"), encoded.stdout
    status, body = dev_stack.request("GET", "/security/events?type=threat&limit=5")
    hits = [h for e in body["events"] for h in e["detail"]["hits"]]
    assert status == 200 and any(h["class"] == "xss" and h["location"] == "query.param" for h in hits), body


def test_the_age_threshold_flushes_without_a_cron(dev_stack: Stack) -> None:
    import time

    line = {"level": "error", "message": "aging", "service": "age"}
    status, _ = dev_stack.request("POST", "/logs/ingest", line, {"content-type": "application/json"})
    assert status == 202
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body = dev_stack.request("GET", "/logs/search?service=age")
        if body["count"] == 1 and body["buffered_matches"] == 0:
            break
        time.sleep(0.5)
    stats = dev_stack.request("GET", "/logs/stats")[1]
    assert body["count"] == 1 and body["buffered_matches"] == 0, (body, stats)
    assert sum(s["archived_entries"] for s in stats["shards"]) >= 1
