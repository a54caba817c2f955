"""The state of one alerting rule's series across evaluations (Prometheus's rules/alerting.go).

A series whose condition holds becomes pending at ``active_at``, and firing once ``for`` has elapsed
(at once when ``for`` is 0). When the condition stops holding, a pending series is dropped; a firing
one keeps firing for ``keepFiringFor`` (counted from the first evaluation it stopped holding), then
is resolved at that evaluation. A resolved series is reported once (with ``ends_at``) and forgotten
more than 15 minutes later; if the condition holds again it starts anew as pending.

Evaluating at an ``eval_ms`` at or before the last one is a duplicate (crons are delivered at least
once): it changes nothing and emits nothing. Firing series are emitted at every evaluation (the
dispatcher deduplicates them by fingerprint), as Prometheus resends them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .model import Alert, LabelSet, label_set

RESOLVED_RETENTION_MS = 15 * 60_000
_PLACEHOLDER = re.compile(r"\{\{\s*\$(?:labels\.([A-Za-z_][A-Za-z0-9_]*)|(value))\s*\}\}")


class AlertState(StrEnum):
    INACTIVE = "inactive"  # resolved, kept for display until forgotten
    PENDING = "pending"
    FIRING = "firing"


class Transition(StrEnum):
    BECAME_PENDING = "became_pending"
    FIRED = "fired"  # pending for ``for``, or at once with ``for`` 0
    KEPT_FIRING = "kept_firing"  # the condition stopped holding inside keepFiringFor
    RESOLVED = "resolved"
    PENDING_DROPPED = "pending_dropped"  # the condition stopped holding before ``for`` elapsed
    FORGOTTEN = "forgotten"  # resolved more than 15 minutes ago


class EvalOutcome(StrEnum):
    EVALUATED = "evaluated"
    DUPLICATE = "duplicate"  # eval_ms at or before the last evaluation: nothing changes
    FAILED = "failed"


@dataclass(frozen=True)
class RuleSpec:
    name: str
    severity: str
    for_ms: int = 0
    keep_firing_for_ms: int = 0
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()


@dataclass
class SeriesAlert:
    labels: LabelSet  # the series' own labels
    state: AlertState
    value: float
    active_at_ms: int
    fired_at_ms: int | None = None
    resolved_at_ms: int | None = None
    kept_firing_since_ms: int | None = None


@dataclass(frozen=True)
class StateChange:
    labels: LabelSet
    old: AlertState
    new: AlertState
    reason: Transition


@dataclass(frozen=True)
class EvalResult:
    outcome: EvalOutcome
    changes: tuple[StateChange, ...] = ()
    alerts: tuple[Alert, ...] = ()  # to hand to the dispatcher: firing ones and those resolved now


@dataclass
class RuleState:
    rule: str
    series: dict[LabelSet, SeriesAlert] = field(default_factory=dict)
    last_eval_ms: int | None = None
    last_duration_ms: int = 0
    last_error: str | None = None

    @property
    def state(self) -> AlertState:
        states = {alert.state for alert in self.series.values()}
        for state in (AlertState.FIRING, AlertState.PENDING):
            if state in states:
                return state
        return AlertState.INACTIVE

    def _duplicate(self, eval_ms: int) -> bool:
        return self.last_eval_ms is not None and eval_ms <= self.last_eval_ms

    def record_error(self, eval_ms: int, error: str, duration_ms: int) -> EvalResult:
        """The evaluation failed: the series keep their states (Prometheus does the same)."""
        if self._duplicate(eval_ms):
            return EvalResult(EvalOutcome.DUPLICATE)
        self.last_eval_ms, self.last_duration_ms, self.last_error = eval_ms, duration_ms, error
        return EvalResult(EvalOutcome.FAILED)

    def evaluate(self, spec: RuleSpec, vector: Mapping[LabelSet, float], eval_ms: int, duration_ms: int) -> EvalResult:
        if self._duplicate(eval_ms):
            return EvalResult(EvalOutcome.DUPLICATE)
        self.last_eval_ms, self.last_duration_ms, self.last_error = eval_ms, duration_ms, None
        changes: list[StateChange] = []
        for labels, value in vector.items():
            changes.extend(self._holds(spec, labels, value, eval_ms))
        for labels in [labels for labels in self.series if labels not in vector]:
            changes.extend(self._stopped(spec, labels, eval_ms))
        alerts = tuple(
            to_alert(spec, alert, eval_ms)
            for alert in self.series.values()
            if alert.state is AlertState.FIRING or alert.resolved_at_ms == eval_ms
        )
        return EvalResult(EvalOutcome.EVALUATED, tuple(changes), alerts)

    def _holds(self, spec: RuleSpec, labels: LabelSet, value: float, eval_ms: int) -> list[StateChange]:
        alert = self.series.get(labels)
        changes: list[StateChange] = []
        if alert is None or alert.state is AlertState.INACTIVE:
            old = AlertState.INACTIVE
            alert = self.series[labels] = SeriesAlert(labels, AlertState.PENDING, value, eval_ms)
            changes.append(StateChange(labels, old, AlertState.PENDING, Transition.BECAME_PENDING))
        alert.value = value
        alert.kept_firing_since_ms = None
        if alert.state is AlertState.PENDING and eval_ms - alert.active_at_ms >= spec.for_ms:
            alert.state, alert.fired_at_ms = AlertState.FIRING, eval_ms
            changes.append(StateChange(labels, AlertState.PENDING, AlertState.FIRING, Transition.FIRED))
        return changes

    def _stopped(self, spec: RuleSpec, labels: LabelSet, eval_ms: int) -> list[StateChange]:
        alert = self.series[labels]
        if alert.state is AlertState.PENDING:
            del self.series[labels]
            return [StateChange(labels, AlertState.PENDING, AlertState.INACTIVE, Transition.PENDING_DROPPED)]
        if alert.state is AlertState.INACTIVE:
            if alert.resolved_at_ms is not None and eval_ms - alert.resolved_at_ms > RESOLVED_RETENTION_MS:
                del self.series[labels]
                return [StateChange(labels, AlertState.INACTIVE, AlertState.INACTIVE, Transition.FORGOTTEN)]
            return []
        if spec.keep_firing_for_ms > 0:
            if alert.kept_firing_since_ms is None:
                alert.kept_firing_since_ms = eval_ms
            if eval_ms - alert.kept_firing_since_ms < spec.keep_firing_for_ms:
                return [StateChange(labels, AlertState.FIRING, AlertState.FIRING, Transition.KEPT_FIRING)]
        alert.state, alert.resolved_at_ms, alert.kept_firing_since_ms = AlertState.INACTIVE, eval_ms, None
        return [StateChange(labels, AlertState.FIRING, AlertState.INACTIVE, Transition.RESOLVED)]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "last_eval_ms": self.last_eval_ms,
            "last_duration_ms": self.last_duration_ms,
            "last_error": self.last_error,
            "series": [
                {
                    "labels": dict(a.labels),
                    "state": a.state.value,
                    "value": a.value,
                    "active_at_ms": a.active_at_ms,
                    "fired_at_ms": a.fired_at_ms,
                    "resolved_at_ms": a.resolved_at_ms,
                    "kept_firing_since_ms": a.kept_firing_since_ms,
                }
                for a in self.series.values()
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleState:
        state = cls(str(data["rule"]), {}, data.get("last_eval_ms"), int(data.get("last_duration_ms") or 0))
        state.last_error = data.get("last_error")
        for item in data.get("series") or []:
            labels = label_set(item["labels"])
            state.series[labels] = SeriesAlert(
                labels,
                AlertState(item["state"]),
                float(item["value"]),
                int(item["active_at_ms"]),
                item.get("fired_at_ms"),
                item.get("resolved_at_ms"),
                item.get("kept_firing_since_ms"),
            )
        return state


def alert_labels(spec: RuleSpec, series_labels: LabelSet) -> LabelSet:
    """Series labels, overridden by the rule's labels, then ``severity`` and ``alertname`` (the rule's name)."""
    return label_set({**dict(series_labels), **dict(spec.labels), "severity": spec.severity, "alertname": spec.name})


def to_alert(spec: RuleSpec, alert: SeriesAlert, eval_ms: int) -> Alert:
    labels = alert_labels(spec, alert.labels)
    annotations = tuple(sorted((key, expand(text, labels, alert.value)) for key, text in spec.annotations))
    return Alert(
        labels=labels,
        annotations=annotations,
        starts_at_ms=alert.fired_at_ms if alert.fired_at_ms is not None else alert.active_at_ms,
        ends_at_ms=alert.resolved_at_ms,
        updated_at_ms=eval_ms,
    )


def format_value(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def expand(template: str, labels: LabelSet, value: float) -> str:
    """``{{ $labels.name }}`` (empty if the alert has no such label) and ``{{ $value }}``; any other
    ``{{ ... }}`` is left as written. No template engine: nothing else is interpreted."""
    by_name = dict(labels)

    def substitute(match: re.Match[str]) -> str:
        return format_value(value) if match.group(2) else by_name.get(match.group(1), "")

    return _PLACEHOLDER.sub(substitute, template)
