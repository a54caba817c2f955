"""Frontend errors from the webVitalsMonitor package in headless Chromium reach the stack's
Sentry-compatible ingest and become issues: an uncaught error, an unhandled rejection, and a real
React 19 error boundary's componentDidCatch calling captureError (its component stack kept). Each
carries the release, environment, the route tag, the user, the page URL and in-app frames parsed
from error.stack; a burst of identical errors is sent once and a loop of errors stops at the
page's cap of 20.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from typing import Any

from scripts.stack import Stack
from tests.e2e.conftest import READ_TOKEN, SENTRY_KEY
from tests.e2e.test_vitals_browser import CHROMIUM_FLAGS
from tests.e2e.test_web_vitals_monitor import monitor_js  # noqa: F401  (the bundle, served once per module)
from tests.support.targets import Step, Targets

READ = {"authorization": f"Bearer {READ_TOKEN}"}

ERRORS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Deal room</title></head><body>
<div id="root"></div>
<script src="__BUNDLE__"></script>
<script>
  webVitalsMonitor.initializeMonitoring({
    release: "web@__RELEASE__", routeResolver: () => "/deal-room/:id",
    errors: {dsn: "__DSN__", environment: "browser-e2e"},
  });
  webVitalsMonitor.setUserId("u-err-7");
  function parseOrder(n) { throw new TypeError("order " + n + " has no lines"); }
  function checkout() { parseOrder(7); }
  setTimeout(checkout, 0);  // uncaught: the window's error event
  async function loadCart() { await null; throw new RangeError("cart failed to load"); }
  loadCart();  // an unhandled rejection
  renderDealRoom(document.getElementById("root"));  // React: the boundary's componentDidCatch
  setTimeout(() => console.log("DONE"), 500);
</script></body></html>"""

FLOOD_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Loop</title></head><body>
<script src="__BUNDLE__"></script>
<script>
  webVitalsMonitor.initializeMonitoring({release: "web@__RELEASE__", errors: {dsn: "__DSN__"}});
  function sameEveryTime() { throw new SyntaxError("the same error every time"); }
  function spin(i) { throw new Error("spin " + i); }
  for (let i = 0; i < 10; i++) setTimeout(sameEveryTime, 0);  // a burst of one error: sent once
  for (let i = 0; i < 60; i++) setTimeout(() => spin(i), 0);  // a loop of distinct errors: capped
  setTimeout(() => console.log("DONE"), 800);
</script></body></html>"""


def open_page(chromium: str, url: str) -> tuple[list[str], dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: console.append(m.text))
            page.goto(url, wait_until="load")
            deadline = time.monotonic() + 10
            while "DONE" not in console and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            page.wait_for_timeout(300)  # the last envelopes leave
            status: dict[str, Any] = page.evaluate("() => webVitalsMonitor.status()")
        finally:
            browser.close()
    return console, status


def issues(stack: Stack, release: str, total: int) -> list[dict[str, Any]]:
    q = urllib.parse.urlencode({"project": "1", "release": f"web@{release}", "limit": "50"})
    deadline = time.monotonic() + 20
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        status, body = stack.request("GET", f"/apm/issues?{q}", headers=READ)
        assert status == 200, body
        found = body["issues"]
        if sum(i["count"] for i in found) >= total:
            break
        time.sleep(0.3)
    return found


def last_event(stack: Stack, issue: dict[str, Any]) -> dict[str, Any]:
    status, body = stack.request("GET", f"/apm/issues/{issue['id']}/events", headers=READ)
    assert status == 200, body
    event: dict[str, Any] = body["events"][0]
    return event


def page_url(stack: Stack, targets: Targets, template: str, *, bundle: str, path: str, release: str) -> str:
    host = stack.base_url.split("://", 1)[1]
    html = template.replace("__BUNDLE__", bundle).replace("__RELEASE__", release)
    html = html.replace("__DSN__", f"http://{SENTRY_KEY}@{host}/apm/1")
    return targets.script(path, Step(200, html.encode(), content_type="text/html"))


def test_uncaught_errors_rejections_and_the_error_boundary_become_issues(
    stack: Stack,
    targets: Targets,
    chromium: str,
    monitor_js: str,  # noqa: F811
) -> None:
    release = uuid.uuid4().hex[:8]
    url = page_url(stack, targets, ERRORS_PAGE, bundle=monitor_js, path=f"/deal-room/{release}", release=release)
    console, status = open_page(chromium, url)
    assert any(c.startswith("CAPTURED ") and len(c) == len("CAPTURED ") + 32 for c in console), console
    assert status["errorsSent"] == 3, (status, console)

    found = issues(stack, release, 3)
    assert len(found) == 3, found  # three call sites, three issues
    uncaught = next(i for i in found if "order 7" in i["title"])
    rejected = next(i for i in found if "cart failed" in i["title"])
    boundary = next(i for i in found if "pitch panel" in i["title"])
    for issue in (uncaught, rejected, boundary):
        assert issue["count"] == 1 and f"web@{release}" in issue["releases"], issue
        assert issue["environments"] == ["browser-e2e"], issue
        assert issue["tags"]["route"] == {"/deal-room/:id": 1}, issue
        event = last_event(stack, issue)
        assert event["release"] == f"web@{release}" and event["user_id"] == "u-err-7", event
        # the page's URL (the stack's scrubber masks the IP address in it)
        assert event["request_url"].endswith(f"/deal-room/{release}") and event["platform"] == "javascript", event
        assert event["tags"]["device"] == "desktop", event

    frames = last_event(stack, uncaught)["exceptions"][-1]["frames"]
    assert [f["function"] for f in frames[-2:]] == ["checkout", "parseOrder"], frames  # the thrower last
    assert all(f["in_app"] and f["filename"] == url and f["lineno"] and f["colno"] for f in frames[-2:]), frames
    assert last_event(stack, uncaught)["exceptions"][-1]["mechanism"] == "onerror"

    exc = last_event(stack, rejected)["exceptions"][-1]
    assert exc["mechanism"] == "onunhandledrejection" and exc["handled"] is False, exc
    assert exc["frames"][-1]["function"] == "loadCart" and exc["frames"][-1]["in_app"], exc

    event = last_event(stack, boundary)
    exc = event["exceptions"][-1]
    assert (exc["type"], exc["mechanism"], exc["handled"]) == ("TypeError", "react.errorboundary", True), exc
    inner = exc["frames"][-1]
    assert inner["function"] == "PitchPanel" and inner["in_app"] and inner["filename"].endswith(monitor_js), exc
    # React's own component stack, as componentDidCatch's info gave it
    assert "PitchPanel" in event["component_stack"] and "ErrorBoundary" in event["component_stack"], event


def test_a_burst_is_sent_once_and_a_loop_stops_at_the_cap(
    stack: Stack,
    targets: Targets,
    chromium: str,
    monitor_js: str,  # noqa: F811
) -> None:
    release = uuid.uuid4().hex[:8]
    url = page_url(stack, targets, FLOOD_PAGE, bundle=monitor_js, path=f"/loop/{release}", release=release)
    _, status = open_page(chromium, url)
    assert status["errorsSent"] == 20, status
    assert status["errorsDropped"] == {"duplicate": 9, "cap": 41}, status

    found = issues(stack, release, 20)
    time.sleep(1.5)  # nothing more arrives after the cap
    found = issues(stack, release, 20)
    counts = {i["title"].split(":", 1)[0]: i["count"] for i in found}
    assert counts == {"SyntaxError": 1, "Error": 19}, found  # one issue per call site
