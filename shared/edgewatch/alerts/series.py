"""A SeriesQuery answered from the data the stores hand over: the logs' per-minute counts (the
metric ``log_events``, labels ``service`` and ``level``) and the metric windows.

Ranges: a query covers ``[until - range, until)``. Log counts are per minute, so the minutes whose
start lies in that range count. Metric windows are coarser (5 minutes by default): every window
that overlaps the range counts, so a quantile or a rate is over whole windows (the sketch's 1%
relative error applies within them). ``rate`` is per second over the query's range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from edgewatch.metrics import Window

from .evaluate import SeriesQuery
from .model import LabelSet, label_set


@dataclass(frozen=True)
class SeriesValue:
    labels: dict[str, str]
    value: float


def _selects(query: SeriesQuery, labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels.get(m.name, "")) for m in query.matchers)


def _key(query: SeriesQuery, labels: Mapping[str, str]) -> LabelSet:
    return label_set({name: labels.get(name, "") for name in query.by})


def _combine(agg: str, values: list[float], seconds: float) -> float:
    if agg in ("sum", "count") or agg == "rate":
        total = sum(values)
        return total / seconds if agg == "rate" else total
    if agg == "avg":
        return sum(values) / len(values)
    return min(values) if agg == "min" else max(values)


def count_values(
    query: SeriesQuery, rows: Iterable[tuple[str, int, str, float]], until_ms: int
) -> dict[LabelSet, float]:
    """``rows`` are (service, minute start, level, events seen). Each (service, level) series is
    summed over the range first; then ``agg`` combines the series of each ``by`` group (count: how
    many events, as sum)."""
    start = until_ms - query.range_ms
    per_series: dict[tuple[str, str], float] = {}
    for service, minute, level, seen in rows:
        if start <= minute < until_ms and _selects(query, {"service": service, "level": level}):
            per_series[(service, level)] = per_series.get((service, level), 0.0) + seen
    groups: dict[LabelSet, list[float]] = {}
    for (service, level), total in per_series.items():
        groups.setdefault(_key(query, {"service": service, "level": level}), []).append(total)
    agg = "sum" if query.agg == "count" else query.agg
    if agg == "quantile":
        raise ValueError("a quantile of log_events is not defined (counts have no distribution)")
    return {labels: _combine(agg, values, query.range_ms / 1000) for labels, values in groups.items()}


def window_values(
    query: SeriesQuery, windows: Iterable[tuple[Mapping[str, str], int, int, Window]], until_ms: int
) -> dict[LabelSet, float]:
    """``windows`` are (series labels, window start, window size, window). The windows of every
    selected series overlapping the range are merged per ``by`` group, then ``agg`` is read."""
    start = until_ms - query.range_ms
    merged: dict[LabelSet, Window] = {}
    for labels, window_start, size, window in windows:
        if window_start + size <= start or window_start >= until_ms or not _selects(query, labels):
            continue
        key = _key(query, labels)
        into = merged.get(key)
        if into is None:
            into = merged[key] = Window(window.kind)
        into.merge(window)
    out: dict[LabelSet, float] = {}
    for key, window in merged.items():
        value = _window_value(query, window)
        if value is not None:
            out[key] = value
    return out


def _window_value(query: SeriesQuery, window: Window) -> float | None:
    if window.count == 0:
        return None
    if query.agg == "quantile":
        assert query.quantile is not None
        return None if window.sketch is None else window.sketch.quantile(query.quantile)
    if query.agg == "rate":
        return window.value("rate", query.range_ms / 1000)
    return window.value(query.agg, query.range_ms / 1000)
