from __future__ import annotations

import json

import pytest

from edgewatch.config import DEFAULTS_DIR, Threshold, WebVitalsThresholds, load_web_vitals
from edgewatch.vitals import (
    Rating,
    rate,
)

THRESHOLDS: WebVitalsThresholds = load_web_vitals(json.loads((DEFAULTS_DIR / "web-vitals.json").read_text()))


# -- rate ------------------------------------------------------------------------------------------

RATE_CASES: list[tuple[str, float, Rating]] = [
    # CLS: good <= 0.1, poor > 0.25
    ("CLS", 0.1, "good"),  # exactly good
    ("CLS", 0.1001, "needs-improvement"),  # just above good
    ("CLS", 0.25, "needs-improvement"),  # exactly poor
    ("CLS", 0.2501, "poor"),  # just above poor
    # FCP: good <= 1800 ms, poor > 3000 ms
    ("FCP", 1800, "good"),
    ("FCP", 1800.1, "needs-improvement"),
    ("FCP", 3000, "needs-improvement"),
    ("FCP", 3000.1, "poor"),
    # FID: good <= 100 ms, poor > 300 ms
    ("FID", 100, "good"),
    ("FID", 100.1, "needs-improvement"),
    ("FID", 300, "needs-improvement"),
    ("FID", 300.1, "poor"),
    # INP: good <= 200 ms, poor > 500 ms
    ("INP", 200, "good"),
    ("INP", 201, "needs-improvement"),  # INP is reported in whole milliseconds
    ("INP", 500, "needs-improvement"),
    ("INP", 501, "poor"),
    # LCP: good <= 2500 ms, poor > 4000 ms
    ("LCP", 2500, "good"),
    ("LCP", 2500.1, "needs-improvement"),
    ("LCP", 4000, "needs-improvement"),
    ("LCP", 4000.1, "poor"),
    # TTFB: good <= 800 ms, poor > 1800 ms
    ("TTFB", 800, "good"),
    ("TTFB", 800.1, "needs-improvement"),
    ("TTFB", 1800, "needs-improvement"),
    ("TTFB", 1800.1, "poor"),
    # zero is always good; the name is case-insensitive
    ("lcp", 0, "good"),
    ("Cls", 0.3, "poor"),
]


@pytest.mark.parametrize(("name", "value", "expected"), RATE_CASES)
def test_rate_boundaries(name: str, value: float, expected: Rating) -> None:
    assert rate(name, value, THRESHOLDS) == expected


def test_rate_uses_the_configured_thresholds() -> None:
    strict: WebVitalsThresholds = {**THRESHOLDS, "lcp": Threshold(good=1000, poor=2000)}
    assert rate("LCP", 1500, strict) == "needs-improvement"
    assert rate("LCP", 2500, strict) == "poor"


def test_rate_falls_back_to_the_library_thresholds_for_a_missing_metric() -> None:
    assert rate("INP", 200, {}) == "good"
    assert rate("INP", 500.5, {}) == "poor"


@pytest.mark.parametrize("name", ["TBT", "", "ﬁd", "lcp "])
def test_rate_refuses_unknown_names(name: str) -> None:
    with pytest.raises(ValueError, match="not a web vital"):
        rate(name, 1, THRESHOLDS)


def test_rate_refuses_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        rate("LCP", float("nan"), THRESHOLDS)
