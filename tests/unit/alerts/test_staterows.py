"""The center's state as rows: what one write stores, and that reading the rows gives the state back."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.alerts.center import CenterState, flush, forget_old, receive
from edgewatch.alerts.model import Alert, label_set
from edgewatch.alerts.setup import AlertingSetup, alerting_setup
from edgewatch.alerts.staterows import RowChanges, RowWriter, doc_parts, dumps, state_from_rows
from edgewatch.stack import load_monitoring

T = 1_900_000_000_000
ALERTING = {
    "receivers": [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/hook"}],
    "route": {"receiver": "hook", "groupBy": ["alertname", "service"], "groupWait": "1s", "groupInterval": "2s",
              "routes": [{"receiver": "hook", "continue": True},
                         {"receiver": "hook", "matchers": ['severity="critical"']}]},
}  # fmt: skip
SETUP: AlertingSetup = alerting_setup(load_monitoring({"alerting": ALERTING}).alerting)


class Storage:
    """The three tables as dicts, changed as the adapter changes them."""

    def __init__(self) -> None:
        self.alerts: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.docs: dict[str, str] = {}

    def apply(self, changes: RowChanges) -> None:
        self.alerts.update(changes.alerts)
        self.groups.update(changes.groups)
        self.docs.update(changes.docs)
        for fp in changes.alerts_gone:
            del self.alerts[fp]
        for slot in changes.groups_gone:
            del self.groups[slot]
        for name in changes.docs_gone:
            del self.docs[name]

    def read(self) -> tuple[CenterState, RowWriter]:
        return state_from_rows(self.docs, self.alerts.values(), self.groups.values())


def alert(i: int, at: int = T, ends: int | None = None, updated: int | None = None) -> Alert:
    labels = {"alertname": f"A{i % 3}", "service": f"s{i % 2}", "instance": f"i{i}",
              "severity": "critical" if i % 3 == 0 else "warning"}  # fmt: skip
    return Alert(label_set(labels), (("summary", f"alert {i}"),), at, ends, "", at if updated is None else updated)


def snapshot(state: CenterState) -> dict[str, Any]:
    """Every part as JSON, lists in a stable order (rows come back in any order)."""
    out: dict[str, Any] = {}
    for name in CenterState.PARTS:
        part = state.part_json(name)
        if name == "groups":
            groups = [{**g, "alerts": sorted(map(dumps, g["alerts"]))} for g in part["groups"]]
            part = sorted(map(dumps, groups))
        elif isinstance(part, list):
            part = sorted(map(dumps, part))
        out[name] = part
    return out


def written(state: CenterState, writer: RowWriter, storage: Storage) -> RowWriter:
    changes, after = writer.changes(state)
    storage.apply(changes)
    return after


def test_a_state_written_then_read_is_the_same_state() -> None:
    state, storage = CenterState(), Storage()
    receive(state, [alert(i) for i in range(12)], SETUP, T)
    flush(state, SETUP, T + 1_000)
    written(state, RowWriter(), storage)
    back, _ = storage.read()
    assert snapshot(back) == snapshot(state)
    assert len(storage.alerts) == 12 and len(storage.groups) == len(state.groups.groups)
    # the groups' alerts are the stored alerts themselves: written as references
    assert all(e.keys() == {"ref"} for g in storage.groups.values() for e in json.loads(g)["alerts"])


def test_a_post_into_a_large_store_writes_only_its_alerts_and_their_groups() -> None:
    state, storage = CenterState(), Storage()
    receive(state, [alert(i) for i in range(300)], SETUP, T)
    writer = written(state, RowWriter(), storage)
    receive(state, [alert(300), alert(301)], SETUP, T + 10)
    changes, _ = writer.changes(state)
    assert sorted(changes.alerts) == sorted([alert(300).fingerprint, alert(301).fingerprint])
    # alert 300 (A0, critical) is in two groups, 301 (A1) in one: three group rows of the eight
    assert len(changes.groups) == 3 and len(state.groups.groups) == 8
    assert (changes.alerts_gone, changes.groups_gone, changes.docs) == ((), (), {})


def test_nothing_changed_writes_nothing() -> None:
    state, storage = CenterState(), Storage()
    receive(state, [alert(i) for i in range(5)], SETUP, T)
    writer = written(state, RowWriter(), storage)
    assert not writer.changes(state)[0]
    back, read_writer = storage.read()
    assert not read_writer.changes(back)[0]  # a state just read is what storage holds


def test_a_flush_rewrites_the_groups_and_the_notification_log_only() -> None:
    state, storage = CenterState(), Storage()
    receive(state, [alert(i) for i in range(6)], SETUP, T)
    writer = written(state, RowWriter(), storage)
    flush(state, SETUP, T + 1_000)
    changes, _ = writer.changes(state)
    assert changes.alerts == {} and len(changes.groups) == len(state.groups.groups)
    assert set(changes.docs) == {"nflog"}


def test_forgotten_alerts_and_emptied_groups_are_deleted() -> None:
    state, storage = CenterState(), Storage()
    receive(state, [alert(i) for i in range(4)], SETUP, T)
    writer = written(state, RowWriter(), storage)
    receive(state, [alert(i, ends=T + 100, updated=T + 100) for i in range(4)], SETUP, T + 100)
    flush(state, SETUP, T + 1_000)  # the resolved alerts leave their groups, the groups go
    forget_old(state, T + 100 + 16 * 60_000)
    changes, writer = writer.changes(state)
    storage.apply(changes)
    assert (len(changes.alerts_gone), len(changes.groups_gone)) == (4, 6)
    assert storage.alerts == {} and storage.groups == {}
    assert snapshot(storage.read()[0]) == snapshot(state)


def test_a_group_holding_an_alert_the_store_dropped_writes_it_in_full() -> None:
    state, storage = CenterState(), Storage()
    receive(state, [alert(1)], SETUP, T)
    writer = written(state, RowWriter(), storage)
    del state.alerts[alert(1).fingerprint]  # e.g. forgotten while a long group interval keeps it
    changes, _ = writer.changes(state)
    storage.apply(changes)
    (row,) = storage.groups.values()
    assert "labels" in json.loads(row)["alerts"][0]
    assert snapshot(storage.read()[0]) == snapshot(state)


def test_the_older_layout_is_read_and_replaced_by_rows() -> None:
    state = CenterState()
    receive(state, [alert(i) for i in range(7)], SETUP, T)
    flush(state, SETUP, T + 1_000)
    old = {name: dumps(state.part_json(name)) for name in CenterState.PARTS}  # one document per part
    storage = Storage()
    storage.docs = dict(old)
    back, writer = storage.read()
    assert snapshot(back) == snapshot(state)
    changes, _ = writer.changes(back)
    storage.apply(changes)
    assert sorted(changes.docs_gone) == ["alerts", "groups"]
    assert sorted(storage.docs) == sorted(doc_parts())
    assert len(storage.alerts) == 7
    assert snapshot(storage.read()[0]) == snapshot(state)


def test_an_unknown_writer_rewrites_everything_and_drops_stale_rows() -> None:
    state, storage = CenterState(), Storage()
    receive(state, [alert(i) for i in range(3)], SETUP, T)
    written(state, RowWriter(), storage)
    storage.alerts["stale"] = "{}"
    writer = RowWriter.unknown(storage.alerts, storage.groups, storage.docs)
    changes, _ = writer.changes(state)
    storage.apply(changes)
    assert changes.alerts_gone == ("stale",) and len(changes.alerts) == 3
    assert set(changes.docs) == set(doc_parts())
    assert snapshot(storage.read()[0]) == snapshot(state)


_STEP = st.tuples(
    st.one_of(
        st.tuples(st.just("receive"), st.lists(st.integers(0, 30), min_size=1, max_size=8), st.booleans()),
        st.tuples(st.just("flush"), st.integers(0, 3_000)),
        st.tuples(st.just("forget"), st.integers(0, 20 * 60_000)),
        st.tuples(st.just("reload")),
    ),
    st.booleans(),  # write after this step (else the changes pile up until a later write)
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(_STEP, max_size=25))
def test_storage_always_holds_the_state_in_memory(steps: list[tuple[tuple[Any, ...], bool]]) -> None:
    # Any sequence of the center's mutations, written after some of them: reading the rows back
    # after a write always gives the state in memory; a reload continues from what was stored.
    state, storage, writer = CenterState(), Storage(), RowWriter()
    now = T
    for step, write in [*steps, (("write",), True)]:
        now += 500
        if step[0] == "receive":
            resolve = step[2]
            receive(state, [alert(i, at=now, ends=now if resolve else None, updated=now) for i in step[1]], SETUP, now)
        elif step[0] == "flush":
            now += step[1]
            flush(state, SETUP, now)
        elif step[0] == "forget":
            now += step[1]
            forget_old(state, now)
        elif step[0] == "reload":
            state, writer = storage.read()
            continue
        if write:
            writer = written(state, writer, storage)
            assert snapshot(storage.read()[0]) == snapshot(state)
