"""A small closed-loop HTTP load generator: N keep-alive connections, each sending the next request
as soon as the previous answer arrives. Reports requests/s and latency percentiles."""

from __future__ import annotations

import http.client
import os
import platform
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from edgewatch.quantiles import nearest_rank


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def percentile(sorted_values: list[float], q: float) -> float:
    """The stack's nearest-rank quantile (edgewatch.quantiles); NaN for no values."""
    value = nearest_rank(sorted_values, q)
    return float("nan") if value is None else value


def run_load(
    url: str,
    seconds: float,
    connections: int,
    warmup_s: float = 0.5,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start_gate = threading.Barrier(connections + 1)
    measuring = threading.Event()
    stop = threading.Event()

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, parts.port, timeout=30)
        start_gate.wait()
        while not stop.is_set():
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers or {})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, parts.port, timeout=30)
            took = (time.perf_counter() - began) * 1000
            if measuring.is_set():
                if ok:
                    latencies[index].append(took)
                else:
                    errors[index] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    start_gate.wait()
    time.sleep(warmup_s)
    measuring.set()
    began = time.perf_counter()
    time.sleep(seconds)
    measuring.clear()
    elapsed = time.perf_counter() - began
    stop.set()
    for t in threads:
        t.join(timeout=35)
    flat = sorted(x for per in latencies for x in per)
    return LoadResult(len(flat), sum(errors), elapsed, percentile(flat, 0.50), percentile(flat, 0.99))


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "system": platform.platform()}
