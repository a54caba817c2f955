"""Threat detection for the security Worker: score a request, then decide what to do with it.

``detect(sample, policy)`` inspects the path, every query parameter (names too), the User-Agent,
Referer and X-Forwarded-For headers and JSON or form bodies (every key and string value) for XSS,
SQL injection, path traversal, command injection, SSRF-shaped URLs and scanner user agents (the
detectors live in ``xss``, ``sqli``, ``traversal``, ``cmdi``, ``ssrf`` and ``scanners``; the
decoding and the bounds in ``decode`` and ``sample``). Each finding is a ``ThreatHit``: class,
rule id, location (``query.q``, ``header.user-agent``, ``body.$.comment``), score and a short
normalised excerpt. The request's score is the sum of its hits, each weighted by the policy's
weight for its class, capped at 100.

The policy decides: a route in ``block`` mode answers 403 at ``block_score`` (70 by default);
any mode records at ``record_score`` (30); ``off`` inspects nothing. The verdict carries the
``Reason`` for its action, so logs, metrics and tests can say why. Excerpts and locations come from
the client: a dashboard must escape them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any

from . import cmdi, scanners, sqli, ssrf, traversal, xss
from .findings import Finding, ThreatClass
from .rules import Pattern, normalise_path
from .sample import Field, FieldKind, RequestSample, fields

__all__ = [
    "Action",
    "Inspection",
    "Mode",
    "Reason",
    "RequestSample",
    "RoutePolicy",
    "ThreatClass",
    "ThreatConfigError",
    "ThreatHit",
    "ThreatPolicies",
    "ThreatPolicy",
    "ThreatVerdict",
    "decide",
    "detect",
    "inspect_request",
    "policies_from_config",
]

MAX_SCORE = 100.0
EXCERPT_CHARS = 80


class Mode(StrEnum):
    OFF = "off"  # inspect nothing
    MONITOR = "monitor"  # record, never refuse
    BLOCK = "block"  # record, and refuse at block_score


class Action(StrEnum):
    ALLOW = "allow"
    MONITOR = "monitor"  # let through and record a security event
    BLOCK = "block"  # answer 403 and record a security event


class Reason(StrEnum):
    DISABLED = "disabled"  # the route's mode is off
    CLEAN = "clean"  # nothing found
    BELOW_RECORD_SCORE = "below_record_score"
    RECORD_SCORE = "record_score"  # reached record_score, not block_score
    BLOCK_SCORE = "block_score"  # reached block_score on a route in block mode
    MONITOR_ONLY = "monitor_only"  # reached block_score, but the route only monitors


@dataclass(frozen=True, slots=True)
class ThreatHit:
    threat: ThreatClass
    rule: str
    location: str
    score: float
    excerpt: str

    def to_json(self) -> dict[str, Any]:
        return {
            "class": self.threat.value,
            "rule": self.rule,
            "location": self.location,
            "score": self.score,
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the detectors found, before any policy: unweighted hits."""

    hits: tuple[ThreatHit, ...]
    truncated: bool  # part of the request was beyond the inspection bounds


@dataclass(frozen=True, slots=True)
class ThreatVerdict:
    score: float
    hits: tuple[ThreatHit, ...]
    action: Action
    reason: Reason
    truncated: bool = False

    def class_scores(self) -> dict[ThreatClass, float]:
        totals: dict[ThreatClass, float] = {}
        for hit in self.hits:
            totals[hit.threat] = totals.get(hit.threat, 0.0) + hit.score
        return totals

    @property
    def classes(self) -> frozenset[ThreatClass]:
        return frozenset(hit.threat for hit in self.hits)

    @property
    def primary(self) -> ThreatClass | None:
        """The class with the highest total score; ties go to the strongest single hit."""
        totals = self.class_scores()
        if not totals:
            return None
        best = {hit.threat: hit.score for hit in reversed(self.hits)}
        return max(totals, key=lambda c: (totals[c], best[c]))

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "action": self.action.value,
            "reason": self.reason.value,
            "primary": None if self.primary is None else self.primary.value,
            "truncated": self.truncated,
            "hits": [hit.to_json() for hit in self.hits],
        }


def _no_weights() -> Mapping[ThreatClass, float]:
    return MappingProxyType({})


@dataclass(frozen=True)
class ThreatPolicy:
    mode: Mode = Mode.MONITOR
    block_score: float = 70.0
    record_score: float = 30.0
    weights: Mapping[ThreatClass, float] = field(default_factory=_no_weights)  # a missing class weighs 1.0

    def __post_init__(self) -> None:
        if not 0 < self.record_score <= self.block_score:
            raise ValueError("threat policy: need 0 < record_score <= block_score")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("threat policy: weights must not be negative")

    def weight(self, threat: ThreatClass) -> float:
        return self.weights.get(threat, 1.0)


@dataclass(frozen=True)
class RoutePolicy:
    endpoint: str  # "/api/auth/*" or an exact path, matched as security rules are (see .rules)
    policy: ThreatPolicy


@dataclass(frozen=True)
class ThreatPolicies:
    """Per-route policies: the most specific matching endpoint wins, else ``default``."""

    default: ThreatPolicy = field(default_factory=ThreatPolicy)
    routes: tuple[RoutePolicy, ...] = ()

    @cached_property
    def _ordered(self) -> list[tuple[Pattern, ThreatPolicy]]:
        """Most specific first; among equals, configuration order (a stable sort)."""
        parsed = [(Pattern.parse(route.endpoint), route.policy) for route in self.routes]
        return sorted(parsed, key=lambda item: item[0].specificity, reverse=True)

    def for_path(self, path: str) -> ThreatPolicy:
        normalised = normalise_path(path)
        for pattern, policy in self._ordered:
            if pattern.matches(normalised):
                return policy
        return self.default


Detector = Callable[[Field], list[Finding]]


def _value(f: Field) -> list[Finding]:
    return traversal.scan(f.text, f.evasions)


def _path(f: Field) -> list[Finding]:
    return traversal.scan(f.text, f.evasions, path=True)


def _text(detector: Callable[[str], list[Finding]]) -> Detector:
    return lambda f: detector(f.text)


_XSS, _SQLI, _CMDI = _text(xss.scan), _text(sqli.scan), _text(cmdi.scan)
_INJECTION = (_XSS, _SQLI, _CMDI)
_DETECTORS: Mapping[FieldKind, tuple[Detector, ...]] = {
    FieldKind.PATH: (_XSS, _text(sqli.scan_path), _CMDI, _path, _text(ssrf.scan_path)),
    FieldKind.QUERY: (*_INJECTION, _value, _text(ssrf.scan)),
    FieldKind.BODY: (*_INJECTION, _value, _text(ssrf.scan)),
    FieldKind.QUERY_KEY: _INJECTION,
    FieldKind.BODY_KEY: _INJECTION,
    FieldKind.BODY_TEXT: (*_INJECTION, _value),
    FieldKind.USER_AGENT: (_text(scanners.scan_user_agent), *_INJECTION),
    FieldKind.REFERER: _INJECTION,
    FieldKind.FORWARDED_FOR: _INJECTION,
    FieldKind.SCANNER_HEADER: (_text(scanners.scan_header),),
}


def _excerpt(text: str, start: int, end: int) -> str:
    start = max(0, start - 8)
    end = min(len(text), start + EXCERPT_CHARS, max(end + 8, start + 48))
    return "".join(" " if c < " " or c == "\x7f" else c for c in text[start:end])


def inspect_request(sample: RequestSample) -> Inspection:
    extraction = fields(sample)
    best: dict[tuple[str, str], ThreatHit] = {}
    for f in extraction.fields:
        for detector in _DETECTORS[f.kind]:
            for finding in detector(f):
                key = (finding.rule, f.location)
                if key not in best or best[key].score < finding.score:
                    excerpt = _excerpt(f.text, finding.start, finding.end)
                    best[key] = ThreatHit(finding.threat, finding.rule, f.location, float(finding.score), excerpt)
    return Inspection(tuple(best.values()), extraction.truncated)


def _weighted(hits: Iterable[ThreatHit], policy: ThreatPolicy) -> tuple[ThreatHit, ...]:
    out = []
    for hit in hits:
        weight = policy.weight(hit.threat)
        score = hit.score if weight == 1.0 else round(hit.score * weight, 2)
        if score > 0:
            out.append(hit if score == hit.score else ThreatHit(hit.threat, hit.rule, hit.location, score, hit.excerpt))
    return tuple(sorted(out, key=lambda h: (-h.score, h.location, h.rule)))


def decide(inspection: Inspection, policy: ThreatPolicy) -> ThreatVerdict:
    if policy.mode is Mode.OFF:
        return ThreatVerdict(0.0, (), Action.ALLOW, Reason.DISABLED)
    hits = _weighted(inspection.hits, policy)
    score = min(MAX_SCORE, round(sum(hit.score for hit in hits), 2))
    if not hits:
        action, reason = Action.ALLOW, Reason.CLEAN
    elif score >= policy.block_score and policy.mode is Mode.BLOCK:
        action, reason = Action.BLOCK, Reason.BLOCK_SCORE
    elif score >= policy.block_score:
        action, reason = Action.MONITOR, Reason.MONITOR_ONLY
    elif score >= policy.record_score:
        action, reason = Action.MONITOR, Reason.RECORD_SCORE
    else:
        action, reason = Action.ALLOW, Reason.BELOW_RECORD_SCORE
    return ThreatVerdict(score, hits, action, reason, inspection.truncated)


def detect(sample: RequestSample, policy: ThreatPolicy) -> ThreatVerdict:
    if policy.mode is Mode.OFF:
        return decide(Inspection((), False), policy)
    return decide(inspect_request(sample), policy)


# --- configuration ---------------------------------------------------------------------------


class ThreatConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("threat detection config: " + "; ".join(problems))
        self.problems = problems


def _policy(data: Any, where: str, base: ThreatPolicy, problems: list[str]) -> ThreatPolicy:
    if not isinstance(data, Mapping):
        problems.append(f"{where}: expected an object")
        return base
    known = {"mode", "blockScore", "recordScore", "weights"} | ({"endpoint"} if where != "threats" else {"routes"})
    problems += [f"{where}.{key}: unknown field" for key in sorted(set(map(str, data)) - known)]
    mode, block, record, weights = base.mode, base.block_score, base.record_score, dict(base.weights)
    if "mode" in data:
        try:
            mode = Mode(data["mode"])
        except ValueError:
            problems.append(f"{where}.mode: expected one of {', '.join(m.value for m in Mode)}")
    for name in ("blockScore", "recordScore"):
        if name in data:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_SCORE:
                problems.append(f"{where}.{name}: expected a number in (0, 100]")
            elif name == "blockScore":
                block = float(value)
            else:
                record = float(value)
    raw_weights = data.get("weights", {})
    if not isinstance(raw_weights, Mapping):
        problems.append(f"{where}.weights: expected an object of class to weight")
    else:
        for key, value in raw_weights.items():
            try:
                threat = ThreatClass(key)
            except ValueError:
                problems.append(f"{where}.weights.{key}: unknown class, expected one of {', '.join(ThreatClass)}")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
                problems.append(f"{where}.weights.{key}: expected a number from 0 to 10")
            else:
                weights[threat] = float(value)
    if record > block:
        problems.append(f"{where}: recordScore ({record:g}) must not exceed blockScore ({block:g})")
        return base
    return ThreatPolicy(mode, block, record, MappingProxyType(weights))


def policies_from_config(data: Any) -> ThreatPolicies:
    """Read ``{"mode", "blockScore", "recordScore", "weights", "routes": [{"endpoint", ...}]}``.

    Route entries override only the fields they name. Raises ThreatConfigError listing every problem.
    """
    problems: list[str] = []
    default = _policy(data, "threats", ThreatPolicy(), problems)
    routes: list[RoutePolicy] = []
    raw_routes = data.get("routes", []) if isinstance(data, Mapping) else []
    if not isinstance(raw_routes, list):
        problems.append("threats.routes: expected a list")
        raw_routes = []
    for index, entry in enumerate(raw_routes):
        where = f"threats.routes[{index}]"
        endpoint = entry.get("endpoint") if isinstance(entry, Mapping) else None
        if not isinstance(endpoint, str) or not endpoint.startswith("/") or "*" in endpoint[:-1]:
            problems.append(f"{where}.endpoint: expected a path pattern such as '/api/*'")
            continue
        routes.append(RoutePolicy(endpoint, _policy(entry, where, default, problems)))
    if problems:
        raise ThreatConfigError(problems)
    return ThreatPolicies(default, tuple(routes))
