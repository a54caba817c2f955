"""A real local HTTP server in front of pitchey-apm's Sentry ingest: it records every envelope a
client sends, exactly as it came over the wire, and forwards it to the stack (answering with the
ingest's own status and rate-limit headers), or, when told, answers in its place (a 429 with
``X-Sentry-Rate-Limits``, or a slow answer)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from tests.support.localserver import Answer, LocalServer

FORWARDED = ("x-sentry-rate-limits", "retry-after", "content-type")


@dataclass(frozen=True)
class Tapped:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int  # what the client was answered
    answer_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Override:
    status: int
    headers: dict[str, str]
    times: int
    delay_s: float = 0.0


class SentryTap(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.upstream = ""  # the stack's base URL, set once it runs
        self._tapped: list[Tapped] = []
        self._overrides: list[Override] = []

    def start(self) -> SentryTap:
        super().start()
        return self

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with self._lock:
            override = next((o for o in self._overrides if o.times > 0), None)
            if override is not None:
                override.times -= 1
        if override is not None and override.status:
            answer = Answer(override.status, override.headers, b'{"detail":"tap"}', override.delay_s)
        else:
            answer = self._forward(method, path, headers, body)
            if override is not None:
                answer = Answer(answer.status, answer.headers, answer.body, override.delay_s)
        with self._lock:
            self._tapped.append(Tapped(path, headers, body, time.time(), answer.status, answer.headers))
        return answer

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        sent = {k: v for k, v in headers.items() if k in ("x-sentry-auth", "content-type", "content-encoding")}
        req = urllib.request.Request(self.upstream + path, data=body, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, got, raw = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, got, raw = err.code, dict(err.headers), err.read()
        kept = {k.lower(): v for k, v in got.items() if k.lower() in FORWARDED}
        return Answer(status, kept, raw)

    # -- test controls ----------------------------------------------------------------------
    def rate_limit(self, rate_limits: str, retry_after_s: int, times: int = 1) -> None:
        headers = {"x-sentry-rate-limits": rate_limits, "retry-after": str(retry_after_s)}
        with self._lock:
            self._overrides.append(Override(429, headers, times))

    def slow(self, delay_s: float, times: int = 1) -> None:
        with self._lock:
            self._overrides.append(Override(0, {}, times, delay_s))

    def tapped(self) -> list[Tapped]:
        with self._lock:
            return list(self._tapped)

    def wait_for(self, count: int, timeout_s: float = 15.0) -> list[Tapped]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.tapped()
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} envelope(s) at the tap, got {len(self.tapped())}")
