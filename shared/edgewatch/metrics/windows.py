"""Metric windows: every series is summarised per fixed window (5 minutes by default).

A window keeps count, sum, min, max, the last value and, for timings and gauges, a quantile sketch,
so any of avg, count, sum, min, max, last, rate and p50..p99 can be answered for any step that is
a multiple of the window, by merging windows exactly. Raw points are never kept. pNN is the
nearest-rank quantile (``edgewatch.quantiles``: the value at rank ceil(q * n)) within the sketch's 1%.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from edgewatch.errors import Unprocessable

from .sketch import QuantileSketch

AGGREGATIONS = ("avg", "count", "sum", "min", "max", "last", "rate", "p50", "p75", "p90", "p95", "p99")
_QUANTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


def window_start(ts_ms: int, size_ms: int) -> int:
    return ts_ms - ts_ms % size_ms


@dataclass
class Window:
    kind: str  # counter | gauge | timing
    count: float = 0.0
    sum: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    last: float | None = None
    last_ts: int = -1
    sketch: QuantileSketch | None = field(default=None)

    @classmethod
    def new(cls, kind: str) -> Window:
        return cls(kind, sketch=None if kind == "counter" else QuantileSketch())

    def add(self, value: float, ts: int, weight: float = 1.0) -> None:
        self.count += weight
        self.sum += value * weight
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        if ts >= self.last_ts:
            self.last, self.last_ts = value, ts
        if self.sketch is not None:
            self.sketch.add(value, weight)

    def merge(self, other: Window) -> None:
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        if other.last_ts >= self.last_ts:
            self.last, self.last_ts = other.last, other.last_ts
        if other.sketch is not None:
            if self.sketch is None:
                self.sketch = QuantileSketch()
            self.sketch.merge(other.sketch)

    def value(self, agg: str, seconds: float) -> float | None:
        if self.count == 0:
            return None
        if agg == "count":
            return self.count
        if agg == "sum":
            return self.sum
        if agg == "avg":
            return self.sum / self.count
        if agg == "min":
            return self.min
        if agg == "max":
            return self.max
        if agg == "last":
            return self.last
        if agg == "rate":
            return self.sum / seconds if self.kind == "counter" else self.count / seconds
        quantile = quantile_of(agg)
        if self.sketch is None:
            return None
        return self.sketch.quantile(quantile)

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.kind,
            "n": self.count,
            "s": self.sum,
            "lo": None if self.count == 0 else self.min,
            "hi": None if self.count == 0 else self.max,
            "l": self.last,
            "lt": self.last_ts,
            "q": None if self.sketch is None else self.sketch.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Window:
        return cls(
            kind=data["k"],
            count=float(data["n"]),
            sum=float(data["s"]),
            min=math.inf if data["lo"] is None else float(data["lo"]),
            max=-math.inf if data["hi"] is None else float(data["hi"]),
            last=data["l"],
            last_ts=int(data["lt"]),
            sketch=None if data["q"] is None else QuantileSketch.from_json(data["q"]),
        )


def quantile_of(agg: str) -> float:
    match = _QUANTILE.match(agg)
    if not match or not 0 < float(match.group(1)) < 100:
        raise Unprocessable(f"agg must be one of {', '.join(AGGREGATIONS)} or pNN", details={"agg": agg[:20]})
    return float(match.group(1)) / 100


def check_agg(agg: str) -> str:
    if agg not in AGGREGATIONS:
        quantile_of(agg)
    return agg


def bucket(windows: list[tuple[int, Window]], start_ms: int, end_ms: int, step_ms: int) -> list[tuple[int, Window]]:
    """Merge (window start, window) pairs into steps [start + i*step, ...) within [start, end)."""
    steps: dict[int, Window] = {}
    for ws, window in windows:
        if not start_ms <= ws < end_ms:
            continue
        key = start_ms + (ws - start_ms) // step_ms * step_ms
        merged = steps.get(key)
        if merged is None:
            merged = steps[key] = Window(window.kind)
        merged.merge(window)
    return sorted(steps.items())
