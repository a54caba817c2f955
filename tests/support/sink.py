"""A real local HTTP server standing in for Slack, PagerDuty, email APIs and Sentry.

It records every request and answers as told: by default like the real service, or, for the next
N requests to a path prefix, with a 500, a 429 carrying Retry-After, or after a delay.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.localserver import Answer, LocalServer


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


class Sink(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self._records: list[Recorded] = []
        self._plans: list[Plan] = []

    def start(self) -> Sink:
        super().start()
        return self

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        record = Recorded(method, path, headers, body, time.time())
        with self._lock:
            self._records.append(record)
            for plan in self._plans:
                if record.path.startswith(plan.prefix) and plan.times > 0:
                    plan.times -= 1
                    if plan.status == 0:  # slow but otherwise normal
                        status, out_headers, out = default_answer(record.path)
                        return Answer(status, out_headers, out, plan.delay_s)
                    out = plan.body or json.dumps({"error": f"sink told to answer {plan.status}"}).encode()
                    return Answer(plan.status, {"content-type": "application/json", **plan.headers}, out, plan.delay_s)
        status, out_headers, out = default_answer(record.path)
        return Answer(status, out_headers, out)

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
