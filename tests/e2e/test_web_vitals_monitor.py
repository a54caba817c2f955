"""The webVitalsMonitor package (packages/web-vitals-monitor, bundled by esbuild) in headless
Chromium reports Core Web Vitals to the real stack:

- one beacon on hide carries the batched metrics, each with the route (routeResolver), the device,
  the user id (setUserId), the navigation type and the document's Server-Timing traceparent; the
  stack files them by route and device and lists them as samples with user, navigation type and trace;
- with navigator.sendBeacon deleted, the same batch goes by fetch(..., {keepalive: true});
- sampleRate 0 sends nothing.

Beacons are counted by the page's own instrumentation (wrappers of sendBeacon and fetch installed
before the module loads), so a test sees each request the page made and its body.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.stack import Stack
from tests.e2e.conftest import READ_TOKEN
from tests.e2e.test_vitals_browser import CHROMIUM_FLAGS, HIDE
from tests.support.targets import Step, Targets

ROOT = Path(__file__).resolve().parents[2]
READ = {"authorization": f"Bearer {READ_TOKEN}"}
ENTRY = ROOT / "tests" / "e2e" / "js" / "web_vitals_monitor_entry.mjs"
BUNDLE_PATH = "/wvm/monitor.js"

# Counts what the page sends, before the module loads; MODE "fetch" deletes navigator.sendBeacon.
INSTRUMENT = """<script>
  window.SENT = [];
  if ("__MODE__" === "fetch") {
    delete Navigator.prototype.sendBeacon;
  } else {
    const beacon = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, body) => {
      SENT.push({via: "beacon", url: String(url), body: String(body)});
      return beacon(url, body);
    };
  }
  const realFetch = window.fetch.bind(window);
  window.fetch = (url, init = {}) => {
    SENT.push({via: "fetch", url: String(url), body: String(init.body), keepalive: init.keepalive === true});
    return realFetch(url, init);
  };
</script>"""

VITALS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Deck</title>__INSTRUMENT__</head><body>
<p id="text">The largest paragraph of this page is long enough to be its largest contentful paint in a
headless browser window of the default size used by the test, and then some more words to be sure.</p>
<script src="__BUNDLE__"></script>
<script>
  webVitalsMonitor.initializeMonitoring({
    endpoint: "__ENDPOINT__", sampleRate: __RATE__, release: "web@e2e", flushAfterMs: 60000, maxBatch: 10,
    routeResolver: (loc) => loc.pathname.replace(/\\/[0-9]+$/, "/:deck"),
    __DEVICE__
  });
  webVitalsMonitor.setUserId("__USER__");
  setTimeout(() => {
    const block = document.createElement("div");
    block.style.height = "90px";
    document.body.insertBefore(block, document.body.firstChild);  // a layout shift: CLS > 0
  }, 300);
</script></body></html>"""


def bundle(tmp: Path) -> bytes:
    out = tmp / "monitor.js"
    esbuild = ROOT / "node_modules" / "esbuild" / "bin" / "esbuild"
    subprocess.run(
        [str(esbuild), str(ENTRY), "--bundle", "--format=iife", f"--outfile={out}",
         '--define:process.env.NODE_ENV="production"'],
        check=True, cwd=ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    return out.read_bytes()


@pytest.fixture(scope="module")
def monitor_js(targets: Targets, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    targets.script(BUNDLE_PATH, Step(200, bundle(tmp_path_factory.mktemp("wvm")), content_type="text/javascript"))
    yield BUNDLE_PATH


def letters() -> str:
    """A route segment unique to this test that the stack's route normaliser keeps as it is."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])


def run_page(chromium: str, url: str, console: list[str] | None = None, hide: bool = True) -> dict[str, Any]:
    """Load the page, let LCP and a layout shift happen, click (ends LCP), hide the page; what it sent."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            if console is not None:
                page.on("console", lambda m: console.append(m.text))
            page.goto(url, wait_until="load")
            page.wait_for_timeout(900)
            page.click("#text")
            page.wait_for_timeout(300)
            if hide:
                page.evaluate(HIDE)
                page.wait_for_timeout(500)
            result: dict[str, Any] = page.evaluate("() => ({sent: SENT, status: webVitalsMonitor.status()})")
        finally:
            browser.close()
    return result


def vitals_page(
    stack: Stack, monitor: str, *, mode: str = "beacon", rate: str = "1", device: str = "", user: str
) -> bytes:
    html = (
        VITALS_PAGE.replace("__INSTRUMENT__", INSTRUMENT.replace("__MODE__", mode))
        .replace("__BUNDLE__", monitor)
        .replace("__ENDPOINT__", stack.base_url + "/monitoring/vitals")
        .replace("__RATE__", rate)
        .replace("__DEVICE__", device)
        .replace("__USER__", user)
    )
    return html.encode()


def beacons(sent: list[dict[str, Any]], stack: Stack) -> list[dict[str, Any]]:
    return [s for s in sent if s["url"] == stack.base_url + "/monitoring/vitals"]


def stored_vitals(stack: Stack, route: str, names: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    metrics: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, body = stack.request("GET", f"/monitoring/vitals?route={urllib.parse.quote(route)}", headers=READ)
        assert status == 200, body
        metrics = body["metrics"]
        if all(metrics.get(n) for n in names):
            break
        time.sleep(0.3)
    return metrics


def samples(stack: Stack, name: str, route: str) -> list[dict[str, Any]]:
    q = urllib.parse.urlencode({"name": name, "route": route})
    status, body = stack.request("GET", f"/monitoring/vitals/samples?{q}", headers=READ)
    assert status == 200, body
    return list(body["samples"])


def test_one_beacon_carries_the_batch_with_route_device_user_navigation_and_trace(
    stack: Stack, targets: Targets, chromium: str, monitor_js: str
) -> None:
    base = f"/decks-{letters()}"
    route = f"{base}/:deck"
    user = f"u-{uuid.uuid4().hex[:6]}"
    trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    url = targets.script(
        f"{base}/42",
        Step(200, vitals_page(stack, monitor_js, user=user), content_type="text/html",
             headers={"server-timing": f'traceparent;desc="00-{trace_id}-{span_id}-01"'}),
    )  # fmt: skip
    result = run_page(chromium, url)

    sent = beacons(result["sent"], stack)
    assert len(sent) == 1 and sent[0]["via"] == "beacon", sent  # everything batched into one beacon, on hide
    assert result["status"]["beacons"] == ["beacon"]
    items = json.loads(sent[0]["body"])["metrics"]
    names = {i["name"] for i in items}
    assert {"FCP", "TTFB", "LCP", "CLS"} <= names, items  # several metrics in one beacon
    for item in items:
        assert item["route"] == route and item["device"] == "desktop" and item["userId"] == user, item
        assert item["navigationType"] == "navigate" and item["traceparent"] == f"00-{trace_id}-{span_id}-01"
    lcp = next(i for i in items if i["name"] == "LCP")
    assert lcp["attribution"].get("target") == "#text", lcp  # the attribution build's scalar fields

    stored = stored_vitals(stack, route, names)
    for name in names:
        groups = {(g["route"], g["device"]): g for g in stored[name]}
        assert groups[(route, "desktop")]["count"] == 1, (name, stored[name])
    found = samples(stack, "LCP", route)
    assert len(found) == 1, found
    sample = found[0]
    assert (sample["route"], sample["device"], sample["user_id"]) == (route, "desktop", user)
    assert sample["navigation_type"] == "navigate"
    assert sample["trace_id"] == trace_id and sample["trace"] == f"/apm/traces/{trace_id}"
    assert sample["value"] == pytest.approx(lcp["value"])


def test_without_send_beacon_the_batch_goes_by_fetch_keepalive(
    stack: Stack, targets: Targets, chromium: str, monitor_js: str
) -> None:
    base = f"/pitches-{letters()}"
    route = f"{base}/:deck"
    page = vitals_page(stack, monitor_js, mode="fetch", device='device: () => "tablet",', user="u-keepalive")
    url = targets.script(f"{base}/7", Step(200, page, content_type="text/html"))
    result = run_page(chromium, url)

    sent = beacons(result["sent"], stack)
    assert len(sent) == 1 and sent[0]["via"] == "fetch" and sent[0]["keepalive"] is True, sent
    assert result["status"]["beacons"] == ["fetch"]
    items = json.loads(sent[0]["body"])["metrics"]
    names = {i["name"] for i in items}
    assert {"FCP", "TTFB", "LCP", "CLS"} <= names
    stored = stored_vitals(stack, route, names)
    for name in names:
        groups = {(g["route"], g["device"]): g for g in stored[name]}
        assert groups[(route, "tablet")]["count"] == 1, (name, stored[name])  # the device option's function
    assert samples(stack, "LCP", route)[0]["user_id"] == "u-keepalive"


def test_sample_rate_zero_sends_nothing(stack: Stack, targets: Targets, chromium: str, monitor_js: str) -> None:
    base = f"/unsampled-{letters()}"
    url = targets.script(
        f"{base}/1", Step(200, vitals_page(stack, monitor_js, rate="0", user="u-0"), content_type="text/html")
    )
    result = run_page(chromium, url)
    assert result["sent"] == [] and result["status"]["sampled"] is False, result
    time.sleep(1.0)
    status, body = stack.request("GET", f"/monitoring/vitals?route={base}/:deck", headers=READ)
    assert status == 200 and all(groups == [] for groups in body["metrics"].values()), body
