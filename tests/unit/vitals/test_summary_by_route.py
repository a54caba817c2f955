from __future__ import annotations

from edgewatch.config import Threshold
from edgewatch.vitals import VitalValue, rated_summary, summarize

ROWS = [
    VitalValue("/a", "mobile", 1000.0, "good"),
    VitalValue("/a", "desktop", 3000.0, "needs-improvement"),
    VitalValue("/a", "desktop", 5000.0, "poor"),
    VitalValue("/b", "mobile", 2000.0, "good"),
]


def test_by_route_over_every_device() -> None:
    groups = {(g["route"], g["device"]): g for g in summarize(ROWS, by_device=False)}
    assert set(groups) == {("/a", "*"), ("/b", "*"), ("*", "*")}
    assert groups[("/a", "*")]["count"] == 3 and groups[("/a", "*")]["p75"] == 5000.0  # ceil(0.75*3) = 3rd
    assert groups[("*", "*")]["count"] == 4  # each report counted once overall
    assert groups[("/a", "*")]["distribution"] == {"good": 1, "needs-improvement": 1, "poor": 1}


def test_the_default_keeps_devices() -> None:
    keys = {(g["route"], g["device"]) for g in summarize(ROWS)}
    assert ("/a", "desktop") in keys and ("*", "mobile") in keys and ("/a", "*") not in keys


def test_rated_by_route() -> None:
    rated = rated_summary("LCP", ROWS, {"lcp": Threshold(good=2500, poor=4000)}, by_device=False)
    assert {g["route"]: g["rating"] for g in rated} == {"*": "needs-improvement", "/a": "poor", "/b": "good"}
