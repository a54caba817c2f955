"""Summaries of Web Vitals: one sample per metric instance, the exact p75 and the rating
distribution, per (route, device) and overall."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from ..config import WebVitalsThresholds
from ..quantiles import nearest_rank
from .beacons import VitalSample
from .messages import VitalValue
from .ratings import RATINGS, Rating, rate


def dedupe(samples: list[VitalSample]) -> list[VitalSample]:
    """One sample per metric instance: the library re-reports CLS and INP under one id as they grow.

    Samples are keyed by (name, id), so two metrics that happen to share an id do not replace each
    other; per key the latest ``ts`` wins, on a tie the last one given. The result keeps the order in
    which each key first appeared.
    """
    kept: dict[tuple[str, str], VitalSample] = {}
    for sample in samples:
        key = (sample.name, sample.id)
        previous = kept.get(key)
        if previous is None or sample.ts >= previous.ts:
            kept[key] = sample
    return list(kept.values())


def p75(values: list[float]) -> float | None:
    """The 75th percentile by nearest rank (``edgewatch.quantiles``): the ceil(0.75 * n)-th smallest value.

    It is always one of the values (no interpolation), as CrUX and the web-vitals guidance report p75.
    None for no values.
    """
    return nearest_rank(sorted(values), 0.75)


def distribution(ratings: list[Rating]) -> dict[str, int]:
    """How many samples have each rating; all three keys are always present."""
    counts: dict[str, int] = dict.fromkeys(RATINGS, 0)
    for rating in ratings:
        if rating in counts:
            counts[rating] += 1
    return counts


def summarize(rows: list[VitalValue], by_device: bool = True) -> list[dict[str, Any]]:
    """Per (route, device) and overall per device: count, exact p75, rating distribution.
    ``by_device=False``: per route over every device (device ``*``) and overall."""
    groups: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    for row in rows:
        item = (row.value, row.rating)
        if by_device:
            groups[(row.route, row.device)].append(item)
            groups[("*", row.device)].append(item)
        else:
            groups[(row.route, "*")].append(item)
        groups[("*", "*")].append(item)
    out = []
    for (route, device), items in sorted(groups.items()):
        out.append(
            {
                "route": route,
                "device": device,
                "count": len(items),
                "p75": p75([v for v, _ in items]),
                "distribution": distribution([cast(Rating, r) for _, r in items]),
            }
        )
    return out


def rated_summary(
    name: str, rows: list[VitalValue], thresholds: WebVitalsThresholds, by_device: bool = True
) -> list[dict[str, Any]]:
    """summarize, each group's p75 rated against the thresholds (None when it has no values)."""
    groups = summarize(rows, by_device)
    for group in groups:
        group["rating"] = None if group["p75"] is None else rate(name, group["p75"], thresholds)
    return groups
