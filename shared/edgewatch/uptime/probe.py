"""Judge one HTTP probe: the Worker performs the request and hands the outcome (status, latency,
body, error) to ``judge``, which says whether it passed and why (sans-I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .fields import CONTROL
from .spec import CheckSpec

_DETAIL_MAX = 200


class ProbeReason(StrEnum):
    OK = "ok"
    SLOW = "slow"
    BAD_STATUS = "bad_status"
    KEYWORD_MISSING = "keyword_missing"
    KEYWORD_PRESENT = "keyword_present"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    MISSED = "missed"  # a heartbeat that did not arrive in time


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    degraded: bool
    reason: ProbeReason
    detail: str


def _clean(text: str) -> str:
    text = CONTROL.sub(" ", text).strip()
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"


def _fail(reason: ProbeReason, detail: str) -> ProbeResult:
    return ProbeResult(ok=False, degraded=False, reason=reason, detail=_clean(detail))


def judge(
    spec: CheckSpec,
    status: int | None,
    latency_ms: float | None,
    body_text: str | None,
    error: str | None,
) -> ProbeResult:
    """Judge one probe. A response slower than the timeout counts as a timeout even if it arrived."""
    late = latency_ms is not None and latency_ms >= spec.timeout_ms
    if error is not None or status is None:
        message = error or "no response"
        if late or re.search(r"time(d)?\s*-?out", message, re.IGNORECASE):
            return _fail(ProbeReason.TIMEOUT, f"no response within {spec.timeout_ms}ms: {message}")
        return _fail(ProbeReason.NETWORK_ERROR, message)
    if late:
        return _fail(ProbeReason.TIMEOUT, f"response took {latency_ms:.0f}ms, timeout is {spec.timeout_ms}ms")
    if status not in spec.expected_status:
        wanted = ", ".join(str(s) for s in spec.expected_status)
        return _fail(ProbeReason.BAD_STATUS, f"HTTP {status}, expected {wanted}")
    if spec.keyword is not None:
        present = spec.keyword in (body_text or "")
        if spec.keyword_must_exist and not present:
            return _fail(ProbeReason.KEYWORD_MISSING, f"keyword {spec.keyword!r} not found in the body")
        if not spec.keyword_must_exist and present:
            return _fail(ProbeReason.KEYWORD_PRESENT, f"keyword {spec.keyword!r} found in the body")
    if latency_ms is not None and latency_ms > spec.degraded_ms:
        return ProbeResult(
            True, True, ProbeReason.SLOW, f"HTTP {status} in {latency_ms:.0f}ms (> {spec.degraded_ms}ms)"
        )
    took = "" if latency_ms is None else f" in {latency_ms:.0f}ms"
    return ProbeResult(True, False, ProbeReason.OK, f"HTTP {status}{took}")
