"""The browser side of APM in headless Chromium, with real libraries unchanged:

- ``@sentry/browser`` (npm, bundled by esbuild) reports exceptions from a page on another origin to
  ``/apm/api/1/envelope/`` (the DSN's key in the query string, CORS); grouping is checked through
  the issues API: one call site with different messages is one issue, another function another
  issue, a custom fingerprint joins two exception types.
- The document answered with ``Server-Timing: traceparent;desc=...`` (as edgewatch_cf.trace sets
  it): the page reads it from the navigation entry and sends it with its Web Vitals beacon, and the
  stored LCP links to that edge trace.
"""

from __future__ import annotations

import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

from scripts.stack import Stack
from tests.e2e.conftest import INGEST_TOKEN, READ_TOKEN, SENTRY_KEY
from tests.e2e.test_vitals_browser import CHROMIUM_FLAGS, HIDE, LIBRARY
from tests.support.targets import Step, Targets

ROOT = Path(__file__).resolve().parents[2]
READ = {"authorization": f"Bearer {READ_TOKEN}"}

SENTRY_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Checkout</title></head><body>
<script src="/apm/sentry.js"></script>
<script>
  Sentry.init({dsn: "__DSN__", release: "web@__RELEASE__", environment: "browser-e2e",
               defaultIntegrations: false, integrations: [Sentry.dedupeIntegration()]});
  function parseOrder(n) { throw new TypeError("order " + n + " has no lines"); }
  function renderCart(n) { throw new RangeError("cart " + n + " is too long"); }
  function report(fn, n, fingerprint) {
    try { fn(n); } catch (e) {
      Sentry.withScope((scope) => { if (fingerprint) scope.setFingerprint(fingerprint); Sentry.captureException(e); });
    }
  }
  report(parseOrder, 1); report(parseOrder, 2); report(parseOrder, 3);
  report(renderCart, 1);
  report(parseOrder, 9, ["checkout-flow-__RELEASE__"]);
  report(renderCart, 9, ["checkout-flow-__RELEASE__"]);
  Sentry.flush(5000).then((ok) => console.log("FLUSHED " + ok));
</script></body></html>
"""

TIMING_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Landing</title></head><body>
<p id="text">A landing page whose largest paragraph is long enough to be the largest contentful paint of
this page in a headless browser window of the default size used by the test, twice over to be sure.</p>
<script src="/vitals/web-vitals.js"></script>
<script>
  const nav = performance.getEntriesByType("navigation")[0];
  const timing = (nav && nav.serverTiming || []).find((t) => t.name === "traceparent");
  console.log("TRACEPARENT " + (timing ? timing.description : ""));
  function send(metric) {
    const body = Object.assign({}, metric, {route: "__ROUTE__", device: "desktop"});
    if (timing) body.traceparent = timing.description;
    navigator.sendBeacon("__ENDPOINT__", JSON.stringify(body));
  }
  webVitals.onLCP(send);
</script></body></html>
"""


def bundle(tmp: Path) -> bytes:
    out = tmp / "sentry.js"
    esbuild = ROOT / "node_modules" / "esbuild" / "bin" / "esbuild"
    subprocess.run(
        [str(esbuild), str(ROOT / "tests/e2e/js/sentry_browser_entry.mjs"), "--bundle",
         "--format=iife", "--minify", f"--outfile={out}"],
        check=True, cwd=ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    return out.read_bytes()


def issues(stack: Stack, release: str) -> list[dict[str, Any]]:
    q = urllib.parse.urlencode({"project": "1", "release": f"web@{release}", "limit": "50"})
    status, body = stack.request("GET", f"/apm/issues?{q}", headers=READ)
    assert status == 200, body
    return list(body["issues"])


def open_page(chromium: str, url: str, console: list[str], hide: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: console.append(m.text))
            page.goto(url, wait_until="load")
            deadline = time.monotonic() + 15
            while not hide and not any(c.startswith("FLUSHED") for c in console) and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            if hide:
                page.wait_for_timeout(800)
                page.click("#text")  # an input ends the LCP observation, as in the web-vitals test
                page.wait_for_timeout(300)
                page.evaluate(HIDE)
                page.wait_for_timeout(500)
        finally:
            browser.close()


def test_sentry_browser_sdk_in_chromium_groups_as_sentry_does(
    stack: Stack, targets: Targets, chromium: str, tmp_path: Path
) -> None:
    release = uuid.uuid4().hex[:8]
    host = stack.base_url.split("://", 1)[1]
    page = SENTRY_PAGE.replace("__DSN__", f"http://{SENTRY_KEY}@{host}/apm/1").replace("__RELEASE__", release)
    targets.script("/apm/sentry.js", Step(200, bundle(tmp_path), content_type="text/javascript"))
    url = targets.script(f"/apm/{release}.html", Step(200, page.encode(), content_type="text/html"))
    console: list[str] = []
    open_page(chromium, url, console)
    assert "FLUSHED true" in console, console

    deadline = time.monotonic() + 20
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = issues(stack, release)
        if sum(i["count"] for i in found) == 6:
            break
        time.sleep(0.3)
    by_title = {i["title"]: i for i in found}
    assert sum(i["count"] for i in found) == 6, found
    assert len(found) == 3, [i["title"] for i in found]
    parse = [i for i in found if i["title"].startswith("TypeError") and i["count"] == 3]
    assert len(parse) == 1, by_title  # three messages from one call site: one issue
    assert any(i["title"].startswith("RangeError") and i["count"] == 1 for i in found)  # another function
    joined = [i for i in found if i["count"] == 2]
    assert len(joined) == 1, by_title  # the custom fingerprint joins a TypeError and a RangeError
    status, detail = stack.request("GET", f"/apm/issues/{parse[0]['id']}/events", headers=READ)
    assert status == 200, detail
    frames = detail["events"][0]["exceptions"][-1]["frames"]
    assert any(f.get("function") == "parseOrder" and f.get("in_app") for f in frames), frames


def test_server_timing_traceparent_joins_the_lcp_to_the_edge_trace(
    stack: Stack, targets: Targets, chromium: str
) -> None:
    route = "/welcome/" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])
    trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    now_ns = time.time_ns()
    span = {"traceId": trace_id, "spanId": span_id, "name": f"GET {route}", "kind": 2,
            "startTimeUnixNano": str(now_ns), "endTimeUnixNano": str(now_ns + 30_000_000)}  # fmt: skip
    otlp = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "web"}}]},
                               "scopeSpans": [{"spans": [span]}]}]}  # fmt: skip
    status, answer = stack.request(
        "POST", "/v1/traces", otlp, {"content-type": "application/json", "authorization": f"Bearer {INGEST_TOKEN}"}
    )
    assert status == 200, answer
    traceparent = f"00-{trace_id}-{span_id}-01"
    page = TIMING_PAGE.replace("__ROUTE__", route).replace("__ENDPOINT__", stack.base_url + "/monitoring/vitals")
    targets.script("/vitals/web-vitals.js", Step(200, LIBRARY.read_bytes(), content_type="text/javascript"))
    url = targets.script(
        f"/landing{route}",
        Step(200, page.encode(), content_type="text/html",
             headers={"server-timing": f'traceparent;desc="{traceparent}"'}),
    )  # fmt: skip
    console: list[str] = []
    open_page(chromium, url, console, hide=True)
    assert f"TRACEPARENT {traceparent}" in console, console
    deadline = time.monotonic() + 15
    samples: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not samples:
        q = urllib.parse.urlencode({"name": "LCP", "route": route})
        status, body = stack.request("GET", f"/monitoring/vitals/samples?{q}", headers=READ)
        assert status == 200, body
        samples = body["samples"]
        time.sleep(0.3)
    status, summary = stack.request("GET", f"/monitoring/vitals?route={route}", headers=READ)
    assert samples and samples[0]["trace_id"] == trace_id, (samples, console, summary)
    status, view = stack.request("GET", samples[0]["trace"], headers=READ)
    assert status == 200 and view["spans"][0]["span_id"] == span_id, view
