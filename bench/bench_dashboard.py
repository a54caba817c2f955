"""Benchmark: the dashboard's choices measured side by side in one headless Chromium.

- Charts: the same line series drawn by uPlot (the dashboard's library) and by Chart.js 4 (its
  usual alternative, npm, tree-shaken to a line chart): 20 charts made back to back and timed to
  the frame that shows them, per chart (so the 16 ms frame does not decide), interleaved, median
  of the runs: a day of 1-minute points for 5 series, a week for 1 series,
  and a dense 50k-point series. Goal: uPlot at least as fast as Chart.js at each size.
- Bundle: each library alone, minified by esbuild, gzipped; and the dashboard's own main.js.
- Safe rendering: a 1,000- and 5,000-row table built by the dashboard's DOM builder (text nodes
  only) against an escaped innerHTML string, the common alternative. Goal: the safe path costs at
  most 2x the string.

    .venv/bin/python -m bench.bench_dashboard [--runs 7]
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench.loadgen import machine
from scripts.dashboard import DIST, build
from scripts.toolchain import NODE_MODULES, ROOT, ensure_peers

RESULTS = Path(__file__).resolve().parent / "results"
SOURCES = Path(__file__).resolve().parent / "dashboard"
CHARTS = [("1 day, 5 series", 1440, 5), ("7 days, 1 series", 10080, 1), ("dense, 1 series", 50000, 1)]
TABLES = (1000, 5000)


def bundle(entry: Path, out: Path) -> Path:
    esbuild = NODE_MODULES / "esbuild" / "bin" / "esbuild"
    result = subprocess.run(
        [str(esbuild), str(entry), "--bundle", "--minify", "--format=esm", f"--outfile={out}", "--log-level=warning"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"esbuild failed: {result.stderr}")
    return out


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    chromium = ensure_peers(("chromium",))["chromium"]
    build()
    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        bundle(SOURCES / "entry.js", work / "bench.js")
        sizes = {
            "uplot_gzip_bytes": gz(bundle(SOURCES / "only_uplot.js", work / "uplot.js")),
            "chartjs_line_gzip_bytes": gz(bundle(SOURCES / "only_chartjs.js", work / "chartjs.js")),
            "dashboard_main_js_gzip_bytes": gz(DIST / "main.js"),
        }
        (work / "index.html").write_text(
            '<!doctype html><meta charset="utf-8"><script type="module" src="bench.js"></script>'
        )
        handler = partial(_Quiet, directory=str(work))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            report = run(str(chromium), f"http://127.0.0.1:{server.server_address[1]}/", args.runs)
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["bundle"] = {
        **sizes,
        "chartjs_over_uplot": round(sizes["chartjs_line_gzip_bytes"] / sizes["uplot_gzip_bytes"], 2),
    }
    report["goal"] = "uPlot at least as fast as Chart.js at every size; safe DOM at most 2x an escaped innerHTML string"
    report["goal_met"] = all(c["chartjs_over_uplot"] >= 1.0 for c in report["charts"].values()) and all(
        t["dom_over_innerhtml"] <= 2.0 for t in report["tables"].values()
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def run(chromium: str, url: str, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "runs": runs,
        "charts": {}, "tables": {},
    }  # fmt: skip
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_function("() => window.bench !== undefined")
        report["browser"] = browser.version
        for label, points, count in CHARTS:
            for _ in range(2):  # warm-up
                page.evaluate("([p, c]) => Promise.all([bench.uplot(p, c), bench.chartjs(p, c)])", [points, count])
            u, c = [], []
            for _ in range(runs):  # interleaved
                u.append(page.evaluate("([p, c]) => bench.uplot(p, c)", [points, count]))
                c.append(page.evaluate("([p, c]) => bench.chartjs(p, c)", [points, count]))
            mu, mc = statistics.median(u), statistics.median(c)
            report["charts"][label] = {
                "points": points * count, "uplot_ms": round(mu, 2), "chartjs_ms": round(mc, 2),
                "chartjs_over_uplot": round(mc / mu, 2),
            }  # fmt: skip
        for rows in TABLES:
            page.evaluate("(r) => Promise.all([bench.domTable(r), bench.htmlTable(r)])", rows)
            d, s = [], []
            for _ in range(runs):
                d.append(page.evaluate("(r) => bench.domTable(r)", rows))
                s.append(page.evaluate("(r) => bench.htmlTable(r)", rows))
            md, ms = statistics.median(d), statistics.median(s)
            report["tables"][f"{rows} rows"] = {
                "dom_ms": round(md, 2), "innerhtml_ms": round(ms, 2), "dom_over_innerhtml": round(md / ms, 2),
            }  # fmt: skip
        browser.close()
    return report


if __name__ == "__main__":
    raise SystemExit(main())
