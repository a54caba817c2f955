"""Uptime checks: judge one probe, advance a check's state, open and close incidents, compute uptime.

Sans-I/O: the Worker performs the HTTP request and hands the outcome (status, latency, body,
error) to ``judge``; ``advance`` turns a stream of judged probes into UP/DEGRADED/DOWN with
retry thresholds so that one failed probe never pages anybody; ``uptime`` excludes maintenance.
Every decision returns an enum saying why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from .durations import parse_duration_ms

if TYPE_CHECKING:
    from .config import HealthChecksConfig

METHODS = ("GET", "HEAD", "POST")
MAX_TIMEOUT_MS = 30_000
MIN_INTERVAL_MS = 60_000  # the runner is driven by the */1 cron
MAX_INTERVAL_MS = 86_400_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DETAIL_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


# --- spec ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckSpec:
    id: str
    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    expected_status: tuple[int, ...] = (200,)
    keyword: str | None = None
    keyword_must_exist: bool = True
    timeout_ms: int = 10_000
    degraded_ms: int = 2_000
    retries_before_down: int = 2
    retries_before_up: int = 1
    interval_ms: int = 60_000
    name: str | None = None

    @property
    def failures_to_go_down(self) -> int:
        return self.retries_before_down + 1

    def to_json(self, *, redact: bool = False) -> dict[str, Any]:
        """camelCase JSON that ``check_spec_from_json`` reads back; ``redact`` hides header values."""
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "method": self.method,
            "headers": {k: "[redacted]" if redact else v for k, v in self.headers},
            "expectedStatus": list(self.expected_status),
            "keyword": self.keyword,
            "keywordMustExist": self.keyword_must_exist,
            "timeoutMs": self.timeout_ms,
            "degradedMs": self.degraded_ms,
            "retriesBeforeDown": self.retries_before_down,
            "retriesBeforeUp": self.retries_before_up,
            "intervalMs": self.interval_ms,
        }


class Thresholds(Protocol):
    """What ``advance`` needs from a monitor: failures before DOWN and successes before UP again."""

    @property
    def failures_to_go_down(self) -> int: ...

    @property
    def retries_before_up(self) -> int: ...


# JSON key (camelCase as in monitoring-config.json) -> field; snake_case is accepted too.
_KEYS = {
    "id": "id",
    "name": "name",
    "url": "url",
    "method": "method",
    "headers": "headers",
    "expectedStatus": "expected_status",
    "keyword": "keyword",
    "keywordMustExist": "keyword_must_exist",
    "timeout": "timeout_ms",
    "timeoutMs": "timeout_ms",
    "degradedMs": "degraded_ms",
    "retriesBeforeDown": "retries_before_down",
    "retriesBeforeUp": "retries_before_up",
    "interval": "interval_ms",
    "intervalMs": "interval_ms",
}
_KEYS.update({v: v for v in list(_KEYS.values())})


def _int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is out of range {low}..{high}")
    return value


def _str(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: expected a non-empty string")
    return value


def _headers(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping):
        raise ValueError("headers: expected an object of header name to value")
    headers: list[tuple[str, str]] = []
    for name, value in raw.items():
        if not isinstance(name, str) or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise ValueError(f"headers: {name!r} is not a valid header name")
        if not isinstance(value, str) or _CONTROL.search(value):
            raise ValueError(f"headers.{name}: expected a string without control characters")
        headers.append((name, value))
    return tuple(headers)


def _statuses(raw: object) -> tuple[int, ...]:
    statuses = [raw] if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(statuses, list) or not statuses:
        raise ValueError("expectedStatus: expected a status code or a non-empty list of them")
    return tuple(_int(f"expectedStatus.{i}", s, 100, 599) for i, s in enumerate(statuses))


def check_spec_from_json(data: Mapping[str, object], defaults: HealthChecksConfig | None = None) -> CheckSpec:
    """Build a CheckSpec from one JSON object; raise ValueError naming the field and the problem.

    ``defaults`` supplies the timeout when none is given, and the base URL that a path such as
    ``/health`` is joined to.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"check: expected an object, got {type(data).__name__}")
    values: dict[str, object] = {}
    for key, value in data.items():
        name = _KEYS.get(key)
        if name is None:
            raise ValueError(f"{key}: unknown field; allowed: {', '.join(sorted(_KEYS))}")
        if name in values:
            raise ValueError(f"{key}: given twice (camelCase and snake_case)")
        values[name] = value
    if "id" not in values:
        raise ValueError("id: required")
    if "url" not in values:
        raise ValueError("url: required")
    check_id = check_id_of(values["id"])
    name_raw = values.get("name")
    name = None if name_raw is None else _str("name", name_raw)[:120]

    url = _str("url", values["url"])
    if url.startswith("/"):
        base = defaults.base_url if defaults is not None else None
        if base is None:
            raise ValueError(f"url: {url!r} is a path but no baseUrl is configured; use an http(s) URL")
        url = base.rstrip("/") + url
    if not re.match(r"^https?://[^/\s?#]+", url) or any(c.isspace() for c in url):
        raise ValueError(f"url: {url!r} must be an http:// or https:// URL with a host")

    method = _str("method", values.get("method", "GET")).upper()
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {', '.join(METHODS)}")

    headers = _headers(values.get("headers", {}))

    expected = _statuses(values.get("expected_status", [200]))

    keyword_raw = values.get("keyword")
    keyword = None if keyword_raw is None else _str("keyword", keyword_raw)
    must_exist = values.get("keyword_must_exist", True)
    if not isinstance(must_exist, bool):
        raise ValueError("keywordMustExist: expected true or false")
    if keyword is not None and method == "HEAD":
        raise ValueError("keyword: a HEAD response has no body to search; use GET")

    default_timeout = defaults.timeout if defaults is not None else CheckSpec.timeout_ms
    timeout_ms = _int("timeout", values.get("timeout_ms", default_timeout), 1, MAX_TIMEOUT_MS)
    degraded_ms = _int("degradedMs", values.get("degraded_ms", min(CheckSpec.degraded_ms, timeout_ms)), 1, timeout_ms)
    retries_down = _int("retriesBeforeDown", values.get("retries_before_down", CheckSpec.retries_before_down), 0, 100)
    retries_up = _int("retriesBeforeUp", values.get("retries_before_up", CheckSpec.retries_before_up), 1, 100)
    default_interval = defaults.interval if defaults is not None else CheckSpec.interval_ms
    interval = _int("interval", values.get("interval_ms", default_interval), MIN_INTERVAL_MS, MAX_INTERVAL_MS)

    return CheckSpec(
        id=check_id,
        url=url,
        method=method,
        headers=headers,
        expected_status=expected,
        keyword=keyword,
        keyword_must_exist=must_exist,
        timeout_ms=timeout_ms,
        degraded_ms=degraded_ms,
        retries_before_down=retries_down,
        retries_before_up=retries_up,
        interval_ms=interval,
        name=name,
    )


def check_id_of(value: object) -> str:
    """Ids appear in URLs: 1-64 characters of letters, digits, '.', '_' and '-'."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValueError("id: expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


# --- one probe -------------------------------------------------------------------------------


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
    text = _CONTROL.sub(" ", text).strip()
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


# --- state machine ---------------------------------------------------------------------------


class State(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    PENDING = "pending"


class TransitionReason(StrEnum):
    FIRST_RESULT = "first_result"
    STILL_SAME = "still_same"
    FAILURE_BELOW_THRESHOLD = "failure_below_threshold"
    WENT_DOWN = "went_down"
    RECOVERING_BELOW_THRESHOLD = "recovering_below_threshold"
    CAME_UP = "came_up"
    BECAME_DEGRADED = "became_degraded"
    NO_LONGER_DEGRADED = "no_longer_degraded"


@dataclass
class CheckState:
    state: State
    consecutive_failures: int
    consecutive_successes: int
    since_ms: int
    last_change_reason: TransitionReason | None = None

    @classmethod
    def initial(cls, now_ms: int) -> CheckState:
        return cls(State.PENDING, 0, 0, now_ms, None)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "consecutive_failures": self.consecutive_failures,
            "consecutive_successes": self.consecutive_successes,
            "since_ms": self.since_ms,
            "last_change_reason": None if self.last_change_reason is None else self.last_change_reason.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckState:
        reason = data.get("last_change_reason")
        return cls(
            State(data["state"]),
            int(data["consecutive_failures"]),
            int(data["consecutive_successes"]),
            int(data["since_ms"]),
            None if reason is None else TransitionReason(reason),
        )


@dataclass(frozen=True)
class Transition:
    new: CheckState
    changed: bool
    reason: TransitionReason
    previous: State = State.PENDING
    detail: str = ""  # the probe's detail, e.g. the cause of an incident


def advance(prev: CheckState, result: ProbeResult, now_ms: int, spec: Thresholds) -> Transition:
    """Fold one judged probe into the check's state. ``prev`` is not modified."""
    if result.ok:
        failures, successes = 0, prev.consecutive_successes + 1
        passing = State.DEGRADED if result.degraded else State.UP
        if prev.state is State.PENDING:
            state, reason = passing, TransitionReason.FIRST_RESULT
        elif prev.state is State.DOWN:
            if successes >= spec.retries_before_up:
                state, reason = passing, TransitionReason.CAME_UP
            else:
                state, reason = State.DOWN, TransitionReason.RECOVERING_BELOW_THRESHOLD
        elif prev.state is passing:
            state, reason = passing, TransitionReason.STILL_SAME
        elif passing is State.DEGRADED:
            state, reason = passing, TransitionReason.BECAME_DEGRADED
        else:
            state, reason = passing, TransitionReason.NO_LONGER_DEGRADED
    else:
        failures, successes = prev.consecutive_failures + 1, 0
        if prev.state is State.DOWN:
            state, reason = State.DOWN, TransitionReason.STILL_SAME
        elif failures >= spec.failures_to_go_down:
            state, reason = State.DOWN, TransitionReason.WENT_DOWN
        else:
            state, reason = prev.state, TransitionReason.FAILURE_BELOW_THRESHOLD
    changed = state is not prev.state
    new = CheckState(
        state=state,
        consecutive_failures=failures,
        consecutive_successes=successes,
        since_ms=now_ms if changed else prev.since_ms,
        last_change_reason=reason if changed else prev.last_change_reason,
    )
    return Transition(new=new, changed=changed, reason=reason, previous=prev.state, detail=result.detail)


# --- incidents -------------------------------------------------------------------------------


@dataclass
class Incident:
    check_id: str
    start_ms: int
    end_ms: int | None
    cause: str

    @property
    def duration_ms(self) -> int | None:
        """None while the incident is open."""
        return None if self.end_ms is None else self.end_ms - self.start_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "duration_ms": self.duration_ms,
            "cause": self.cause,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Incident:
        end = data.get("end_ms")
        return cls(str(data["check_id"]), int(data["start_ms"]), None if end is None else int(end), str(data["cause"]))


def incidents_update(
    open_incident: Incident | None, transition: Transition, check_id: str, now_ms: int
) -> tuple[Incident | None, Incident | None]:
    """Return (the incident still open, the incident closed by this transition)."""
    if transition.reason is TransitionReason.WENT_DOWN and open_incident is None:
        return Incident(check_id, now_ms, None, transition.detail), None
    if transition.reason is TransitionReason.CAME_UP and open_incident is not None:
        closed = Incident(open_incident.check_id, open_incident.start_ms, now_ms, open_incident.cause)
        return None, closed
    return open_incident, None


# --- maintenance and uptime ------------------------------------------------------------------


@dataclass(frozen=True)
class MaintenanceWindow:
    """[start_ms, end_ms), repeated every ``every_ms`` if set; like iCalendar's UNTIL, ``until_ms``
    bounds the start of an occurrence (inclusive), and an occurrence that has begun runs to its end."""

    start_ms: int
    end_ms: int
    every_ms: int | None = None
    until_ms: int | None = None

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            raise ValueError(f"maintenance window ends ({self.end_ms}) before it starts ({self.start_ms})")
        if self.every_ms is not None and self.every_ms <= 0:
            raise ValueError("maintenance window: every_ms must be positive")
        if self.until_ms is not None and self.every_ms is None:
            raise ValueError("maintenance window: until_ms only applies to a recurring window (every_ms)")

    def covers(self, t_ms: int) -> bool:
        if t_ms < self.start_ms:
            return False
        if self.every_ms is None:
            return t_ms < self.end_ms
        length = self.end_ms - self.start_ms
        # The latest occurrence starting at or before t, then step back while an earlier one still covers t.
        k = (t_ms - self.start_ms) // self.every_ms
        while k >= 0:
            occurrence = self.start_ms + k * self.every_ms
            if t_ms >= occurrence + length:
                return False
            if self.until_ms is None or occurrence <= self.until_ms:
                return True
            k -= 1
        return False


@dataclass(frozen=True)
class UptimeReport:
    start_ms: int
    end_ms: int
    total: int  # probes in [start_ms, end_ms)
    up: int  # UP or DEGRADED, outside maintenance
    down: int  # DOWN, outside maintenance
    excluded: int  # inside a maintenance window
    pending: int = 0  # PENDING outside maintenance: not yet known, not counted
    ratio: float | None = field(default=None)  # up / (up + down); None when no probe counts


def uptime(
    samples: Sequence[tuple[int, State]],
    start_ms: int,
    end_ms: int,
    maintenance: Sequence[MaintenanceWindow],
) -> UptimeReport:
    if end_ms <= start_ms:
        raise ValueError(f"uptime window ends ({end_ms}) before it starts ({start_ms})")
    total = up = down = excluded = pending = 0
    for t_ms, state in samples:
        if not start_ms <= t_ms < end_ms:
            continue
        total += 1
        if any(w.covers(t_ms) for w in maintenance):
            excluded += 1
        elif state is State.DOWN:
            down += 1
        elif state is State.PENDING:
            pending += 1
        else:
            up += 1
    counted = up + down
    ratio = up / counted if counted else None
    return UptimeReport(start_ms, end_ms, total, up, down, excluded, pending, ratio)


STANDARD_WINDOWS = ("24h", "7d", "30d", "90d")


def uptime_windows(
    samples: Sequence[tuple[int, State]], now_ms: int, maintenance: Sequence[MaintenanceWindow]
) -> dict[str, UptimeReport]:
    """Uptime over the last 24h/7d/30d/90d: each window is (now - span, now], so a probe at now counts."""
    return {
        name: uptime(samples, now_ms - parse_duration_ms(name) + 1, now_ms + 1, maintenance)
        for name in STANDARD_WINDOWS
    }
