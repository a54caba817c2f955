"""The routing tree, as Alertmanager's ``route:`` block, in camelCase JSON.

Config shape (every key optional except the root's ``receiver``)::

    {"receiver": "slack", "groupBy": ["alertname", "service"], "groupWait": "30s",
     "groupInterval": "5m", "repeatInterval": "4h", "matchers": ['severity="critical"'],
     "continue": false, "routes": [...]}

A child inherits every option it does not set from its parent; the root inherits Alertmanager's
defaults (30s, 5m, 4h, no grouping). ``groupBy: ["..."]`` groups by all labels. Matching is
Alertmanager's: depth-first, left to right; the first matching child wins unless it has
``continue``; a node matches itself only when none of its children did.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from edgewatch.durations import DurationError, parse_duration_ms

from .matchers import (
    Matcher,
    MatcherError,
    Matchers,
    MatchOp,
    matchers_text,
    matches_all,
    parse_matchers,
    sort_matchers,
)
from .model import LabelSet, label_set

DEFAULT_GROUP_WAIT_MS = 30_000
DEFAULT_GROUP_INTERVAL_MS = 300_000
DEFAULT_REPEAT_INTERVAL_MS = 14_400_000
GROUP_BY_ALL = "..."

_KEYS = {"receiver", "matchers", "groupBy", "groupWait", "groupInterval", "repeatInterval", "continue", "routes"}


class RouteConfigError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.problem = message


@dataclass(frozen=True)
class RouteOptions:
    receiver: str
    group_by: tuple[str, ...] = ()
    group_by_all: bool = False
    group_wait_ms: int = DEFAULT_GROUP_WAIT_MS
    group_interval_ms: int = DEFAULT_GROUP_INTERVAL_MS
    repeat_interval_ms: int = DEFAULT_REPEAT_INTERVAL_MS
    route_key: str = "{}"  # Alertmanager's Route.Key(): the matchers of the node and its ancestors
    route_id: str = "{}"  # Route.ID(): the key plus the node's position among its siblings

    def group_labels(self, labels: LabelSet | Mapping[str, str]) -> LabelSet:
        pairs = label_set(labels) if isinstance(labels, Mapping) else labels
        if self.group_by_all:
            return pairs
        return tuple((name, value) for name, value in pairs if name in self.group_by)


@dataclass(frozen=True)
class Route:
    options: RouteOptions
    matchers: Matchers = ()
    continue_matching: bool = False
    routes: tuple[Route, ...] = ()

    def match(self, labels: LabelSet | Mapping[str, str]) -> list[RouteOptions]:
        values = labels if isinstance(labels, Mapping) else dict(labels)
        if not matches_all(self.matchers, values):
            return []
        found: list[RouteOptions] = []
        for child in self._children_for(values):
            matched = child.match(values)
            found.extend(matched)
            if matched and not child.continue_matching:
                break
        return found or [self.options]

    @functools.cached_property
    def _index(self) -> ChildIndex:
        return ChildIndex.of(self.routes)

    def _children_for(self, values: Mapping[str, str]) -> Sequence[Route]:
        """The children that can match, in order: those that require a label value (an equality
        matcher on a non-empty value) only when the labels have it. Every rule's ``channels``
        become a route on its alertname, so without this a run of 500 rules matched each of its
        alerts against 500 routes."""
        index = self._index
        if not index.by_value:
            return self.routes
        positions = list(index.others)
        for name in index.names:
            positions.extend(index.by_value.get((name, values.get(name, "")), ()))
        positions.sort()
        return [self.routes[i] for i in positions]

    def walk(self) -> Iterable[Route]:
        yield self
        for child in self.routes:
            yield from child.walk()


@dataclass(frozen=True)
class ChildIndex:
    """Child positions by the (label, value) one of their equality matchers requires; the rest."""

    by_value: Mapping[tuple[str, str], tuple[int, ...]]
    others: tuple[int, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, routes: Sequence[Route]) -> ChildIndex:
        by_value: dict[tuple[str, str], list[int]] = {}
        others = []
        for position, child in enumerate(routes):
            key = next(((m.name, m.value) for m in child.matchers if m.op is MatchOp.EQUAL and m.value), None)
            if key is None:
                others.append(position)
            else:
                by_value.setdefault(key, []).append(position)
        names = tuple(dict.fromkeys(name for name, _value in by_value))
        return cls({k: tuple(v) for k, v in by_value.items()}, tuple(others), names)


def _duration(config: Mapping[str, Any], key: str, inherited: int, path: str) -> int:
    if key not in config:
        return inherited
    try:
        return parse_duration_ms(config[key])
    except DurationError as exc:
        raise RouteConfigError(f"{path}.{key}", str(exc)) from None


def _group_by(config: Mapping[str, Any], parent: RouteOptions, path: str) -> tuple[tuple[str, ...], bool]:
    if "groupBy" not in config:
        return parent.group_by, parent.group_by_all
    names = config["groupBy"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RouteConfigError(f"{path}.groupBy", "expected a list of label names")
    if GROUP_BY_ALL in names:
        if len(names) > 1:
            raise RouteConfigError(f"{path}.groupBy", "'...' groups by all labels and must be alone")
        return (), True
    if len(set(names)) != len(names):
        raise RouteConfigError(f"{path}.groupBy", "duplicate label names")
    for name in names:
        try:
            Matcher(name, MatchOp.EQUAL, "")
        except MatcherError:
            raise RouteConfigError(f"{path}.groupBy", f"invalid label name {name!r}") from None
    return tuple(sorted(names)), False


def _matchers(config: Mapping[str, Any], path: str) -> Matchers:
    items = config.get("matchers", [])
    if not isinstance(items, list):
        raise RouteConfigError(f"{path}.matchers", "expected a list of matcher strings such as 'severity=\"critical\"'")
    found: list[Matcher] = []
    for index, item in enumerate(items):
        try:
            found.extend(parse_matchers(item))
        except MatcherError as exc:
            raise RouteConfigError(f"{path}.matchers.{index}", str(exc)) from None
    return sort_matchers(found)


def _options(
    config: Mapping[str, Any],
    parent: RouteOptions,
    path: str,
    *,
    key: str,
    route_id: str,
    receivers: Collection[str] | None,
) -> RouteOptions:
    receiver = config.get("receiver", parent.receiver)
    if not isinstance(receiver, str) or not receiver:
        raise RouteConfigError(f"{path}.receiver", "expected a receiver name")
    if receivers is not None and receiver not in receivers:
        raise RouteConfigError(f"{path}.receiver", f"undefined receiver {receiver!r}")
    group_by, group_by_all = _group_by(config, parent, path)
    return RouteOptions(
        receiver,
        group_by,
        group_by_all,
        _duration(config, "groupWait", parent.group_wait_ms, path),
        _duration(config, "groupInterval", parent.group_interval_ms, path),
        _duration(config, "repeatInterval", parent.repeat_interval_ms, path),
        key,
        route_id,
    )


def _build(
    config: Any, parent: RouteOptions, path: str, position: int | None, receivers: Collection[str] | None
) -> Route:
    if not isinstance(config, Mapping):
        raise RouteConfigError(path, "expected an object")
    unknown = sorted(set(config) - _KEYS)
    if unknown:
        raise RouteConfigError(f"{path}.{unknown[0]}", f"unknown key; expected one of {', '.join(sorted(_KEYS))}")
    matchers = _matchers(config, path)
    key = matchers_text(matchers) if position is None else f"{parent.route_key}/{matchers_text(matchers)}"
    route_id = key if position is None else f"{key}/{position}"
    options = _options(config, parent, path, key=key, route_id=route_id, receivers=receivers)
    cont = config.get("continue", False)
    if not isinstance(cont, bool):
        raise RouteConfigError(f"{path}.continue", "expected true or false")
    children = config.get("routes", [])
    if not isinstance(children, list):
        raise RouteConfigError(f"{path}.routes", "expected a list of routes")
    routes = tuple(_build(c, options, f"{path}.routes.{i}", i, receivers) for i, c in enumerate(children))
    return Route(options, matchers, cont, routes)


def build_route_tree(config: Any, receivers: Collection[str] | None = None, path: str = "route") -> Route:
    """The tree of a ``route`` object; RouteConfigError names the path of the first problem."""
    if not isinstance(config, Mapping):
        raise RouteConfigError(path, "expected an object")
    if not config.get("receiver"):
        raise RouteConfigError(f"{path}.receiver", "the root route needs a receiver")
    if config.get("matchers"):
        raise RouteConfigError(f"{path}.matchers", "the root route must not have matchers")
    if config.get("continue"):
        raise RouteConfigError(f"{path}.continue", "the root route cannot have continue")
    return _build(config, RouteOptions(receiver=str(config["receiver"])), path, None, receivers)


def routes_from_rule_channels(rules: Iterable[tuple[str, Sequence[str]]], root: Mapping[str, Any]) -> dict[str, Any]:
    """The seed's ``channels`` shorthand as routes: each rule's alerts go to a receiver named after
    each channel, with ``continue`` so the user's own routes still see them. The generated routes
    come first among the root's children."""
    generated = [
        {"matchers": [str(Matcher("alertname", MatchOp.EQUAL, name))], "receiver": channel, "continue": True}
        for name, channels in rules
        for channel in channels
    ]
    return {**root, "routes": [*generated, *root.get("routes", [])]}
