"""The query parameters of Alertmanager's v2 reads, as its ``api/v2/api.go`` applies them.

``GET /api/v2/alerts`` and ``GET /api/v2/alerts/groups`` take ``active``, ``silenced`` and
``inhibited`` (booleans, default true; ``unprocessed`` is accepted and, as in Alertmanager 0.25,
changes nothing), ``filter`` (repeated; each one matcher such as ``alertname="X"``) and
``receiver`` (a regex, anchored, over the names of the alert's receivers). ``GET
/api/v2/silences`` takes ``filter``: a silence is listed when each filter equals one of its
matchers (name, operator and value), Alertmanager's ``CheckSilenceMatchesFilterLabels``. amtool
sends these: ``amtool alert query`` asks for ``silenced=false&inhibited=false`` unless told
otherwise, and its matchers as ``filter``.

The filters run over the bodies already built (``gettable_alert`` dicts), so the adapter applies
them to what the alert center answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .amapi import AmFieldError
from .matchers import Matcher, MatcherError, Matchers, MatchOp, parse_matcher

# go-openapi's swag.ConvertBool: these words (any case) are true, these false; empty is the default.
_TRUE = frozenset({"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "f", "disabled"})
_FLAGS = ("active", "silenced", "inhibited", "unprocessed")
MAX_FILTERS = 64


@dataclass(frozen=True)
class AlertQuery:
    active: bool = True
    silenced: bool = True
    inhibited: bool = True
    filter: Matchers = ()
    receiver: Matcher | None = None  # the receiver regex, as a matcher over a receiver's name


def _flag(pairs: Sequence[tuple[str, str]], name: str) -> bool:
    values = [value for key, value in pairs if key == name]
    text = values[-1].strip().lower() if values else ""
    if text == "":
        return True
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise AmFieldError(name, "must be true or false")


def _filters(pairs: Sequence[tuple[str, str]]) -> Matchers:
    texts = [value for key, value in pairs if key == "filter"]
    if len(texts) > MAX_FILTERS:
        raise AmFieldError("filter", f"at most {MAX_FILTERS} matchers")
    found = []
    for index, text in enumerate(texts):
        try:
            found.append(parse_matcher(text))
        except MatcherError as exc:
            raise AmFieldError(f"filter.{index}", str(exc)) from None
    return tuple(found)


def parse_alert_query(pairs: Iterable[tuple[str, str]]) -> AlertQuery:
    """The query of ``GET alerts`` or ``GET alerts/groups`` (every pair, repeated names kept)."""
    items = list(pairs)
    flags = {name: _flag(items, name) for name in _FLAGS}
    receivers = [value for key, value in items if key == "receiver"]
    receiver = None
    if receivers:
        try:
            receiver = Matcher("receiver", MatchOp.REGEX, receivers[-1])
        except MatcherError as exc:
            raise AmFieldError("receiver", str(exc)) from None
    return AlertQuery(flags["active"], flags["silenced"], flags["inhibited"], _filters(items), receiver)


def parse_silence_query(pairs: Iterable[tuple[str, str]]) -> Matchers:
    """The ``filter`` matchers of ``GET silences``."""
    return _filters(list(pairs))


def filter_matches(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Alertmanager's ``matchFilterLabels``: a matcher with an empty value also passes when the
    label is absent (``=``, ``=~``) or present (``!=``, ``!~``); otherwise it must match."""
    for matcher in matchers:
        present = matcher.name in labels
        if matcher.value == "" and present == (matcher.op in (MatchOp.NOT_EQUAL, MatchOp.NOT_REGEX)):
            continue
        if not matcher.matches(labels.get(matcher.name, "")):
            return False
    return True


def _alert_passes(alert: Mapping[str, Any], query: AlertQuery) -> bool:
    status = alert.get("status") or {}
    if not query.active and status.get("state") == "active":
        return False
    if not query.silenced and status.get("silencedBy"):
        return False
    if not query.inhibited and status.get("inhibitedBy"):
        return False
    return filter_matches(query.filter, alert.get("labels") or {})


def _receiver_passes(names: Iterable[str], query: AlertQuery) -> bool:
    return query.receiver is None or any(query.receiver.matches(name) for name in names)


def filter_alerts(alerts: Iterable[Mapping[str, Any]], query: AlertQuery) -> list[Mapping[str, Any]]:
    """``GET alerts``: the alerts of any receiver the regex matches that pass the state flags and
    the filter."""
    return [
        alert
        for alert in alerts
        if _receiver_passes((r["name"] for r in alert.get("receivers") or []), query) and _alert_passes(alert, query)
    ]


def filter_groups(groups: Iterable[Mapping[str, Any]], query: AlertQuery) -> list[dict[str, Any]]:
    """``GET alerts/groups``: the groups whose receiver the regex matches, each with the alerts that
    pass; a group left without alerts is not listed."""
    out = []
    for group in groups:
        if not _receiver_passes([group["receiver"]["name"]], query):
            continue
        alerts = [alert for alert in group["alerts"] if _alert_passes(alert, query)]
        if alerts:
            out.append({**group, "alerts": alerts})
    return out


def _same_matcher(filter_: Matcher, api: Mapping[str, Any]) -> bool:
    op = {
        (False, True): MatchOp.EQUAL,
        (False, False): MatchOp.NOT_EQUAL,
        (True, True): MatchOp.REGEX,
        (True, False): MatchOp.NOT_REGEX,
    }[(bool(api.get("isRegex")), bool(api.get("isEqual", True)))]
    return (filter_.name, filter_.op, filter_.value) == (api.get("name"), op, api.get("value"))


def filter_silences(silences: Iterable[Mapping[str, Any]], matchers: Matchers) -> list[Mapping[str, Any]]:
    """``GET silences``: the silences that have, for each filter, a matcher equal to it."""
    return [
        silence
        for silence in silences
        if all(any(_same_matcher(f, m) for m in silence.get("matchers") or []) for f in matchers)
    ]
