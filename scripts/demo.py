"""Demo traffic for `./dev up`: a living stack within a minute.

Against the example platform API (traced, guarded, reporting to Sentry ingest): ordinary requests,
some errors and slow paths, login bursts the rate limiter stops, an injection attempt the threat
detector catches; beside it logs (with the requests' trace ids), metrics, two uptime checks and a
heartbeat; and the crons Cloudflare would deliver (wrangler dev does not), so the checks run, the
windows roll up and the alert rules evaluate. Web Vitals come from a headless Chromium opening the
demo page (dashboard/public/demo.html, which uses the webVitalsMonitor module) when Playwright and
a Chromium are present.

Credentials come from the stack's own vars (API and ingest tokens of .dev.vars); a stack without
tokens lets everything through as development.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from edgewatch.access import Role
from edgewatch.access.api_tokens import parse_api_tokens
from edgewatch.tokens import parse_token_map

CRONS = (("*/1 * * * *", 60), ("*/5 * * * *", 300), ("*/15 * * * *", 900), ("0 * * * *", 3600))
SERVICES = ("platform-api", "checkout", "search")
LOG_MESSAGES = {
    "info": ["order {n} placed", "user signed in", "pitch {n} viewed", "search answered in {ms} ms"],
    "warn": ["slow query on pitches ({ms} ms)", "retrying payment provider call"],
    "error": ["payment provider timed out after {ms} ms", "order {n} has no lines"],
}


@dataclass
class DemoTraffic:
    stack: Any  # scripts.stack.Stack, started
    tick_s: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> DemoTraffic:
        self._setup()
        for target in (self._requests, self._telemetry, self._crons, self._browser):
            thread = threading.Thread(target=self._guard(target), daemon=True, name=f"demo-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    # -- credentials ------------------------------------------------------------------------
    def _headers(self, role: Role | None = None, ingest: bool = False) -> dict[str, str]:
        vars_ = self.stack.vars()
        token = ""
        if ingest:
            token = next(iter(parse_token_map(vars_.get("LOG_INGEST_TOKENS"))), "")
        elif role is not None:
            tokens = parse_api_tokens(vars_)
            token = next((t.token for t in sorted(tokens, key=lambda t: -t.role) if t.role >= role), "")
        return {"authorization": f"Bearer {token}"} if token else {}

    def _count(self, what: str, status: int) -> None:
        key = f"{what}:{'ok' if status < 400 else status}"
        self.counts[key] = self.counts.get(key, 0) + 1

    def _call(self, what: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> int:
        try:
            status = int(self.stack.request(method, path, body, headers=headers, timeout=15)[0])
        except OSError:
            status = 599
        self._count(what, status)
        return status

    def _guard(self, fn: Any) -> Any:
        def run() -> None:
            while not self._stop.is_set():
                try:
                    fn()
                    return
                except Exception as exc:  # the demo must never take `./dev up` down
                    self._count(f"{fn.__name__}-crashed:{type(exc).__name__}", 599)
                    self._stop.wait(5)

        return run

    # -- the parts --------------------------------------------------------------------------
    def _setup(self) -> None:
        admin = {**self._headers(Role.ADMIN), "content-type": "application/json"}
        base = self.stack.base_url
        checks = [
            {
                "id": "demo-api",
                "name": "Platform API",
                "url": f"{base}/api/pitches",
                "keyword": "ok",
                "degradedMs": 800,
            },
            {"id": "demo-search", "name": "Search", "url": f"{base}/api/search?delay_ms=300", "degradedMs": 250},
        ]
        for check in checks:
            self._call("setup-check", "PUT", f"/monitoring/checks/{check['id']}", check, admin)
        beat = {"id": "demo-nightly", "name": "Nightly export", "every": "5m", "grace": "1m"}
        self._call("setup-heartbeat", "PUT", "/monitoring/heartbeats/demo-nightly", beat, admin)

    def _requests(self) -> None:
        n = 0
        while not self._stop.wait(self.tick_s):
            n += 1
            user = {"x-user-id": f"user-{random.randint(1, 40)}"}
            self._call("api", "GET", f"/api/orders/{random.randint(100, 999)}", headers=user)
            self._call("api", "GET", "/api/pitches", headers=user)
            if n == 2 or random.random() < 0.15:  # the first ones early, so the first flush has them
                self._call("api-slow", "GET", f"/api/search?delay_ms={random.randint(900, 2500)}", headers=user)
            else:
                self._call("api", "GET", f"/api/search?delay_ms={random.randint(5, 120)}", headers=user)
            if n == 1 or random.random() < 0.08:
                self._call("api-error", "GET", "/api/boom", headers={**user, "x-order-id": str(random.randint(1, 9))})
            if n % 20 == 0:  # a login burst: the sixth try in 15 minutes is refused
                ip = f"198.51.100.{random.randint(1, 200)}"
                for _ in range(7):
                    self._call(
                        "login",
                        "POST",
                        "/api/auth/login",
                        {"user": "a"},
                        {"x-login": "demo@example.com", "cf-connecting-ip": ip},
                    )
            if n % 45 == 0:  # an injection attempt
                self._call("threat", "GET", "/api/pitches?q=%27%20OR%201%3D1--", headers=user)
            if n % 240 == 0:
                self._call("heartbeat", "POST", "/monitoring/heartbeat/demo-nightly")

    def _telemetry(self) -> None:
        ingest = {**self._headers(ingest=True), "content-type": "application/json"}
        while not self._stop.wait(5 * self.tick_s):
            now = int(time.time() * 1000)
            lines = []
            for _ in range(random.randint(4, 12)):
                level = random.choices(["info", "warn", "error"], [85, 10, 5])[0]
                text = random.choice(LOG_MESSAGES[level]).format(n=random.randint(1, 999), ms=random.randint(20, 4000))
                lines.append({
                    "level": level, "message": text, "service": random.choice(SERVICES), "timestamp": now,
                    "trace_id": uuid.uuid4().hex, "request_id": uuid.uuid4().hex[:16],
                    "user_id": f"user-{random.randint(1, 40)}", "attributes": {"region": random.choice(["eu", "us"])},
                })  # fmt: skip
            self._call("logs", "POST", "/logs/ingest", lines, ingest)
            metrics: list[dict[str, Any]] = [
                {"name": "http_request_duration_ms", "type": "timing", "labels": {"service": s},
                 "values": [random.lognormvariate(4.2, 0.6) for _ in range(20)]}
                for s in SERVICES
            ]  # fmt: skip
            metrics.append({"name": "orders_placed", "type": "counter", "value": random.randint(0, 5)})
            metrics.append({"name": "queue_depth", "type": "gauge", "value": random.randint(0, 40)})
            self._call("metrics", "POST", "/monitoring/metrics", metrics, ingest)

    def _crons(self) -> None:
        """Every schedule at start, then at its period; the */5 (which flushes the decided traces
        into the per-endpoint summaries) once more after 40 s, so the dashboard has them in a minute."""
        started = time.monotonic()
        due = {cron: started for cron, _ in CRONS}
        early = {"*/5 * * * *": started + 40}
        while not self._stop.wait(2):
            now = time.monotonic()
            for cron, every in CRONS:
                if now >= due[cron]:
                    due[cron] = min(now + every, early.pop(cron, now + every))
                    with contextlib.suppress(OSError, ValueError):
                        outcome = self.stack.trigger_cron(cron, timeout=120)
                        self._count(f"cron {cron}", 200 if outcome.get("outcome") == "ok" else 500)

    def _browser(self) -> None:
        """Web Vitals from a real page: headless Chromium opens the demo page now and then."""
        from .toolchain import find_peer

        executable = find_peer("chromium")
        if executable is None or self.stack.dashboard_url is None:
            self._count("browser-unavailable", 599)
            return
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(executable), args=["--no-sandbox", "--disable-gpu"])
            try:
                while not self._stop.is_set():
                    page = browser.new_page()
                    with contextlib.suppress(Exception):
                        page.goto(
                            f"{self.stack.dashboard_url}demo.html#/pitches/{random.randint(1, 50)}", timeout=15000
                        )
                        page.wait_for_timeout(1500)
                        page.click("#slow")
                        page.wait_for_timeout(500)
                        self._count("browser-visit", 200)
                    page.close()  # pagehide: the module sends its batch
                    self._stop.wait(20)
            finally:
                browser.close()
