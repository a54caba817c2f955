"""The Prometheus scrape (``GET /metrics``) built from the shards' running totals and recent windows.

Counters expose their sum of increments (``_total`` appended when missing), gauges their last
value, timings a summary: p50/p95/p99 over the current and previous window, ``_sum`` and
``_count`` over all time. A name pushed as two kinds keeps the first kind seen; the others are
counted in ``edgewatch_metric_kind_conflicts``.
"""

from __future__ import annotations

import json

from .messages import RecentAnswer, SeriesTotal
from .model import parse_series_key
from .prometheus import Family, FamilyType, Sample
from .windows import Window

QUANTILES = (0.5, 0.95, 0.99)
CONFLICTS = "edgewatch_metric_kind_conflicts"
_FAMILY_TYPE: dict[str, FamilyType] = {"counter": "counter", "gauge": "gauge"}
_HELP = {
    "counter": "{} (sum of increments)",
    "gauge": "{} (last value)",
    "summary": "{} (quantiles over the current and previous window)",
}


def scrape_since(now_ms: int, window_ms: int) -> int:
    """The start of the previous window: the scrape's quantiles cover it and the current one."""
    return now_ms - now_ms % window_ms - window_ms


def recent_windows(answers: list[RecentAnswer]) -> dict[str, Window]:
    """Per series, its recent windows of every shard merged into one."""
    recent: dict[str, Window] = {}
    for answer in answers:
        for row in answer.windows:
            parsed = Window.from_json(json.loads(row.agg))
            if row.series in recent:
                recent[row.series].merge(parsed)
            else:
                recent[row.series] = parsed
    return recent


def _samples(
    total: SeriesTotal, exposed: str, name: str, labels: tuple[tuple[str, str], ...], latest: Window | None
) -> list[Sample]:
    if total.kind == "counter":
        return [Sample(exposed, labels, total.total_sum)]
    if total.kind == "gauge":
        return [] if total.last is None else [Sample(name, labels, total.last)]
    out = []
    for q in QUANTILES:
        value = None if latest is None or latest.sketch is None else latest.sketch.quantile(q)
        if value is not None:
            out.append(Sample(name, (*labels, ("quantile", str(q))), value))
    out.append(Sample(name + "_sum", labels, total.total_sum))
    out.append(Sample(name + "_count", labels, total.total_count))
    return out


def prometheus_families(answers: list[RecentAnswer]) -> list[Family]:
    recent = recent_windows(answers)
    families: dict[str, Family] = {}
    skipped = 0
    for total in (t for answer in answers for t in answer.totals):
        name, labels = parse_series_key(total.series)
        family_type = _FAMILY_TYPE.get(total.kind, "summary")
        exposed = name if total.kind != "counter" or name.endswith("_total") else name + "_total"
        family = families.get(exposed)
        if family is None:
            family = families[exposed] = Family(exposed, family_type, _HELP[family_type].format(name), [])
        elif family.type != family_type:
            skipped += 1  # one name pushed as two kinds: the first kind seen keeps the name
            continue
        family.samples.extend(_samples(total, exposed, name, labels, recent.get(total.series)))
    if skipped:
        families[CONFLICTS] = Family(
            CONFLICTS,
            "gauge",
            "series not exposed because their name is already used by a metric of another kind",
            [Sample(CONFLICTS, (), float(skipped))],
        )
    return list(families.values())
