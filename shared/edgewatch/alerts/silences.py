"""Silences, with Alertmanager's life cycle: pending before ``starts_at``, active until
``ends_at``, expired after; created, updated and expired by Alertmanager's rules.

An update keeps the silence's id when its matchers are unchanged and the times allow it (an active
silence keeps its start and must not end in the past; a pending one must not start in the past);
otherwise the update becomes a new silence (new id, start clamped to now) and the old one, unless
already expired, is expired. Expiring sets ``ends_at`` to now (a pending silence gets start and end
now). Ids come from the caller (``new_id``): the core has no randomness.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from .matchers import Matcher, Matchers, MatchOp, matcher_from_api, matches_all
from .model import Alert, LabelSet


class SilenceState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


class SilenceError(ValueError):
    pass


class SilenceNotFoundError(SilenceError):
    pass


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: Matchers
    starts_at_ms: int
    ends_at_ms: int
    created_by: str
    comment: str
    updated_at_ms: int = 0

    def state(self, now_ms: int) -> SilenceState:
        if now_ms < self.starts_at_ms:
            return SilenceState.PENDING
        if now_ms < self.ends_at_ms:
            return SilenceState.ACTIVE
        return SilenceState.EXPIRED

    def matches(self, labels: LabelSet | Mapping[str, str]) -> bool:
        return matches_all(self.matchers, labels)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "matchers": [m.to_api() for m in self.matchers],
            "starts_at_ms": self.starts_at_ms,
            "ends_at_ms": self.ends_at_ms,
            "created_by": self.created_by,
            "comment": self.comment,
            "updated_at_ms": self.updated_at_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Silence:
        return cls(
            str(data["id"]),
            tuple(matcher_from_api(m) for m in data["matchers"]),
            int(data["starts_at_ms"]),
            int(data["ends_at_ms"]),
            str(data.get("created_by", "")),
            str(data.get("comment", "")),
            int(data.get("updated_at_ms", 0)),
        )


@dataclass(frozen=True)
class SilenceChange:
    """The outcome of an upsert: the silence as stored, and the one it replaced (now expired), if any."""

    silence: Silence
    replaced: Silence | None = None

    @property
    def created(self) -> bool:
        return self.replaced is None or self.replaced.id != self.silence.id


def validate_silence(silence: Silence) -> None:
    if not silence.matchers:
        raise SilenceError("at least one matcher required")
    # Alertmanager counts only = and =~ matchers as "matching the empty string" here.
    if all(m.op.is_equal and m.matches("") for m in silence.matchers):
        raise SilenceError("at least one matcher must not match the empty string")
    if silence.ends_at_ms < silence.starts_at_ms:
        raise SilenceError("end time must not be before start time")


def _can_update(prev: Silence, new: Silence, now_ms: int) -> bool:
    if prev.matchers != new.matchers:
        return False
    state = prev.state(now_ms)
    if state is SilenceState.ACTIVE:
        return new.starts_at_ms == prev.starts_at_ms and new.ends_at_ms >= now_ms
    if state is SilenceState.PENDING:
        return new.starts_at_ms >= now_ms
    return False


def expire_silence(silence: Silence, now_ms: int) -> Silence:
    state = silence.state(now_ms)
    if state is SilenceState.EXPIRED:
        raise SilenceError(f"silence {silence.id} already expired")
    start = now_ms if state is SilenceState.PENDING else silence.starts_at_ms
    return replace(silence, starts_at_ms=start, ends_at_ms=now_ms, updated_at_ms=now_ms)


def upsert_silence(stored: Mapping[str, Silence], incoming: Silence, now_ms: int, new_id: str) -> SilenceChange:
    """Create (``incoming.id == ""``) or update a silence; ``stored`` is not modified."""
    validate_silence(incoming)
    if incoming.ends_at_ms < now_ms:
        raise SilenceError("end time can't be in the past")
    prev = stored.get(incoming.id) if incoming.id else None
    if incoming.id and prev is None:
        raise SilenceNotFoundError(f"silence {incoming.id} not found")
    if prev is not None and _can_update(prev, incoming, now_ms):
        return SilenceChange(replace(incoming, updated_at_ms=now_ms), prev)
    created = replace(incoming, id=new_id, starts_at_ms=max(incoming.starts_at_ms, now_ms), updated_at_ms=now_ms)
    if prev is not None and prev.state(now_ms) is not SilenceState.EXPIRED:
        return SilenceChange(created, expire_silence(prev, now_ms))
    return SilenceChange(created, prev)


def silenced_by(alert: Alert | LabelSet, silences: Iterable[Silence], now_ms: int) -> list[str]:
    """The sorted ids of the active silences that mute the alert."""
    labels = dict(alert.labels if isinstance(alert, Alert) else alert)
    return sorted(s.id for s in silences if s.state(now_ms) is SilenceState.ACTIVE and s.matches(labels))


MAINTENANCE_AUTHOR = "uptime maintenance"


def maintenance_silences(windows: Iterable[tuple[str, int, int]], now_ms: int) -> list[Silence]:
    """Synthetic silences for uptime maintenance windows ``(check_id, start_ms, end_ms)``: each mutes
    the alerts labelled ``check_id="<id>"`` during its window; windows already over yield none."""
    found: list[Silence] = []
    for check_id, start_ms, end_ms in windows:
        if end_ms <= now_ms or end_ms < start_ms:
            continue
        found.append(
            Silence(
                f"maintenance-{check_id}-{start_ms}",
                (Matcher("check_id", MatchOp.EQUAL, check_id),),
                start_ms,
                end_ms,
                MAINTENANCE_AUTHOR,
                f"maintenance window of check {check_id}",
                start_ms,
            )
        )
    return found
