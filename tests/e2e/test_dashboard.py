"""The dashboard (dashboard/dist, as `wrangler pages deploy` ships it) in headless Chromium against
the real stack: every page for each role with a screenshot and no console error, hostile data sent
through every ingest path rendered as text on every page, each write action done through the UI by
the right role and refused for the wrong one, keyboard navigation, and the unreachable state.

Screenshots go to .local/screenshots/dashboard/<role>-<page>.png.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from scripts.stack import Stack
from tests.e2e.conftest import ADMIN_TOKEN, ALLOWED_ORIGIN, INGEST_TOKEN, OPERATOR_TOKEN, READ_TOKEN, SENTRY_KEY
from tests.support.hostile import MARKER, URLS, XSS
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".local" / "screenshots" / "dashboard"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TOKENS = {"viewer": READ_TOKEN, "operator": OPERATOR_TOKEN, "admin": ADMIN_TOKEN}
PAGES = {
    "overview": "Overview", "uptime": "Uptime", "logs": "Logs", "traces": "Traces", "errors": "Errors",
    "metrics": "Metrics", "alerts": "Alerts", "security": "Security", "vitals": "Web Vitals", "infra": "Infra",
    "report": "Report", "audit": "Audit",
}  # fmt: skip
ADMIN_ONLY = {"audit"}
SERVICE = "xss-svc"

# Recorded in every page before its scripts run: CSP violations (a blocked inline script would be a
# rendering bug the CSP merely hid) and the flag a payload would set.
INIT_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

# What no page may contain, whatever the data: event-handler attributes, scripts not ours,
# embedded documents or images from the data, links with a scheme other than http(s).
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) if (/^on/i.test(a.name)) bad.push(`${el.tagName} ${a.name}`);
  }
  for (const s of document.querySelectorAll('script')) {
    if (!s.src || new URL(s.src).origin !== location.origin) bad.push('script ' + s.outerHTML.slice(0, 80));
  }
  const foreign = 'iframe, object, embed, img, math, noscript:not(body > noscript), style, base, form[action]';
  for (const el of document.querySelectorAll(foreign + ', meta[http-equiv]')) {
    bad.push('element ' + el.outerHTML.slice(0, 80));
  }
  for (const a of document.querySelectorAll('[href], [src], [xlink\\\\:href]')) {
    const v = a.getAttribute('href') ?? a.getAttribute('src') ?? '';
    if (a.tagName === 'LINK' || a.tagName === 'SCRIPT') continue;
    if (!/^(https?:\\/\\/|#|\\.\\/|url\\(#)/i.test(v)) bad.push(`${a.tagName} href=${v.slice(0, 60)}`);
  }
  return {bad, xss: window.__xss === undefined ? null : String(window.__xss), csp: window.__csp};
}"""


def call(
    stack: Stack, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    hdrs = {"content-type": "application/json", **(headers or {})}
    return stack.request(method, path, data, headers=hdrs)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@dataclass
class Seeded:
    trace_id: str
    issue_id: str
    check_id: str
    run: str


def seed_hostile(stack: Stack) -> Seeded:
    """Hostile strings through every ingest path the dashboard shows."""
    run = uuid.uuid4().hex[:8]
    ingest = bearer(INGEST_TOKEN)
    now_ms = int(time.time() * 1000)
    trace_id = uuid.uuid4().hex
    # logs
    lines = [
        {"level": "error", "message": f"{p} run {run}", "service": SERVICE, "trace_id": trace_id, "user_id": p[:60],
         "attributes": {"payload": p, "url": URLS[i % len(URLS)]}}
        for i, p in enumerate(XSS)
    ]  # fmt: skip
    status, body = call(stack, "POST", "/logs/ingest", lines, ingest)
    assert status == 202, body

    # traces (OTLP JSON)
    def attr(k: str, v: str) -> dict[str, Any]:
        return {"key": k, "value": {"stringValue": v}}

    spans = [
        {"traceId": trace_id, "spanId": uuid.uuid4().hex[:16], "name": XSS[0], "kind": 2,
         "startTimeUnixNano": str(now_ms * 1_000_000), "endTimeUnixNano": str((now_ms + 120) * 1_000_000),
         "status": {"code": 2, "message": XSS[1]},
         "attributes": [attr("http.route", XSS[2]), attr("url.full", URLS[0]), attr("note", XSS[5])]},
    ]  # fmt: skip
    otlp = {
        "resourceSpans": [
            {"resource": {"attributes": [attr("service.name", SERVICE)]}, "scopeSpans": [{"spans": spans}]}
        ]
    }
    status, body = call(stack, "POST", "/v1/traces", otlp, ingest)
    assert status == 200 and not (body or {}).get("partialSuccess", {}).get("rejectedSpans"), body
    # errors (Sentry store)
    frames = [
        {"function": p[:80], "filename": f"https://app.example/static/{i}.js", "lineno": i + 1, "in_app": i % 2 == 0}
        for i, p in enumerate(XSS[:6])
    ]
    event = {
        "event_id": uuid.uuid4().hex, "level": "error", "platform": "javascript", "release": XSS[3][:60],
        "exception": {"values": [{"type": f"XssError{run}", "value": MARKER, "stacktrace": {"frames": frames}}]},
        "request": {"url": URLS[0]}, "tags": {"route": XSS[10][:100]},
        "breadcrumbs": {"values": [{"message": XSS[6], "category": "ui"}]},
    }  # fmt: skip
    sentry = {"x-sentry-auth": f"Sentry sentry_key={SENTRY_KEY}, sentry_version=7"}
    status, body = call(stack, "POST", "/apm/api/1/store/", event, sentry)
    assert status == 200, body
    # alerts
    status, body = call(stack, "POST", "/alerts/trigger",
                        {"type": "critical", "title": f"{XSS[1]} {run}", "message": XSS[8], "source": "dashboard-test",
                         "component": XSS[11][:60]}, ingest)  # fmt: skip
    assert status == 202, body
    # security: a threat with an excerpt, and a block with a hostile reason
    status, body = call(
        stack,
        "POST",
        "/security/check",
        {"path": "/api/search", "query": urlencode({"q": XSS[0]}), "ip": "198.18.7.77"},
        ingest,
    )
    assert status == 200, body
    status, body = call(
        stack,
        "POST",
        "/security/blocklist",
        {"target": "198.18.7.78", "reason": XSS[4], "ttl": "1h"},
        bearer(ADMIN_TOKEN),
    )
    assert status == 201, body
    # uptime: a check and a heartbeat with hostile names, a maintenance window with a hostile reason
    check_id = f"xss-{run}"
    status, body = call(
        stack,
        "PUT",
        f"/monitoring/checks/{check_id}",
        {"id": check_id, "name": XSS[2][:80], "url": f"{stack.dashboard_url}"},
        bearer(ADMIN_TOKEN),
    )
    assert status in (200, 201), body
    status, body = call(
        stack,
        "PUT",
        f"/monitoring/heartbeats/hb-{run}",
        {"id": f"hb-{run}", "name": XSS[9], "every": "1h"},
        bearer(ADMIN_TOKEN),
    )
    assert status in (200, 201), body
    window = {"id": f"mw-{run}", "start": now_ms + 86400_000, "end": now_ms + 90000_000, "reason": XSS[7]}
    status, body = call(stack, "POST", "/monitoring/maintenance", window, bearer(OPERATOR_TOKEN))
    assert status == 201, body
    # metrics and Web Vitals
    status, body = call(
        stack,
        "POST",
        "/monitoring/metrics",
        {"name": "xss_metric", "type": "gauge", "value": 3, "labels": {"who": XSS[13][:100]}},
        ingest,
    )
    assert status == 202, body
    beacon = {"name": "LCP", "value": 4100, "id": f"v1-{run}", "rating": "poor", "navigationType": "navigate",
              "route": "/xss/<img src=x onerror=alert(1)>", "device": "desktop", "userId": XSS[12][:60]}  # fmt: skip
    status, body = call(stack, "POST", "/monitoring/vitals", beacon, {"origin": ALLOWED_ORIGIN})
    assert status in (200, 202), body
    # the audit log: a hostile user agent
    status, _ = call(stack, "GET", "/monitoring/checks", None, {**bearer(READ_TOKEN), "user-agent": XSS[14]})
    assert status == 200

    def issue() -> str | None:
        _, found = call(stack, "GET", f"/apm/issues?project=1&query=XssError{run}", None, bearer(READ_TOKEN))
        return found["issues"][0]["id"] if found and found.get("issues") else None

    issue_id = wait_until("the hostile Sentry event's issue", issue)
    return Seeded(trace_id=trace_id, issue_id=issue_id, check_id=check_id, run=run)


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> Iterator[Seeded]:
    """The hostile data, removed afterwards where other tests of the session stack list it."""
    data = seed_hostile(stack)
    yield data
    admin, operator = bearer(ADMIN_TOKEN), bearer(OPERATOR_TOKEN)
    for method, path, headers in (
        ("DELETE", f"/monitoring/maintenance/mw-{data.run}", operator),
        ("DELETE", f"/monitoring/checks/{data.check_id}", admin),
        ("DELETE", f"/monitoring/heartbeats/hb-{data.run}", admin),
        ("DELETE", "/security/blocklist/198.18.7.78", admin),
    ):
        status, body = call(stack, method, path, None, headers)
        assert status == 204, (path, body)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class Session:
    page: Any
    errors: list[str]
    dialogs: list[str]


def open_dashboard(browser: Any, stack: Stack, role: str | None) -> Session:
    """A fresh browser context signed in with the role's API token through the sign-in form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    session = Session(page, [], [])

    def dialog(d: Any) -> None:
        session.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(stack.dashboard_url or "")
    if role is not None:
        page.wait_for_selector("input[name=token]")
        page.fill("input[name=token]", TOKENS[role])
        page.click("button[type=submit]")
        page.wait_for_selector("#who")
        assert page.inner_text("#who").endswith(role)
    # from here on any console error or page error is a failure (the sign-in probe's 401 is expected)
    page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: session.errors.append(f"pageerror: {e}"))
    return session


def show(session: Session, page_id: str, query: str = "") -> None:
    page = session.page
    page.evaluate(f"location.hash = {json.dumps(f'#/{page_id}{query}')}")
    page.wait_for_function(
        "(title) => { const h = document.querySelector('#page h1');"
        " return h && h.textContent === title && !document.querySelector('#page .loading'); }",
        arg=PAGES[page_id],
        timeout=30000,
    )
    page.wait_for_timeout(300)  # charts size themselves on the next frame


def screenshot(session: Session, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_every_page_renders_for_each_role_without_console_errors(stack: Stack, seeded: Seeded, browser: Any) -> None:
    for role in ("viewer", "operator", "admin"):
        session = open_dashboard(browser, stack, role)
        nav = session.page.inner_text("nav")
        for page_id, title in PAGES.items():
            allowed = role == "admin" or page_id not in ADMIN_ONLY
            assert (title in nav) == allowed, (role, page_id, nav)
            if not allowed:
                continue
            show(session, page_id)
            screenshot(session, f"{role}-{page_id}")
            text = session.page.inner_text("#page")
            assert not session.page.query_selector("#page .error"), (role, page_id, text[:2000], session.errors)
        assert session.errors == [], (role, session.errors)
        session.page.context.close()


def test_hostile_data_from_every_ingest_path_is_shown_as_text_and_never_runs(
    stack: Stack, seeded: Seeded, browser: Any
) -> None:
    session = open_dashboard(browser, stack, "admin")
    views = [
        ("overview", "", XSS[1]),
        ("logs", f"?service={SERVICE}", MARKER),
        ("traces", f"?service={SERVICE}&trace={seeded.trace_id}", MARKER),
        ("errors", f"?issue={seeded.issue_id}&project=1", MARKER),
        ("alerts", "", XSS[1]),
        ("security", "", XSS[4]),
        ("uptime", f"?check={seeded.check_id}", XSS[2][:80]),
        ("metrics", "?name=xss_metric&agg=last", None),  # label values are drawn on a canvas legend
        ("vitals", "", "/xss/"),
        ("audit", "?path=/monitoring/checks&role=viewer", XSS[14]),
        ("infra", "", None),
        ("report", "", None),
    ]
    for page_id, query, must_show in views:
        show(session, page_id, query)
        session.page.wait_for_timeout(500)
        found = session.page.evaluate(DOM_CHECK)
        assert found == {"bad": [], "xss": None, "csp": []}, (page_id, found)
        if must_show is not None:
            assert must_show in session.page.inner_text("#page"), (page_id, must_show)
        screenshot(session, f"hostile-{page_id}")
    # the metric's hostile label is in the chart's legend, as text
    show(session, "metrics", "?name=xss_metric&agg=last")
    assert XSS[13][:100] in session.page.inner_text("#page")
    # the public status page shows the hostile check name as text too
    session.page.goto(f"{stack.dashboard_url}status.html")
    session.page.wait_for_selector(".component")
    assert XSS[2][:80] in session.page.inner_text("#status")
    assert session.page.evaluate(DOM_CHECK) == {"bad": [], "xss": None, "csp": []}
    screenshot(session, "hostile-status")
    assert session.dialogs == [] and session.errors == [], (session.dialogs, session.errors)


def test_security_headers_are_served_with_every_file(stack: Stack) -> None:
    for path in ("", "main.js", "status.html", "config.json"):
        with urllib.request.urlopen(f"{stack.dashboard_url}{path}", timeout=10) as resp:
            headers = {k.lower(): v for k, v in resp.headers.items()}
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert f"connect-src 'self' {stack.base_url}" in csp and "frame-ancestors 'none'" in csp
        assert "require-trusted-types-for 'script'" in csp
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    with urllib.request.urlopen(f"{stack.dashboard_url}config.json", timeout=10) as resp:
        assert json.loads(resp.read())["api"] == stack.base_url


def api_from_page(session: Session, method: str, path: str, token: str, body: Any = None) -> int:
    """What the Workers answer this browser for a call the UI does not offer to its role."""
    status: int = session.page.evaluate(
        """async ([url, method, token, body]) => (await fetch(url, {method, credentials: 'include',
            headers: {authorization: 'Bearer ' + token, 'content-type': 'application/json'},
            body: body === null ? undefined : JSON.stringify(body)})).status""",
        [f"{api_base(session)}{path}", method, token, body],
    )
    return status


def api_base(session: Session) -> str:
    return str(session.page.evaluate("async () => (await (await fetch('./config.json')).json()).api"))


def test_operator_silences_expires_and_acknowledges_through_the_ui_and_a_viewer_cannot(
    stack: Stack, seeded: Seeded, browser: Any
) -> None:
    name = f"DashboardSilence{seeded.run}"
    viewer = open_dashboard(browser, stack, "viewer")
    show(viewer, "alerts")
    assert viewer.page.query_selector("text=Create silence") is None
    assert viewer.page.query_selector("button:has-text('Acknowledge')") is None
    silence = {
        "matchers": [{"name": "alertname", "value": name, "isRegex": False, "isEqual": True}],
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "2036-01-01T00:00:00Z",
        "createdBy": "v",
        "comment": "x",
    }
    assert api_from_page(viewer, "POST", "/alerts/api/v2/silences", READ_TOKEN, silence) == 403
    viewer.page.context.close()

    operator = open_dashboard(browser, stack, "operator")
    show(operator, "alerts")
    page = operator.page
    page.fill("input[name=matchers]", f"alertname={name}")
    page.fill("input[name=comment]", "from the UI test")
    page.click("button:has-text('Create silence')")
    page.wait_for_selector(".form-status .good:text-matches('^silence .+ created$'), .form-status .error")
    assert not page.query_selector(".form-status .error"), page.inner_text("#page")
    _, silences = call(stack, "GET", "/alerts/silences", None, bearer(READ_TOKEN))
    mine = [s for s in silences["silences"] if any(m["value"] == name for m in s["matchers"])]
    _, me = call(stack, "GET", "/monitoring/_whoami", None, bearer(OPERATOR_TOKEN))
    assert len(mine) == 1 and mine[0]["status"]["state"] == "active", mine
    assert mine[0]["createdBy"] == me["name"] and mine[0]["comment"] == "from the UI test", mine
    row = page.locator("tr", has_text=name)
    row.locator("button:has-text('Expire')").click()

    def state_of(silence_id: str) -> str:
        _, body = call(stack, "GET", "/alerts/silences", None, bearer(READ_TOKEN))
        return str(next(s for s in body["silences"] if s["id"] == silence_id)["status"]["state"])

    wait_until("the silence to expire", lambda: state_of(mine[0]["id"]) == "expired")

    # acknowledge an alert group (the seed's trigger makes one)
    def unacknowledged() -> list[str]:
        _, groups = call(stack, "GET", "/alerts/groups", None, bearer(READ_TOKEN))
        return [g["id"] for g in groups["groups"] if not g["acknowledged"]]

    before = wait_until("an unacknowledged alert group", unacknowledged)
    show(operator, "overview")
    show(operator, "alerts")
    page.locator("button:has-text('Acknowledge')").first.click()
    page.wait_for_selector(f"td:text-matches('^by {me['name']} ')")  # the table reloads with the ack
    _, groups = call(stack, "GET", "/alerts/groups", None, bearer(READ_TOKEN))
    acked = [g for g in groups["groups"] if g["acknowledged"]]
    assert len(acked) == 1 and acked[0]["acknowledged"]["by"] == me["name"], (before, groups)
    assert operator.errors == [], operator.errors
    operator.page.context.close()


def test_admin_creates_and_deletes_a_check_and_blocks_through_the_ui_and_an_operator_cannot(
    stack: Stack, seeded: Seeded, browser: Any
) -> None:
    check_id = f"ui-{seeded.run}"
    operator = open_dashboard(browser, stack, "operator")
    show(operator, "uptime")
    assert operator.page.query_selector("button:has-text('Create check')") is None
    assert operator.page.query_selector("button:has-text('Plan maintenance')") is not None  # operators plan maintenance
    show(operator, "security")
    assert operator.page.query_selector("button:has-text('Block')") is None
    check = {"id": check_id, "url": "https://app.example/"}
    assert api_from_page(operator, "PUT", f"/monitoring/checks/{check_id}", OPERATOR_TOKEN, check) == 403
    assert api_from_page(operator, "POST", "/security/blocklist", OPERATOR_TOKEN, {"target": "198.18.7.90"}) == 403
    operator.page.context.close()

    admin = open_dashboard(browser, stack, "admin")
    page = admin.page
    show(admin, "uptime")
    page.fill("form:has(button:has-text('Create check')) input[name=id]", check_id)
    page.fill("form:has(button:has-text('Create check')) input[name=name]", "Made in the UI")
    page.fill("form:has(button:has-text('Create check')) input[name=url]", f"{stack.dashboard_url}")
    page.click("button:has-text('Create check')")
    page.wait_for_selector(f".form-status .good:text-is('created {check_id}')")
    status, body = call(stack, "GET", f"/monitoring/checks/{check_id}", None, bearer(READ_TOKEN))
    assert status == 200 and body["spec"]["name"] == "Made in the UI", body
    show(admin, "uptime", f"?check={check_id}")
    delete = page.locator("button:has-text('Delete check')")
    delete.click()
    page.locator("button:has-text('Click again to delete')").click()
    wait_until(
        "the check to be deleted",
        lambda: call(stack, "GET", f"/monitoring/checks/{check_id}", None, bearer(READ_TOKEN))[0] == 404,
    )

    show(admin, "security")
    page.fill("input[name=target]", "198.18.7.91")
    page.fill("form:has(button:has-text('Block')) input[name=reason]", "UI test")
    page.click("button:has-text('Block')")
    page.wait_for_selector(".form-status .good:text-is('blocked 198.18.7.91')")
    _, blocks = call(stack, "GET", "/security/blocklist", None, bearer(READ_TOKEN))
    assert any(b["target"] == "198.18.7.91" for b in blocks["entries"]), blocks
    row = page.locator("tr", has_text="198.18.7.91")
    row.locator("button:has-text('Remove')").click()
    row.locator("button:has-text('Click again to remove')").click()

    def blocked() -> list[str]:
        return [b["target"] for b in call(stack, "GET", "/security/blocklist", None, bearer(READ_TOKEN))[1]["entries"]]

    wait_until("the block to be removed", lambda: "198.18.7.91" not in blocked())
    assert admin.errors == [], admin.errors
    admin.page.context.close()


def test_keyboard_alone_signs_in_moves_between_pages_and_searches(stack: Stack, seeded: Seeded, browser: Any) -> None:
    session = open_dashboard(browser, stack, None)
    page = session.page
    page.wait_for_selector("input[name=token]")
    assert page.evaluate("document.activeElement.name") == "token"  # focus starts in the form
    page.keyboard.type(READ_TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_selector("#who")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "page"
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == "Logs":
            break
    else:
        raise AssertionError("the Logs link is not reachable with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#page h1')?.textContent === 'Logs'")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    else:
        raise AssertionError("the search field is not reachable with the keyboard")
    page.keyboard.type(f"run {seeded.run}")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(run) => document.querySelector('[data-testid=log-results]')?.textContent.includes('run ' + run)",
        arg=seeded.run,
    )
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused element shows no focus ring"
    page.context.close()


def test_an_unreachable_worker_is_shown_as_such_and_the_rest_still_renders(stack: Stack, browser: Any) -> None:
    session = open_dashboard(browser, stack, "viewer")
    session.page.route(f"{stack.base_url}/logs/health", lambda route: route.abort())
    show(session, "overview")
    session.page.wait_for_selector("[data-testid=health-logs][data-state=unreachable]")
    assert session.page.get_attribute("[data-testid=health-monitoring]", "data-state") in ("ok", "degraded")
    assert "unreachable" in session.page.inner_text("[data-testid=health-logs]")
    screenshot(session, "viewer-overview-unreachable")
    session.page.context.close()


def test_a_refused_token_stays_on_the_sign_in_form(stack: Stack, browser: Any) -> None:
    session = open_dashboard(browser, stack, None)
    page = session.page
    page.wait_for_selector("input[name=token]")
    page.fill("input[name=token]", "not-a-token-of-this-stack-000")
    page.click("button[type=submit]")
    page.wait_for_selector("text=that token was refused")
    assert page.query_selector("#who") is None
    page.context.close()
