"""Real local HTTP servers for uptime checks to probe: healthy, failing, slow, flapping or
keyword-missing, as each test scripts them.

A path answers from its script: a list of (status, body, delay_s) steps taken in turn, the last
repeated forever (``cycle=True`` repeats the whole list, which makes a flapping target). Unknown
paths answer 200 "ok". Every request is counted, and the most requests in flight at once is kept
so tests can check the runner's concurrency bound.
"""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Step:
    status: int = 200
    body: bytes = b"ok"
    delay_s: float = 0.0
    content_type: str = "application/json"


HEALTHY = Step(200, b'{"status":"healthy"}')
FAILING = Step(500, b'{"status":"error"}')


class Targets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, tuple[list[Step], bool]] = {}
        self._served: dict[str, int] = {}
        self._in_flight = 0
        self.max_in_flight = 0
        targets = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                step = targets._take(self.path.split("?", 1)[0])
                with targets._lock:
                    targets._in_flight += 1
                    targets.max_in_flight = max(targets.max_in_flight, targets._in_flight)
                try:
                    if step.delay_s:
                        time.sleep(step.delay_s)
                    self.send_response(step.status)
                    self.send_header("content-type", step.content_type)
                    self.send_header("content-length", str(len(step.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(step.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the prober gave up (timeout): expected for slow targets
                finally:
                    with targets._lock:
                        targets._in_flight -= 1

            do_GET = do_POST = do_HEAD = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Targets:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

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
            self.max_in_flight = self._in_flight
