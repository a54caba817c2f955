"""Alertmanager API v2 bodies, as Prometheus and amtool send and read them (field names as in
Alertmanager's ``api/v2/openapi.yaml``).

``POST /api/v2/alerts`` follows Alertmanager's handler: every alert gets ``updatedAt = now``; a
missing start becomes the end (or now); a missing end becomes ``now + resolve_timeout`` (5 minutes);
valid alerts are kept even when others in the body are invalid, and every problem names its index
and field. Go's zero time (``0001-01-01T00:00:00Z``), which go-swagger clients send for unset
times, counts as unset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from edgewatch.wire.items import EntryError
from edgewatch.wire.timestamps import epoch_ms

from .matchers import LABEL_NAME, MatcherError, matcher_from_api
from .model import Alert, LabelSet, label_set
from .silences import Silence

DEFAULT_RESOLVE_TIMEOUT_MS = 5 * 60_000
GO_ZERO_TIME = "0001-01-01T00:00:00.000Z"
MAX_ALERTS_PER_POST = 10_000


class AmApiError(ValueError):
    """A body that cannot be read at all (not a list, not an object)."""


class AmFieldError(EntryError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.problem = message


@dataclass(frozen=True)
class FieldProblem:
    index: int | None
    field: str
    message: str

    def __str__(self) -> str:
        at = f"{self.index}." if self.index is not None else ""
        return f"{at}{self.field}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class PostedAlerts:
    alerts: tuple[Alert, ...]
    problems: tuple[FieldProblem, ...]


def format_time(ms: int | None) -> str:
    if ms is None:
        return GO_ZERO_TIME
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _time(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise AmFieldError(field, "must be an RFC 3339 date-time string")
    if value.startswith("0001-01-01T00:00:00"):
        return None
    try:
        return epoch_ms(value, field)
    except EntryError as exc:
        raise AmFieldError(field, str(exc).removeprefix(f"{field} ")) from None


def _string_map(value: Any, field: str, *, required: bool) -> LabelSet:
    if value is None and not required:
        return ()
    if not isinstance(value, Mapping):
        raise AmFieldError(field, "must be an object of string values")
    for name, item in value.items():
        if not isinstance(name, str) or not LABEL_NAME.fullmatch(name):
            raise AmFieldError(field, f"invalid label name {str(name)[:100]!r}")
        if not isinstance(item, str):
            raise AmFieldError(f"{field}.{name}", "must be a string")
    pairs = label_set(value)
    if required and not pairs:
        raise AmFieldError(field, "at least one label pair required")
    return pairs


def _one_alert(data: Any, now_ms: int, resolve_timeout_ms: int) -> Alert:
    if not isinstance(data, Mapping):
        raise AmFieldError("alert", "must be an object with labels")
    labels = _string_map(data.get("labels"), "labels", required=True)
    annotations = _string_map(data.get("annotations"), "annotations", required=False)
    starts = _time(data.get("startsAt"), "startsAt")
    ends = _time(data.get("endsAt"), "endsAt")
    generator = data.get("generatorURL", "")
    if not isinstance(generator, str):
        raise AmFieldError("generatorURL", "must be a string")
    if starts is None:
        starts = ends if ends is not None else now_ms
    if ends is None:
        ends = now_ms + resolve_timeout_ms
    if ends < starts:
        raise AmFieldError("endsAt", "start time must be before end time")
    return Alert(labels, annotations, starts, ends, generator, now_ms)


def parse_postable_alerts(body: Any, now_ms: int, resolve_timeout_ms: int = DEFAULT_RESOLVE_TIMEOUT_MS) -> PostedAlerts:
    """The body of ``POST /api/v2/alerts``: the valid alerts, and a problem per invalid one."""
    if not isinstance(body, list):
        raise AmApiError("the body must be a JSON array of alerts")
    if len(body) > MAX_ALERTS_PER_POST:
        raise AmApiError(f"at most {MAX_ALERTS_PER_POST} alerts per request")
    alerts: list[Alert] = []
    problems: list[FieldProblem] = []
    for index, data in enumerate(body):
        try:
            alerts.append(_one_alert(data, now_ms, resolve_timeout_ms))
        except AmFieldError as exc:
            problems.append(FieldProblem(index, exc.field, exc.problem))
    return PostedAlerts(tuple(alerts), tuple(problems))


@dataclass(frozen=True)
class AlertMarks:
    """What the pipeline knows about one alert, for ``GET alerts``."""

    receivers: tuple[str, ...] = ()
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    processed: bool = True

    @property
    def state(self) -> str:
        if not self.processed:
            return "unprocessed"
        return "suppressed" if self.silenced_by or self.inhibited_by else "active"


def gettable_alert(alert: Alert, marks: AlertMarks) -> dict[str, Any]:
    return {
        "annotations": dict(alert.annotations),
        "endsAt": format_time(alert.ends_at_ms),
        "fingerprint": alert.fingerprint,
        "receivers": [{"name": name} for name in marks.receivers],
        "startsAt": format_time(alert.starts_at_ms),
        "status": {
            "inhibitedBy": list(marks.inhibited_by),
            "silencedBy": list(marks.silenced_by),
            "state": marks.state,
        },
        "updatedAt": format_time(alert.updated_at_ms),
        "generatorURL": alert.generator_url,
        "labels": dict(alert.labels),
    }


def alert_group(labels: LabelSet, receiver: str, alerts: Iterable[tuple[Alert, AlertMarks]]) -> dict[str, Any]:
    return {
        "alerts": [gettable_alert(alert, marks) for alert, marks in alerts],
        "labels": dict(labels),
        "receiver": {"name": receiver},
    }


def parse_postable_silence(body: Any) -> Silence:
    """The body of ``POST /api/v2/silences``; ``id`` (optional) names the silence to update.
    Raises AmFieldError naming the field."""
    if not isinstance(body, Mapping):
        raise AmApiError("the body must be a JSON object (a postable silence)")
    matchers = body.get("matchers")
    if not isinstance(matchers, list) or not matchers:
        raise AmFieldError("matchers", "at least one matcher required")
    parsed = []
    for index, item in enumerate(matchers):
        try:
            parsed.append(matcher_from_api(item))
        except MatcherError as exc:
            raise AmFieldError(f"matchers.{index}", str(exc)) from None
    for key in ("createdBy", "comment"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            raise AmFieldError(key, "required, a non-empty string")
    starts, ends = _time(body.get("startsAt"), "startsAt"), _time(body.get("endsAt"), "endsAt")
    if starts is None or ends is None:
        raise AmFieldError("startsAt" if starts is None else "endsAt", "required, an RFC 3339 date-time")
    silence_id = body.get("id") or ""
    if not isinstance(silence_id, str):
        raise AmFieldError("id", "must be a string")
    return Silence(silence_id, tuple(parsed), starts, ends, body["createdBy"], body["comment"])


def gettable_silence(silence: Silence, now_ms: int) -> dict[str, Any]:
    return {
        "id": silence.id,
        "status": {"state": silence.state(now_ms).value},
        "updatedAt": format_time(silence.updated_at_ms),
        "comment": silence.comment,
        "createdBy": silence.created_by,
        "endsAt": format_time(silence.ends_at_ms),
        "matchers": [m.to_api() for m in silence.matchers],
        "startsAt": format_time(silence.starts_at_ms),
    }


def gettable_silences(silences: Sequence[Silence], now_ms: int) -> list[dict[str, Any]]:
    """Alertmanager's order: active first (ending soonest first), then pending (starting soonest),
    then expired (most recently ended first)."""

    def order(s: Silence) -> tuple[int, int]:
        state = s.state(now_ms).value
        if state == "active":
            return (0, s.ends_at_ms)
        if state == "pending":
            return (1, s.starts_at_ms)
        return (2, -s.ends_at_ms)

    return [gettable_silence(s, now_ms) for s in sorted(silences, key=order)]


def silence_created(silence_id: str) -> dict[str, str]:
    return {"silenceID": silence_id}


@dataclass(frozen=True)
class VersionInfo:
    version: str
    revision: str = "unknown"
    branch: str = "main"
    build_user: str = "edgewatch"
    build_date: str = "unknown"
    runtime: str = "python"

    def to_json(self) -> dict[str, str]:
        return {
            "branch": self.branch,
            "buildDate": self.build_date,
            "buildUser": self.build_user,
            "goVersion": self.runtime,
            "revision": self.revision,
            "version": self.version,
        }


def status(config_original: str, started_at_ms: int, version: VersionInfo) -> dict[str, Any]:
    """``GET /api/v2/status``: no cluster (one Durable Object), the config as text, the start time."""
    return {
        "cluster": {"peers": [], "status": "disabled"},
        "config": {"original": config_original},
        "uptime": format_time(started_at_ms),
        "versionInfo": version.to_json(),
    }
