"""Inhibition rules, as Alertmanager's ``inhibit_rules`` in camelCase JSON::

    {"sourceMatchers": ['severity="critical"'], "targetMatchers": ['severity="warning"'], "equal": ["service"]}

An alert is inhibited when it matches a rule's target matchers and some firing alert matches the
source matchers with the same values of every ``equal`` label (a label missing on both sides counts
as equal, as in Alertmanager). When the alert matches the source side too, source alerts that also
match the target side are disregarded, so an alert never inhibits itself or its peers.

The default rule answers the seed's intent, "a critical alert mutes the warning of the same
service": ``equal`` is ``["service"]`` only, not ``["alertname", "service"]``, because the seed's
critical and warning rules have different names ("Critical Error Rate" must mute "High Error
Rate"). As a consequence every warning of a service (its p95 latency warning too) is muted while
the service has a critical alert firing; a user who wants narrower muting writes their own rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .matchers import LABEL_NAME, Matcher, MatcherError, Matchers, MatchOp, matches_all, parse_matchers
from .model import Alert

_KEYS = {"sourceMatchers", "targetMatchers", "equal"}


class InhibitConfigError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True)
class InhibitRule:
    source_matchers: Matchers
    target_matchers: Matchers
    equal: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inhibition:
    """``target`` (a fingerprint) is muted by the firing ``sources`` through rule ``rule_index``."""

    target: str
    sources: tuple[str, ...]
    rule_index: int


DEFAULT_INHIBIT_RULES = (
    InhibitRule(
        (Matcher("severity", MatchOp.EQUAL, "critical"),),
        # only alerts that name a service: Alertmanager's `equal` also holds between two alerts that both
        # lack the label, which would let any critical (a monitor down) mute every service-less warning
        (Matcher("severity", MatchOp.EQUAL, "warning"), Matcher("service", MatchOp.REGEX, ".+")),
        ("service",),
    ),
)


def _matcher_list(data: Mapping[str, Any], key: str, path: str) -> Matchers:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise InhibitConfigError(f"{path}.{key}", "expected a list of matcher strings")
    found: list[Matcher] = []
    for index, item in enumerate(items):
        try:
            found.extend(parse_matchers(item))
        except MatcherError as exc:
            raise InhibitConfigError(f"{path}.{key}.{index}", str(exc)) from None
    return tuple(found)


def inhibit_rules_from_config(items: Any, path: str = "inhibitRules") -> tuple[InhibitRule, ...]:
    if not isinstance(items, list):
        raise InhibitConfigError(path, "expected a list of inhibition rules")
    rules: list[InhibitRule] = []
    for index, data in enumerate(items):
        at = f"{path}.{index}"
        if not isinstance(data, Mapping):
            raise InhibitConfigError(at, "expected an object")
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise InhibitConfigError(f"{at}.{unknown[0]}", f"unknown key; expected one of {', '.join(sorted(_KEYS))}")
        equal = data.get("equal", [])
        if not isinstance(equal, list) or not all(isinstance(n, str) and LABEL_NAME.fullmatch(n) for n in equal):
            raise InhibitConfigError(f"{at}.equal", "expected a list of label names")
        rules.append(
            InhibitRule(
                _matcher_list(data, "sourceMatchers", at), _matcher_list(data, "targetMatchers", at), tuple(equal)
            )
        )
    return tuple(rules)


def _inhibiting(rule: InhibitRule, target: Alert, candidates: Sequence[Alert]) -> tuple[str, ...]:
    labels = dict(target.labels)
    two_sided = matches_all(rule.source_matchers, labels)
    found: list[str] = []
    for source in candidates:
        source_labels = dict(source.labels)
        if any(source_labels.get(n, "") != labels.get(n, "") for n in rule.equal):
            continue
        if two_sided and matches_all(rule.target_matchers, source_labels):
            continue
        found.append(source.fingerprint)
    return tuple(found)


def inhibitions(alerts: Iterable[Alert], rules: Sequence[InhibitRule], now_ms: int) -> list[Inhibition]:
    """Every (target, rule) pair that is muted, with the alerts that mute it."""
    current = list(alerts)
    firing = [a for a in current if not a.resolved(now_ms)]
    sources = [[a for a in firing if matches_all(r.source_matchers, a.labels)] for r in rules]
    found: list[Inhibition] = []
    for target in current:
        for index, rule in enumerate(rules):
            if not sources[index] or not matches_all(rule.target_matchers, target.labels):
                continue
            by = _inhibiting(rule, target, sources[index])
            if by:
                found.append(Inhibition(target.fingerprint, by, index))
    return found


def inhibited_by(alerts: Iterable[Alert], rules: Sequence[InhibitRule], now_ms: int) -> dict[str, tuple[str, ...]]:
    """Fingerprint of each muted alert -> the sorted fingerprints of the alerts that mute it."""
    merged: dict[str, set[str]] = {}
    for inhibition in inhibitions(alerts, rules, now_ms):
        merged.setdefault(inhibition.target, set()).update(inhibition.sources)
    return {target: tuple(sorted(by)) for target, by in merged.items()}
