"""``GET /monitoring/metrics``: the parameter rules and the per-series answer.

Parameters: ``name`` (required), ``agg`` (avg by default), ``step`` in whole seconds (a multiple of
the aggregation window; the window by default), ``from``/``to`` (the last hour by default, widened
to whole windows, at most MAX_STEPS steps) and ``labels=a=x,b=y`` (exact matches).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edgewatch.errors import Unprocessable

from ..wire.params import int_param
from ..wire.timestamps import parse_time
from .messages import WindowRow
from .model import parse_series_key
from .windows import Window, bucket, check_agg

MAX_SERIES = 200
MAX_STEPS = 2000
DEFAULT_RANGE_MS = 3_600_000
_ANY_STEP = 10**4300  # beyond any integer int() reads: the range rule is the multiple-of-the-window check


@dataclass(frozen=True)
class MetricsQuery:
    name: str
    agg: str
    step_ms: int
    start_ms: int  # a window boundary
    end_ms: int  # exclusive, a window boundary
    labels: dict[str, str] = field(default_factory=dict)

    def wants(self, series: str) -> bool:
        _name, labels = parse_series_key(series)
        found = dict(labels)
        return all(found.get(k) == v for k, v in self.labels.items())


def labels_filter(text: str | None) -> dict[str, str]:
    """labels=a=x,b=y (exact matches; every given label must match)."""
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise Unprocessable("labels must look like name=value,name2=value2", details={"labels": text[:200]})
        out[name.strip()] = value.strip()
    return out


def parse_metrics_query(params: Mapping[str, str], now_ms: int, window_ms: int) -> MetricsQuery:
    name = params.get("name")
    if not name:
        raise Unprocessable("name is required", details={"name": None})
    agg = check_agg(params.get("agg", "avg"))
    end = parse_time(params["to"], "to") if "to" in params else now_ms
    start = parse_time(params["from"], "from") if "from" in params else end - DEFAULT_RANGE_MS
    step = int_param(params, "step", window_ms // 1000, -_ANY_STEP, _ANY_STEP, what="whole seconds") * 1000
    if step <= 0 or step % window_ms:
        raise Unprocessable(
            f"step must be a multiple of the window ({window_ms // 1000} s)", details={"step": step // 1000}
        )
    start, end = start - start % window_ms, end - end % window_ms + window_ms
    if start >= end or (end - start) // step > MAX_STEPS:
        raise Unprocessable(f"from/to/step give more than {MAX_STEPS} steps", details={"from": start, "to": end})
    return MetricsQuery(name, agg, step, start, end, labels_filter(params.get("labels")))


def query_answer(query: MetricsQuery, rows: list[WindowRow]) -> dict[str, Any]:
    """The shards' windows merged per series and bucketed by step; at most MAX_SERIES series."""
    per_series: dict[str, list[tuple[int, Window]]] = defaultdict(list)
    for row in rows:
        if query.wants(row.series):
            per_series[row.series].append((row.start, Window.from_json(json.loads(row.agg))))
    if len(per_series) > MAX_SERIES:
        raise Unprocessable(
            f"more than {MAX_SERIES} series match; narrow the labels", details={"series": len(per_series)}
        )
    out = []
    for series, windows in sorted(per_series.items()):
        _name, labels = parse_series_key(series)
        points = [
            [t, w.value(query.agg, query.step_ms / 1000)]
            for t, w in bucket(windows, query.start_ms, query.end_ms, query.step_ms)
        ]
        out.append({"labels": dict(labels), "kind": windows[0][1].kind, "points": points})
    return {
        "name": query.name,
        "agg": query.agg,
        "step": query.step_ms // 1000,
        "from": query.start_ms,
        "to": query.end_ms,
        "series": out,
    }
