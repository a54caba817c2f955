"""The real web-vitals library (npm, unchanged) in headless Chromium reports to the stack with
navigator.sendBeacon, as the platform's React front end does.

The page shifts its layout twice and handles a slow click, so CLS and INP are reported several
times under one id (reportAllChanges); the stack must keep each id once, at its final value.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from edgewatch.stack import default_config
from edgewatch.vitals import rate
from scripts.stack import Stack
from tests.e2e.conftest import READ_TOKEN
from tests.support.targets import Step, Targets

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "node_modules" / "web-vitals" / "dist" / "web-vitals.attribution.iife.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Pitch deck</title></head>
<body>
<h1 id="title">Pitch deck</h1>
<p id="text">The largest text on this page is this paragraph, which is long enough to be the LCP element of
the page in a headless browser window of the default size used by the test.</p>
<button id="slow">Slow button</button>
<script src="/vitals/web-vitals.js"></script>
<script>
  const ENDPOINT = "__ENDPOINT__";
  function send(metric) {
    const body = Object.assign({}, metric, {route: "__ROUTE__", device: "desktop", userId: "u-browser"});
    console.log("VITAL " + JSON.stringify({name: metric.name, id: metric.id, value: metric.value}));
    navigator.sendBeacon(ENDPOINT, JSON.stringify(body));
  }
  const all = {reportAllChanges: true};
  webVitals.onCLS(send, all);
  webVitals.onINP(send, all);
  webVitals.onLCP(send);
  webVitals.onFCP(send);
  webVitals.onTTFB(send);
  function shift(px) {
    const block = document.createElement("div");
    block.style.height = px + "px";
    document.body.insertBefore(block, document.body.firstChild);
  }
  setTimeout(() => shift(120), 300);
  setTimeout(() => shift(80), 700);
  document.getElementById("slow").addEventListener("click", () => {
    const end = performance.now() + 250;
    while (performance.now() < end) {}
    document.getElementById("text").textContent += " (clicked)";
  });
</script>
</body></html>
"""

HIDE = """() => {
  Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
  window.dispatchEvent(new Event("pagehide"));
}"""


def vitals(stack: Stack, route: str) -> dict[str, Any]:
    status, body = stack.request(
        "GET", f"/monitoring/vitals?route={route}", headers={"authorization": f"Bearer {READ_TOKEN}"}
    )
    assert status == 200, body
    metrics: dict[str, Any] = body["metrics"]
    return metrics


def test_web_vitals_library_in_chromium_reports_by_send_beacon(stack: Stack, targets: Targets, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    route = f"/pitch-{uuid.uuid4().hex[:8]}"
    page_html = PAGE.replace("__ENDPOINT__", stack.base_url + "/monitoring/vitals").replace("__ROUTE__", route)
    targets.script("/vitals/web-vitals.js", Step(200, LIBRARY.read_bytes(), content_type="text/javascript"))
    url = targets.script("/vitals/page.html", Step(200, page_html.encode(), content_type="text/html"))

    reported: list[dict[str, Any]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on(
                "console", lambda m: reported.append(json.loads(m.text[6:])) if m.text.startswith("VITAL ") else None
            )
            page.goto(url, wait_until="load")
            page.wait_for_timeout(1200)  # both layout shifts happen
            page.click("#slow")
            page.wait_for_timeout(500)
            # The user switches tab: the page becomes hidden and web-vitals flushes CLS, INP and LCP
            # (the same stub web-vitals' own tests use, so the page stays alive to log them).
            page.evaluate(HIDE)
            page.wait_for_timeout(500)
        finally:
            browser.close()

    final: dict[str, dict[str, Any]] = {}
    for item in reported:  # the last report of an id is its final value
        final[item["name"]] = item
    assert {"CLS", "INP", "LCP", "FCP", "TTFB"} <= set(final), reported
    assert sum(1 for r in reported if r["name"] == "CLS") >= 2  # reported several times under one id
    assert final["CLS"]["value"] > 0

    deadline = time.monotonic() + 15
    stored: dict[str, Any] = {}
    while time.monotonic() < deadline:
        stored = vitals(stack, route)
        if all(stored.get(name) and stored[name][0]["count"] >= 1 for name in final):
            break
        time.sleep(0.3)
    for name, item in final.items():
        groups = {(g["route"], g["device"]): g for g in stored[name]}
        group = groups[(route, "desktop")]
        # Each metric id counts once, at its final value (p75 of one value is that value).
        assert group["count"] == 1, (name, group)
        assert group["p75"] == pytest.approx(item["value"]), (name, group, item)
        # The rating is recomputed by the stack from its thresholds, not taken from the library.
        rating = rate(name, item["value"], default_config().web_vitals)
        assert group["rating"] == rating
        assert group["distribution"] == {r: int(r == rating) for r in ("good", "needs-improvement", "poor")}
