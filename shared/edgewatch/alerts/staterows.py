"""The alert center's state as storage rows, written incrementally.

The two large parts are rows: one per alert (by fingerprint) and one per aggregation group (by its
slot, the route id and the group labels). A group's alert that is the stored alert itself (the
usual case: ``receive`` puts the same object into the store and its groups) is written as a
reference ``{"ref": fingerprint}``; any other copy in full, so reading the rows back gives the
state that was written, exactly. The small parts (notification log, acks, silences, rule states,
and any later part of ``CenterState.PARTS``) stay one JSON document each.

``RowWriter`` is what was last written: the alert objects by identity, each group's fields and
alerts, and the documents' texts. ``changes(state)`` returns only the rows and documents that differ, and the
writer to keep once they are stored, so a POST of 64 alerts into a store of 10,000 rewrites those
64 alerts and the groups they joined, not the whole state (the whole state rewritten per call made
an alert storm quadratic). The documents ``alerts`` and ``groups`` of the layout before the rows
are read, and deleted by the first write.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .center import CenterState
from .groups import AggregationGroup, GroupTable
from .model import Alert, LabelSet

ROW_PARTS = ("alerts", "groups")


def doc_parts() -> tuple[str, ...]:
    """The parts kept as one JSON document each."""
    return tuple(p for p in CenterState.PARTS if p not in ROW_PARTS)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@functools.lru_cache(maxsize=16_384)  # every write names every group's slot
def group_slot(route_id: str, labels: LabelSet) -> str:
    return dumps([route_id, [list(pair) for pair in labels]])


def group_row(group: AggregationGroup, alerts: Mapping[str, Alert]) -> dict[str, Any]:
    data = replace(group, alerts={}).to_json()
    data["alerts"] = [{"ref": fp} if alerts.get(fp) is alert else alert.to_json() for fp, alert in group.alerts.items()]
    return data


def group_from_row(data: Mapping[str, Any], alerts: Mapping[str, Alert]) -> AggregationGroup:
    group = AggregationGroup.from_json({**data, "alerts": []})
    for entry in data.get("alerts", []):
        # A reference names a stored alert (the write that drops an alert rewrites its groups' rows).
        alert = alerts.get(str(entry["ref"])) if "ref" in entry else Alert.from_json(entry)
        if alert is not None:
            group.alerts[alert.fingerprint] = alert
    return group


def _changed(current: Mapping[str, Alert], written: Mapping[str, Alert | None]) -> list[str]:
    """The keys whose object is not the one written (the loop in C: a store of 10,000 alerts is
    scanned on every write)."""
    flags = map(operator.is_not, current.values(), map(written.get, current.keys()))
    return list(itertools.compress(current.keys(), flags))


def _doc_signature(state: CenterState, name: str) -> Any:
    """A cheap stand-in for a document's text where one is exact: the notification log's entries
    are frozen and replaced when recorded, so equal entries (by identity) mean an equal text."""
    if name == "nflog":
        return state.nflog.retention_ms, dict(state.nflog.entries)
    return None


_GROUP_FIELDS = operator.itemgetter(*(f.name for f in fields(AggregationGroup) if f.name != "alerts"))


def _group_signature(group: AggregationGroup) -> tuple[Any, ...]:
    """The group's fields and its alerts (compared by identity, then by value)."""
    return _GROUP_FIELDS(vars(group)), dict(group.alerts)


@dataclass(frozen=True)
class RowChanges:
    """What one write stores: rows and documents to upsert (key -> JSON text) and keys to delete."""

    alerts: dict[str, str] = field(default_factory=dict)
    alerts_gone: tuple[str, ...] = ()
    groups: dict[str, str] = field(default_factory=dict)
    groups_gone: tuple[str, ...] = ()
    docs: dict[str, str] = field(default_factory=dict)
    docs_gone: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any((self.alerts, self.alerts_gone, self.groups, self.groups_gone, self.docs, self.docs_gone))


@dataclass(frozen=True)
class RowWriter:
    """What storage holds, as far as the next write needs to know (None: unknown, rewrite)."""

    alerts: Mapping[str, Alert | None] = field(default_factory=dict)
    groups: Mapping[str, tuple[Any, ...] | None] = field(default_factory=dict)
    docs: Mapping[str, str | None] = field(default_factory=dict)
    doc_signatures: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, state: CenterState, docs: Mapping[str, str]) -> RowWriter:
        """The writer of a state just read (or written) with these document texts."""
        return cls(
            dict(state.alerts),
            {group_slot(*slot): _group_signature(g) for slot, g in state.groups.groups.items()},
            dict(docs),
            {name: _doc_signature(state, name) for name in doc_parts() if name in docs},
        )

    @classmethod
    def unknown(cls, alert_keys: Iterable[str], group_keys: Iterable[str], doc_keys: Iterable[str]) -> RowWriter:
        """Storage holds these keys with unknown contents: the next write rewrites every row it
        keeps and deletes the others."""
        docs: dict[str, str | None] = dict.fromkeys(doc_keys)
        return cls(dict.fromkeys(alert_keys), dict.fromkeys(group_keys), docs)

    def changes(self, state: CenterState) -> tuple[RowChanges, RowWriter]:
        alerts = {fp: dumps(state.alerts[fp].to_json()) for fp in _changed(state.alerts, self.alerts)}
        added = sum(1 for fp in alerts if fp not in self.alerts)
        kept = len(state.alerts) - added  # all of them were written: if as many were, none is gone
        gone = () if kept == len(self.alerts) else tuple(fp for fp in self.alerts if fp not in state.alerts)
        moved = {*alerts, *gone}  # a group row refers to these stored alerts or holds a copy of them
        signatures = {group_slot(*slot): (g, _group_signature(g)) for slot, g in state.groups.groups.items()}
        groups = {
            slot: dumps(group_row(g, state.alerts))
            for slot, (g, sig) in signatures.items()
            if self.groups.get(slot) != sig or not moved.isdisjoint(g.alerts)
        }
        signatures_of_docs = {name: _doc_signature(state, name) for name in doc_parts()}
        texts = {
            name: text
            for name in doc_parts()
            if (text := self.docs.get(name)) is not None
            and signatures_of_docs[name] is not None
            and self.doc_signatures.get(name) == signatures_of_docs[name]
        }
        texts |= {name: dumps(state.part_json(name)) for name in doc_parts() if name not in texts}
        docs = {name: text for name, text in texts.items() if self.docs.get(name) != text}
        changes = RowChanges(
            alerts,
            gone,
            groups,
            tuple(slot for slot in self.groups if slot not in signatures),
            docs,
            tuple(name for name in self.docs if name in ROW_PARTS),  # the older layout's; others are left alone
        )
        groups_written = {slot: sig for slot, (_g, sig) in signatures.items()}
        written = RowWriter(dict(state.alerts), groups_written, texts, signatures_of_docs)
        return changes, written


def state_from_rows(
    docs: Mapping[str, str], alert_rows: Iterable[str], group_rows: Iterable[str]
) -> tuple[CenterState, RowWriter]:
    """The state the rows hold, and its writer. With the documents of the older layout (``alerts``,
    ``groups``) those are read instead and every row is rewritten by the next write."""
    alert_texts, group_texts = list(alert_rows), list(group_rows)
    parts = {name: json.loads(text) for name, text in docs.items()}
    state = CenterState.from_parts(parts)
    if any(name in parts for name in ROW_PARTS):
        stored_alerts = (json.loads(t) for t in alert_texts)
        stored_groups = (json.loads(t) for t in group_texts)
        alert_keys = [Alert.from_json(a).fingerprint for a in stored_alerts]
        group_keys = [group_slot(str(g["route_id"]), _labels(g)) for g in stored_groups]
        return state, RowWriter.unknown(alert_keys, group_keys, docs)
    alerts = (Alert.from_json(json.loads(t)) for t in alert_texts)
    state.alerts = {a.fingerprint: a for a in alerts}
    groups = (group_from_row(json.loads(t), state.alerts) for t in group_texts)
    state.groups = GroupTable({(g.route_id, g.labels): g for g in groups})
    return state, RowWriter.of(state, docs)


def _labels(group: Mapping[str, Any]) -> LabelSet:
    return AggregationGroup.from_json({**group, "alerts": []}).labels
