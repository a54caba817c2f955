from __future__ import annotations

import pytest

from edgewatch.uptime.probe import ProbeReason, judge
from edgewatch.uptime.spec import CheckSpec

SPEC = CheckSpec(id="api", url="https://api.example.com/health")
KW = CheckSpec(id="kw", url="https://x.example/", keyword="healthy")
KW_ABSENT = CheckSpec(id="kw2", url="https://x.example/", keyword="maintenance", keyword_must_exist=False)


# --- judge ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "probe", "ok", "degraded", "reason"),
    [
        (SPEC, (200, 120.0, "", None), True, False, ProbeReason.OK),  # fast 200
        (SPEC, (200, None, None, None), True, False, ProbeReason.OK),  # latency unknown: not slow
        (SPEC, (200, 2000.0, "", None), True, False, ProbeReason.OK),  # exactly the threshold is not slow
        (SPEC, (200, 2500.0, "", None), True, True, ProbeReason.SLOW),  # passing but above degraded_ms
        (SPEC, (503, 50.0, "", None), False, False, ProbeReason.BAD_STATUS),  # unexpected status
        (SPEC, (301, 50.0, "", None), False, False, ProbeReason.BAD_STATUS),  # redirect not expected
        (KW, (200, 50.0, "status: degraded", None), False, False, ProbeReason.KEYWORD_MISSING),
        (KW, (200, 50.0, None, None), False, False, ProbeReason.KEYWORD_MISSING),  # no body at all
        (KW, (200, 50.0, "all healthy", None), True, False, ProbeReason.OK),  # keyword found
        (KW, (200, 50.0, "all HEALTHY", None), False, False, ProbeReason.KEYWORD_MISSING),  # case-sensitive
        (KW_ABSENT, (200, 50.0, "down for maintenance", None), False, False, ProbeReason.KEYWORD_PRESENT),
        (KW_ABSENT, (200, 50.0, "fine", None), True, False, ProbeReason.OK),  # forbidden keyword absent
        (KW, (500, 50.0, "healthy", None), False, False, ProbeReason.BAD_STATUS),  # status checked before keyword
        (SPEC, (None, 10000.0, None, "aborted"), False, False, ProbeReason.TIMEOUT),  # no answer within timeout
        (SPEC, (None, None, None, "The operation timed out"), False, False, ProbeReason.TIMEOUT),
        (SPEC, (200, 10500.0, "", None), False, False, ProbeReason.TIMEOUT),  # late answer counts as timeout
        (SPEC, (None, 30.0, None, "DNS lookup failed"), False, False, ProbeReason.NETWORK_ERROR),
        (SPEC, (None, None, None, None), False, False, ProbeReason.NETWORK_ERROR),  # nothing at all
    ],
)
def test_judge(
    spec: CheckSpec,
    probe: tuple[int | None, float | None, str | None, str | None],  # status, latency, body, error
    ok: bool,
    degraded: bool,
    reason: ProbeReason,
) -> None:
    result = judge(spec, *probe)
    assert (result.ok, result.degraded, result.reason) == (ok, degraded, reason)
    assert result.detail


def test_judge_detail_is_clean_and_bounded() -> None:
    result = judge(SPEC, None, None, None, "boom\x1b[31m\n" + "x" * 1000)
    assert "\x1b" not in result.detail and "\n" not in result.detail
    assert len(result.detail) <= 200
    assert judge(SPEC, 503, 10.0, "", None).detail == "HTTP 503, expected 200"
