from __future__ import annotations

from edgewatch.uptime.history import (
    HOUR_MS,
    HourBucket,
)
from edgewatch.uptime.probe import ProbeReason, ProbeResult
from edgewatch.uptime.spec import CheckSpec
from edgewatch.uptime.states import State
from edgewatch.uptime.statuspage import Component, OpenIncident, overall_state, status_page

MIN = 60_000
T = 1_800_000_000_000 - 1_800_000_000_000 % HOUR_MS
OK = ProbeResult(True, False, ProbeReason.OK, "HTTP 200")
SLOW = ProbeResult(True, True, ProbeReason.SLOW, "HTTP 200 in 3000ms")
FAIL = ProbeResult(False, False, ProbeReason.BAD_STATUS, "HTTP 500, expected 200")
SPEC = CheckSpec(id="api", url="https://x.example/", retries_before_down=1, retries_before_up=1)


# --- status page ----------------------------------------------------------------------------------


def test_overall_state() -> None:
    assert overall_state([]) == "unknown"
    assert overall_state([State.PENDING]) == "unknown"
    assert overall_state([State.UP, State.PENDING]) == "operational"
    assert overall_state([State.UP, State.DEGRADED]) == "degraded_performance"
    assert overall_state([State.UP, State.DOWN]) == "partial_outage"
    assert overall_state([State.DOWN, State.DOWN]) == "major_outage"


def test_status_page_shows_public_causes_only() -> None:
    components = [
        Component("api", "API", "http", State.DOWN, T, [HourBucket(T, up=3, down=1)]),
        Component("web", "Web", "http", State.UP, T, []),
    ]
    page = status_page(
        components, [OpenIncident("api", T, "network_error"), OpenIncident("gone", T, "timeout")], T + MIN
    )
    assert page["overall"] == "partial_outage"
    assert page["components"][0]["uptime"]["24h"] == 0.75
    assert page["components"][1]["uptime"]["24h"] is None
    assert page["incidents"] == [{"component": "api", "name": "API", "started_ms": T, "cause": "unreachable"}]
