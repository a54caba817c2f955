"""Real local HTTP servers for uptime checks to probe: healthy, failing, slow, flapping or
keyword-missing, as each test scripts them.

A path answers from its script: a list of (status, body, delay_s) steps taken in turn, the last
repeated forever (``cycle=True`` repeats the whole list, which makes a flapping target). Unknown
paths answer 200 "ok". Every request is counted, and the most requests in flight at once is kept
so tests can check the runner's concurrency bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.support.localserver import Answer, LocalServer


@dataclass(frozen=True)
class Step:
    status: int = 200
    body: bytes = b"ok"
    delay_s: float = 0.0
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)  # more response headers


HEALTHY = Step(200, b'{"status":"healthy"}')
FAILING = Step(500, b'{"status":"error"}')


class Targets(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self._scripts: dict[str, tuple[list[Step], bool]] = {}
        self._served: dict[str, int] = {}

    def start(self) -> Targets:
        super().start()
        return self

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        step = self._take(path.split("?", 1)[0])
        return Answer(step.status, {"content-type": step.content_type, **step.headers}, step.body, step.delay_s)

    def _take(self, path: str) -> Step:
        with self._lock:
            n = self._served.get(path, 0)
            self._served[path] = n + 1
            found = self._scripts.get(path)
        if found is None:
            return HEALTHY
        steps, cycle = found
        return steps[n % len(steps)] if cycle else steps[min(n, len(steps) - 1)]

    # -- test controls --------------------------------------------------------------------
    def script(self, path: str, *steps: Step, cycle: bool = False) -> str:
        """Answer ``path`` with these steps; returns the full URL."""
        with self._lock:
            self._scripts[path] = (list(steps), cycle)
            self._served[path] = 0
        return self.url + path

    def served(self, path: str) -> int:
        with self._lock:
            return self._served.get(path, 0)

    def reset_in_flight_peak(self) -> None:
        with self._lock:
            self.max_in_flight = self.in_flight
