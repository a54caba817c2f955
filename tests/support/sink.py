"""A real local HTTP server standing in for Slack, PagerDuty, email APIs and Sentry.

It records every request and answers as told: by default like the real service, or, for the next
N requests to a path prefix, with a 500, a 429 carrying Retry-After, or after a delay.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Plan:
    prefix: str
    status: int
    times: int
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def default_answer(path: str) -> tuple[int, dict[str, str], bytes]:
    """What the real service answers to a well-formed request."""
    if path.startswith("/slack"):
        return 200, {"content-type": "text/plain"}, b"ok"
    if path.startswith("/pagerduty"):
        body = {"status": "success", "message": "Event processed", "dedup_key": "sink"}
        return 202, {"content-type": "application/json"}, json.dumps(body).encode()
    if path.startswith("/sentry"):
        return 200, {"content-type": "application/json"}, b'{"id":"00000000000000000000000000000000"}'
    if path.startswith("/email"):
        return 202, {"content-type": "application/json"}, b'{"queued":true}'
    return 200, {"content-type": "application/json"}, b'{"ok":true}'


class Sink:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[Recorded] = []
        self._plans: list[Plan] = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                record = Recorded(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                )
                status, headers, payload, delay = sink._answer(record)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Sink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, record: Recorded) -> tuple[int, dict[str, str], bytes, float]:
        with self._lock:
            self._records.append(record)
            for plan in self._plans:
                if record.path.startswith(plan.prefix) and plan.times > 0:
                    plan.times -= 1
                    if plan.status == 0:  # slow but otherwise normal
                        status, headers, body = default_answer(record.path)
                        return status, headers, body, plan.delay_s
                    body = plan.body or json.dumps({"error": f"sink told to answer {plan.status}"}).encode()
                    return plan.status, {"content-type": "application/json", **plan.headers}, body, plan.delay_s
        status, headers, body = default_answer(record.path)
        return status, headers, body, 0.0

    # -- test controls --------------------------------------------------------------------
    def fail(self, prefix: str, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self._plans.append(Plan(prefix, status, times))

    def rate_limit(self, prefix: str, retry_after_s: int = 1, times: int = 1) -> None:
        with self._lock:
            self._plans.append(Plan(prefix, 429, times, headers={"retry-after": str(retry_after_s)}))

    def slow(self, prefix: str, delay_s: float, times: int = 1) -> None:
        with self._lock:
            self._plans.append(Plan(prefix, 0, times, delay_s=delay_s))

    def requests(self, prefix: str = "/") -> list[Recorded]:
        with self._lock:
            return [r for r in self._records if r.path.startswith(prefix)]

    def wait_for(self, prefix: str, count: int = 1, timeout_s: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.requests(prefix)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} request(s) to {prefix}, got {len(self.requests(prefix))}")

    def reset(self) -> None:
        with self._lock:
            self._records.clear()
            self._plans.clear()
