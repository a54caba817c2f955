"""Web Vitals ratings: the web-vitals rule against the configured thresholds, with the library's
own thresholds as the fallback."""

from __future__ import annotations

import math
from typing import Literal

from ..config import Threshold, VitalName, WebVitalsThresholds
from ..wire.items import show

Rating = Literal["good", "needs-improvement", "poor"]

RATINGS: tuple[Rating, ...] = ("good", "needs-improvement", "poor")
VITAL_NAMES: tuple[str, ...] = ("CLS", "FCP", "FID", "INP", "LCP", "TTFB")


# The web-vitals library's own thresholds: the fallback for a metric the configuration leaves out.
LIBRARY_THRESHOLDS: dict[VitalName, Threshold] = {
    "cls": Threshold(good=0.1, poor=0.25),
    "fcp": Threshold(good=1800, poor=3000),
    "fid": Threshold(good=100, poor=300),
    "inp": Threshold(good=200, poor=500),
    "lcp": Threshold(good=2500, poor=4000),
    "ttfb": Threshold(good=800, poor=1800),
}


def rate(name: str, value: float, thresholds: WebVitalsThresholds) -> Rating:
    """The web-vitals rule: ``value <= good`` is good, ``value <= poor`` needs improvement, above is poor.

    A metric missing from ``thresholds`` is rated with LIBRARY_THRESHOLDS. A ValueError for a name that is
    not a web vital or a value that is NaN.
    """
    key = name.lower()
    if key not in LIBRARY_THRESHOLDS:
        raise ValueError(f"{show(name)} is not a web vital: {', '.join(VITAL_NAMES)}")
    if math.isnan(value):
        raise ValueError("a NaN value cannot be rated")
    threshold = thresholds.get(key) or LIBRARY_THRESHOLDS[key]
    if value > threshold.poor:
        return "poor"
    if value > threshold.good:
        return "needs-improvement"
    return "good"
