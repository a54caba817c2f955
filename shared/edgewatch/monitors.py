"""What the uptime runner watches: HTTP checks from the config, heartbeat monitors for jobs, and
scheduled maintenance.

HTTP checks come from ``healthChecks.endpoints`` (paths joined to ``baseUrl``, or full URLs) and
``healthChecks.checks`` (full specs); the write API adds more at run time. A heartbeat monitor
expects a ping every ``every`` (plus ``grace``) and is judged once a minute like a probe, so the
same UP/DOWN state machine, incidents and uptime apply to both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .checks import (
    MAX_INTERVAL_MS,
    MIN_INTERVAL_MS,
    CheckSpec,
    MaintenanceWindow,
    ProbeReason,
    ProbeResult,
    check_id_of,
    check_spec_from_json,
)
from .durations import DurationError, format_duration_ms, parse_duration_ms

if TYPE_CHECKING:
    from .config import HealthChecksConfig


# --- HTTP checks from the config ----------------------------------------------------------------


def endpoint_check_id(endpoint: str) -> str:
    """ "/api/auth/health" -> "api-auth-health"; "https://x.example/up" -> "x.example-up"."""
    text = re.sub(r"^https?://", "", endpoint)
    slug = re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-._")[:64].strip("-._")
    return slug or "root"


def config_checks(config: HealthChecksConfig, base_url: str | None = None) -> tuple[list[CheckSpec], list[str]]:
    """Every HTTP check the config defines, and the ids of those that wait for a base URL.

    ``base_url`` (from the Worker's MONITORED_BASE_URL) applies when the config has no ``baseUrl``.
    A check given as a path cannot run without one; it is reported, not guessed. Raises ValueError
    naming the problem for an invalid check or a repeated id.
    """
    if config.base_url is None and base_url is not None:
        config = config.model_copy(update={"base_url": base_url})
    raw = [{"id": endpoint_check_id(e), "url": e} for e in config.endpoints] + list(config.checks)
    specs: list[CheckSpec] = []
    waiting: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"endpoints.{i}" if i < len(config.endpoints) else f"checks.{i - len(config.endpoints)}"
        url = item.get("url") if isinstance(item, Mapping) else None
        try:
            if isinstance(url, str) and url.startswith("/") and config.base_url is None:
                check_spec_from_json({**item, "url": "http://base.invalid" + url}, config)
                check_id = str(item["id"])
                waiting.append(check_id)
            else:
                spec = check_spec_from_json(item, config)
                check_id = spec.id
                specs.append(spec)
        except ValueError as exc:
            raise ValueError(f"{where}.{exc}") from None
        if check_id in seen:
            raise ValueError(f"{where}: check id {check_id!r} is defined twice")
        seen.add(check_id)
    return specs, waiting


# --- heartbeats -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeartbeatSpec:
    id: str
    every_ms: int
    grace_ms: int = 60_000
    name: str | None = None
    retries_before_up: int = 1

    @property
    def failures_to_go_down(self) -> int:
        return 1  # a missed beat is already late by the grace period: DOWN at once

    @property
    def deadline_ms(self) -> int:
        return self.every_ms + self.grace_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "every": format_duration_ms(self.every_ms),
            "grace": format_duration_ms(self.grace_ms),
        }


def _duration_field(data: Mapping[str, object], key: str, default: int | None, low: int, high: int) -> int:
    raw = data.get(key)
    if raw is None:
        if default is None:
            raise ValueError(f"{key}: required, e.g. '5m'")
        return default
    try:
        value = parse_duration_ms(raw) if isinstance(raw, str) else None
    except DurationError as exc:
        raise ValueError(f"{key}: {exc}") from None
    if value is None:
        raise ValueError(f"{key}: expected a duration string such as '5m'")
    if not low <= value <= high:
        raise ValueError(f"{key}: {raw} is out of range {format_duration_ms(low)}..{format_duration_ms(high)}")
    return value


def heartbeat_from_json(data: Mapping[str, object]) -> HeartbeatSpec:
    if not isinstance(data, Mapping):
        raise ValueError(f"heartbeat: expected an object, got {type(data).__name__}")
    unknown = sorted(set(data) - {"id", "name", "every", "grace"})
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; allowed: every, grace, id, name")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError("name: expected a non-empty string")
    return HeartbeatSpec(
        id=check_id_of(data.get("id")),
        every_ms=_duration_field(data, "every", None, MIN_INTERVAL_MS, MAX_INTERVAL_MS * 7),
        grace_ms=_duration_field(data, "grace", 60_000, 1_000, MAX_INTERVAL_MS),
        name=None if name is None else name[:120],
    )


def judge_heartbeat(spec: HeartbeatSpec, last_ping_ms: int | None, created_ms: int, now_ms: int) -> ProbeResult | None:
    """The minute's verdict on a heartbeat; None while a new monitor still waits for its first beat."""
    if last_ping_ms is None:
        if now_ms - created_ms <= spec.deadline_ms:
            return None
        return ProbeResult(
            False, False, ProbeReason.MISSED, f"no ping since the monitor was created ({spec.every_ms // 1000}s period)"
        )
    late_by = now_ms - last_ping_ms - spec.deadline_ms
    if late_by > 0:
        return ProbeResult(
            False,
            False,
            ProbeReason.MISSED,
            f"last ping {(now_ms - last_ping_ms) // 1000}s ago; expected every {spec.every_ms // 1000}s",
        )
    return ProbeResult(True, False, ProbeReason.OK, f"last ping {(now_ms - last_ping_ms) // 1000}s ago")


# --- maintenance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Maintenance:
    """A maintenance window for some checks (all when ``checks`` is None); probes inside it are
    still run and shown, but excluded from the SLA."""

    id: str
    window: MaintenanceWindow
    checks: tuple[str, ...] | None = None
    reason: str = ""

    def applies(self, check_id: str, t_ms: int) -> bool:
        return (self.checks is None or check_id in self.checks) and self.window.covers(t_ms)

    def to_json(self) -> dict[str, Any]:
        w = self.window
        return {
            "id": self.id,
            "start": _iso(w.start_ms),
            "end": _iso(w.end_ms),
            "every": None if w.every_ms is None else format_duration_ms(w.every_ms),
            "until": None if w.until_ms is None else _iso(w.until_ms),
            "checks": None if self.checks is None else list(self.checks),
            "reason": self.reason,
        }


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _instant(data: Mapping[str, object], key: str) -> int:
    raw = data.get(key)
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            raise ValueError(f"{key}: expected epoch milliseconds >= 0")
        return raw
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(f"{key}: {raw!r} is not an ISO 8601 time such as 2026-11-29T02:00:00Z") from None
        if parsed.tzinfo is None:
            raise ValueError(f"{key}: {raw!r} needs a time zone, e.g. a trailing 'Z' for UTC")
        return int(parsed.timestamp() * 1000)
    raise ValueError(f"{key}: required, an ISO 8601 time or epoch milliseconds")


def maintenance_from_json(data: Mapping[str, object]) -> Maintenance:
    if not isinstance(data, Mapping):
        raise ValueError(f"maintenance: expected an object, got {type(data).__name__}")
    allowed = {"id", "start", "end", "every", "until", "checks", "reason"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; allowed: {', '.join(sorted(allowed))}")
    start, end = _instant(data, "start"), _instant(data, "end")
    every = None if data.get("every") is None else _duration_field(data, "every", None, 60_000, 366 * 86_400_000)
    until = None if data.get("until") is None else _instant(data, "until")
    if every is not None and end - start > every:
        raise ValueError("every: a recurring window must not be longer than its period")
    raw_checks = data.get("checks")
    checks = None
    if raw_checks is not None:
        if not isinstance(raw_checks, list) or not raw_checks:
            raise ValueError("checks: expected a non-empty list of check ids (omit it to cover every check)")
        checks = tuple(check_id_of(c) for c in raw_checks)
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise ValueError("reason: expected a string")
    try:
        window = MaintenanceWindow(start, end, every, until)
    except ValueError as exc:
        raise ValueError(f"end: {exc}") from None
    return Maintenance(check_id_of(data.get("id")), window, checks, reason[:200])


def in_maintenance(windows: Sequence[Maintenance], check_id: str, t_ms: int) -> bool:
    return any(m.applies(check_id, t_ms) for m in windows)


def due(interval_ms: int, last_run_ms: int | None, now_ms: int) -> bool:
    """Due when a full interval has passed since the last run; 5 s of slack absorbs cron jitter."""
    return last_run_ms is None or now_ms - last_run_ms >= interval_ms - 5_000


def validate_health_checks(config: HealthChecksConfig) -> None:
    """The config's monitors are valid: raises ValueError naming the field (a config cross-check)."""
    config_checks(config)  # raises on a bad check; paths without a base URL only wait for one
    for i, item in enumerate(config.heartbeats):
        try:
            heartbeat_from_json(item)
        except ValueError as exc:
            raise ValueError(f"heartbeats.{i}.{exc}") from None
    for i, item in enumerate(config.maintenance):
        try:
            maintenance_from_json(item)
        except ValueError as exc:
            raise ValueError(f"maintenance.{i}.{exc}") from None
